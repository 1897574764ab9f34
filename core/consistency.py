"""The consistency report: a rendered ad checked against its bible.

Palette adherence and colour drift on one frame from the middle of each shot, and where each
entity appears (with face identity when a face backend is given). The bible's looks live in
``core.looks`` and its seeds in ``core.seeds``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import median

import numpy as np
from PIL import Image

from cutroom.core.backends import FaceEmbedder
from cutroom.core.graphics.colour import (
    hex_rgb,
    rgb_to_lab,
)
from cutroom.core.models import (
    ConsistencyReport,
    EntityConsistency,
    Plan,
    ShotConsistency,
)
from cutroom.core.qc.identity import identity_consistency

# ── the consistency report ──────────────────────────────────────────────────────────────

#: A pixel is on palette when its nearest palette colour is within this CIELAB distance, with
#: lightness at half weight (the CMC 2:1 "acceptability" convention): light and shade change
#: how light a colour is far more than its hue, and ΔE 20 is about where two swatches stop
#: reading as the same colour family (ΔE 2 is a just-noticeable difference).
PALETTE_DELTA_E = 20.0
PALETTE_LIGHTNESS_WEIGHT = 0.5
#: A shot drifts when its mean colour is this far (plain CIELAB ΔE) from the ad's median shot:
#: about the gap between a daylight scene and the same scene at dusk. Different sets in one ad
#: (street, studio, kitchen) sit around 10-15 apart.
DRIFT_DELTA_E = 20.0
#: Mean face cosine from which a character reads as the same person (ArcFace puts the same
#: person across photos at about 0.5-0.8 and different people below about 0.3).
SAME_FACE = 0.5

Frame = Image.Image | np.ndarray


def _rgb_array(frame: Frame) -> np.ndarray:
    if isinstance(frame, Image.Image):
        return np.asarray(frame.convert("RGB"))
    array = np.asarray(frame)
    if array.ndim != 3 or array.shape[2] < 3:
        raise ValueError(f"A shot frame must be an RGB image, not an array of shape {array.shape}.")
    return array[:, :, :3].astype(np.uint8, copy=False)


def palette_share(lab: np.ndarray, palette: Sequence[str], *, threshold: float = PALETTE_DELTA_E) -> float:
    """Share of pixels (``lab``: (..., 3)) whose nearest palette colour is within ``threshold``."""
    pixels = lab.reshape(-1, 3)
    if pixels.size == 0:
        return 0.0
    weight = np.array([PALETTE_LIGHTNESS_WEIGHT, 1.0, 1.0])
    nearest = np.full(len(pixels), np.inf)
    # One palette colour at a time keeps memory at one distance per pixel.
    for colour in rgb_to_lab(np.array([hex_rgb(c) for c in palette], dtype=np.float64)):
        nearest = np.minimum(nearest, np.linalg.norm((pixels - colour) * weight, axis=1))
    return float(np.mean(nearest <= threshold))


def _shots_text(shots: Sequence[int]) -> str:
    if not shots:
        return "no shot"
    return f"shot {shots[0]}" if len(shots) == 1 else f"shots {', '.join(map(str, shots))}"


def _palette_verdict(share: float) -> str:
    percent = f"{share * 100:.0f}% of the picture is on the palette"
    if share >= 0.6:
        return f"{percent}: the ad reads as the brand's colours."
    if share >= 0.3:
        return f"{percent}: brand colours lead, with other colours in the sets and people."
    return f"{percent}: most of the picture is in colours outside the palette."


def _identity(
    plan: Plan, frames: Mapping[int, np.ndarray], face: FaceEmbedder
) -> dict[str, tuple[float | None, list[int]]]:
    """Per character: identity score and the shots whose face was measured.

    Same rule as ``identity_scores`` (only shots where the character is the one person in
    frame), but it keeps which shots had a face so the report can say so.
    """
    characters = {e.id for e in plan.bible.entities if e.kind == "character"}
    seen: dict[str, list[tuple[int, np.ndarray]]] = {}
    for shot in plan.shots:
        in_frame = [e for e in shot.entities if e in characters]
        if len(in_frame) != 1 or shot.index not in frames:
            continue
        vector = face.embed(Image.fromarray(frames[shot.index]))
        if vector is not None:
            seen.setdefault(in_frame[0], []).append((shot.index, vector))
    return {
        entity: (identity_consistency([v for _, v in found]), [i for i, _ in found])
        for entity, found in seen.items()
    }


def _entity_note(entity: EntityConsistency, measured: bool) -> str:
    """The bracketed part of an entity's summary: only for characters, where identity matters."""
    if entity.kind != "character" or not entity.shots:
        return ""
    if not measured:
        return " (identity not measured)"
    if entity.identity is None:
        return " (identity not measured: no face in two shots alone)"
    word = "same face" if entity.identity >= SAME_FACE else "face may change"
    return f" ({word}, {entity.identity:.2f})"


def _summary_line(
    shares: Sequence[float], drifting: Sequence[int], entities: Sequence[EntityConsistency], measured: bool
) -> str:
    low, high = round(min(shares) * 100), round(max(shares) * 100)
    parts = [f"palette {low}% on brand" if low == high else f"palette {low}–{high}% on brand"]
    parts.append(f"colour drift in {_shots_text(sorted(set(drifting)))}" if drifting else "no colour drift")
    # People first: whether a character stays the same person is what viewers notice most.
    ordered = sorted((e for e in entities if e.shots), key=lambda e: e.kind != "character")
    parts += [f"{e.name} in {_shots_text(e.shots)}{_entity_note(e, measured)}" for e in ordered]
    return " · ".join(parts)


def consistency_report(
    plan: Plan, shot_frames: Mapping[int, Frame], *, face: FaceEmbedder | None = None
) -> ConsistencyReport:
    """Check a rendered ad against its bible, from one frame in the middle of each shot.

    1. Palette: per shot, the share of pixels near a palette colour; the ad's share weights
       shots by their length, so it is a share of screen time.
    2. Drift: each shot's mean CIELAB colour against the median of the ad's shots. End cards
       are designed to differ (a brand-colour card), so they neither set the median nor drift.
    3. Entities: the shots the plan puts each bible entity in; with ``face``, how alike each
       character's face is across the shots where it is alone in frame. Without one, identity
       is reported as not measured, never guessed.
    """
    by_index = {shot.index: shot for shot in plan.shots}
    frames = {i: _rgb_array(f) for i, f in sorted(shot_frames.items()) if i in by_index}
    if not frames:
        raise ValueError("The consistency report needs at least one frame from a shot of the plan.")
    palette = list(plan.bible.palette)

    # 1. Palette adherence.
    labs = {i: rgb_to_lab(frame) for i, frame in frames.items()}
    shares = {i: palette_share(lab, palette) for i, lab in labs.items()}
    seconds = {i: by_index[i].duration_s for i in frames}
    overall = sum(shares[i] * seconds[i] for i in frames) / sum(seconds.values())

    # 2. Colour drift from the median shot.
    means = {i: lab.reshape(-1, 3).mean(axis=0) for i, lab in labs.items()}
    story = [i for i in frames if not by_index[i].is_end_card] or list(frames)
    centre = np.array([median(float(means[i][c]) for i in story) for c in range(3)])
    drift = {i: float(np.linalg.norm(means[i] - centre)) for i in frames}
    drifting = [i for i in story if drift[i] > DRIFT_DELTA_E and len(story) > 1]
    if drifting:
        worst = max(drifting, key=lambda i: drift[i])
        lighter = means[worst][0] > centre[0]
        drift_verdict = (
            f"{_shots_text(drifting).capitalize()} stray{'s' if len(drifting) == 1 else ''} from the ad's "
            f"colour (shot {worst} is ΔE {drift[worst]:.0f} off the median, "
            f"{'lighter' if lighter else 'darker'} by {abs(means[worst][0] - centre[0]):.0f} L*)."
        )
    else:
        drift_verdict = f"Every shot stays within ΔE {DRIFT_DELTA_E:g} of the ad's median colour."

    # 3. Recurring entities, and identity where a face backend can measure it.
    identity = _identity(plan, frames, face) if face is not None else {}
    entities = []
    for entity in plan.bible.entities:
        shots = [s.index for s in plan.shots if entity.id in s.entities]
        score, measured_in = identity.get(entity.id, (None, []))
        record = EntityConsistency(
            id=entity.id,
            name=entity.name,
            kind=entity.kind,
            shots=shots,
            identity=round(score, 4) if score is not None else None,
            identity_shots=measured_in,
            verdict="",
        )
        if not shots:
            verdict = f"{entity.name} is in the bible but in no shot."
        elif entity.kind == "product":
            verdict = (
                f"{entity.name} appears in {_shots_text(shots)}, drawn from the bible's colours and seed."
            )
        elif face is None:
            verdict = (
                f"{entity.name} appears in {_shots_text(shots)} with the bible's look and seed; "
                "identity not measured (no face backend configured)."
            )
        elif record.identity is None:
            verdict = (
                f"{entity.name} appears in {_shots_text(shots)}; identity not measured (a face was found "
                f"in fewer than two shots where {entity.name} is alone)."
            )
        else:
            kept = (
                "reads as the same person"
                if record.identity >= SAME_FACE
                else "may not read as the same person"
            )
            verdict = (
                f"{entity.name} appears in {_shots_text(shots)} and {kept} "
                f"(face similarity {record.identity:.2f} over {_shots_text(measured_in)})."
            )
        record.verdict = verdict
        entities.append(record)

    return ConsistencyReport(
        palette=palette,
        palette_share=round(overall, 4),
        palette_threshold=PALETTE_DELTA_E,
        palette_verdict=_palette_verdict(overall),
        drift_threshold=DRIFT_DELTA_E,
        drifting_shots=drifting,
        drift_verdict=drift_verdict,
        shots=[
            ShotConsistency(
                index=i,
                palette_share=round(shares[i], 4),
                mean_lab=(
                    round(float(means[i][0]), 2),
                    round(float(means[i][1]), 2),
                    round(float(means[i][2]), 2),
                ),
                drift=round(drift[i], 2),
                drifting=i in drifting,
            )
            for i in frames
        ],
        entities=entities,
        identity_measured=face is not None,
        summary=_summary_line([overall], drifting, entities, face is not None),
    )


def consistency_line(reports: Sequence[ConsistencyReport]) -> str | None:
    """One line for a render of several variants: the palette range, every drifting shot, each
    entity once (with its lowest identity score). None when no variant has a report."""
    if not reports:
        return None
    if len(reports) == 1:
        return reports[0].summary
    measured = any(r.identity_measured for r in reports)
    entities = []
    for entity in reports[0].entities:
        scores = [
            e.identity for r in reports for e in r.entities if e.id == entity.id and e.identity is not None
        ]
        entities.append(entity.model_copy(update={"identity": min(scores) if scores else None}))
    drifting = [i for r in reports for i in r.drifting_shots]
    return _summary_line([r.palette_share for r in reports], drifting, entities, measured)
