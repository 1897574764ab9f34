"""The variant's consistency report and the scores it carries."""

from __future__ import annotations

from pathlib import Path

from cutroom.core.consistency import consistency_report
from cutroom.core.encode import extract_frames
from cutroom.core.models import ConsistencyReport, Plan
from cutroom.core.qc.models import QcReport
from cutroom.core.render.options import FACE_LONG_SIDE, REPORT_LONG_SIDE, RenderOptions, _face_backend


def _consistency(
    video: Path,
    plan: Plan,
    starts: list[int],
    fps: int,
    size: tuple[int, int],
    options: RenderOptions,
    notices: list[str],
) -> ConsistencyReport | None:
    """Score the finished video against the bible; any failure is a notice, never a failed render."""
    try:
        face = _face_backend(options, notices)
        long_side = FACE_LONG_SIDE if face is not None else REPORT_LONG_SIDE
        scale = min(1.0, long_side / max(size))
        small = (max(2, round(size[0] * scale / 2) * 2), max(2, round(size[1] * scale / 2) * 2))
        # The middle frame of each shot: past any transition, before the next one.
        times = [(starts[i] + starts[i + 1]) // 2 / fps for i in range(len(plan.shots))]
        frames = extract_frames(video, times, size=small)
        shot_frames = {shot.index: frame for shot, frame in zip(plan.shots, frames, strict=True)}
        return consistency_report(plan, shot_frames, face=face)
    except Exception as exc:
        notices.append(f"The consistency report could not be made ({exc}); the video is fine.")
        return None


def _qc_scores(report: QcReport | None) -> dict[str, float]:
    if report is None or report.sequence is None:
        return {}
    return {"sequence": report.sequence}


def _scores(report: ConsistencyReport | None) -> dict[str, float]:
    """The report's headline numbers, for tables that list variants side by side."""
    if report is None:
        return {}
    scores = {"palette": report.palette_share}
    scores.update({f"identity {e.id}": e.identity for e in report.entities if e.identity is not None})
    return scores
