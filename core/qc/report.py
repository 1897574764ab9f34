"""QC in words: one line for the thread, a per-shot table for people who look closer."""

from __future__ import annotations

from cutroom.core.qc.models import QcReport
from cutroom.core.qc.scores import definitions


def qc_line(report: QcReport) -> str:
    """e.g. "consistency 0.91 · 1 shot retaken · 2 shots not retaken: budget" (the sequence score,
    then what acted, then what money stopped)."""
    parts = [f"consistency {report.sequence:.2f}" if report.sequence is not None else "consistency n/a"]
    retaken = report.retaken
    parts.append(
        f"{len(retaken)} shot{'s' if len(retaken) != 1 else ''} retaken" if retaken else "no retakes"
    )
    short = report.not_retaken_for_budget
    if short:
        parts.append(f"{len(short)} shot{'s' if len(short) != 1 else ''} not retaken: budget")
    weak = [s.index for s in report.shots if s.failed]
    if weak:
        parts.append(f"still weak: shot{'s' if len(weak) != 1 else ''} {', '.join(map(str, weak))}")
    return " · ".join(parts)


def _cell(name: str, value: float | None, threshold: float | None) -> str:
    if value is None:
        return "–"
    text = f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    if threshold is not None:
        lower = definitions()[name]["direction"] == "lower"
        if (value > threshold) if lower else (value < threshold):
            text += "!"
    return text


def qc_table(report: QcReport) -> str:
    """A fixed-width table: one row per shot, one column per measured score, takes and verdict.

    ``!`` marks a score past its threshold; the header lines say which scores were not measured.
    """
    names = [n for n in definitions() if any(n in s.scores for s in report.shots)]
    labels = [str(definitions()[n]["label"]) for n in names]
    header = ["shot", *labels, "takes", "kept"]
    rows = []
    for shot in report.shots:
        kept = next((t.take for t in shot.takes if t.kept), 1)
        rows.append(
            [
                str(shot.index),
                *[_cell(n, shot.scores.get(n), report.thresholds.get(n)) for n in names],
                str(max(1, len(shot.takes))) + (" (cache)" if shot.reused else ""),
                f"take {kept}" + (" ⚠" if shot.failed else "")
                + (f" (not retaken: {shot.not_retaken})" if shot.not_retaken else ""),
            ]
        )
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "-" * len(lines[0]))
    arrows = ", ".join(
        f"{definitions()[n]['label']} {'≤' if definitions()[n]['direction'] == 'lower' else '≥'} {report.thresholds[n]:g}"
        for n in names
        if n in report.thresholds
    )
    foot = [
        f"Sequence consistency: {report.sequence:.2f} ({report.sequence_method})"
        if report.sequence is not None
        else f"Sequence consistency: not measured ({report.sequence_method})"
    ]
    if arrows:
        foot.append(f"Thresholds: {arrows}; ! marks a miss.")
    if report.not_measured:
        foot.append("Not measured: " + "; ".join(f"{k} ({v})" for k, v in report.not_measured.items()))
    foot += report.notes
    for shot in report.shots:
        foot += shot.notes
    return "\n".join([*lines, "", *foot])
