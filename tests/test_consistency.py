"""The consistency report on synthetic frames: palette adherence, colour drift, entities, identity.

Frames are painted in the test so every expected number is known; the face backend is a tiny
embedder class implementing the ``FaceEmbedder`` protocol (a backend double, not our code).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cutroom.bots.messages import delivery_summary
from cutroom.core.backends import FaceEmbedder
from cutroom.core.consistency import (
    DRIFT_DELTA_E,
    consistency_line,
    consistency_report,
    hex_rgb,
    palette_share,
    rgb_to_lab,
)
from cutroom.core.models import (
    Brief,
    CallToAction,
    ConsistencyReport,
    Entity,
    Plan,
    Shot,
    StyleBible,
    Variant,
    VariantChoice,
)
from cutroom.core.render import RenderOptions, _consistency

PALETTE = ["#2f6b4f", "#f4c542", "#fff6e5"]
SIZE = (90, 160)


def make_plan() -> Plan:
    """Five shots: Amara alone in 1 and 3, with the product in 4; the product in 2, 4 and the end card."""
    return Plan(
        title="Oat Latte",
        hook="Flat mornings?",
        brief=Brief(product="Oat Latte", duration_s=15),
        shots=[
            Shot(index=1, duration_s=3, description="Amara wakes", entities=["amara"]),
            Shot(index=2, duration_s=3, description="The can", entities=["latte"]),
            Shot(index=3, duration_s=3, description="Amara sips", entities=["amara"]),
            Shot(index=4, duration_s=3, description="Amara and the can", entities=["amara", "latte"]),
            Shot(index=5, duration_s=3, description="End card", entities=["latte"], is_end_card=True),
        ],
        cta=CallToAction(),
        bible=StyleBible(
            palette=PALETTE,
            entities=[
                Entity(id="amara", name="Amara", kind="character"),
                Entity(id="latte", name="Oat Latte", kind="product", category="can"),
            ],
        ),
    )


def stripes(colours: list[str], size: tuple[int, int] = SIZE) -> np.ndarray:
    """A frame of equal vertical bands, one per colour."""
    width, height = size
    frame = np.zeros((height, width, 3), np.uint8)
    for i, colour in enumerate(colours):
        frame[:, i * width // len(colours) : (i + 1) * width // len(colours)] = hex_rgb(colour)
    return frame


def on_brand_frames() -> dict[int, np.ndarray]:
    return {i: stripes(PALETTE) for i in range(1, 6)}


class PaintedFace:
    """A stand-in face backend: the colour of a face patch in the top-left corner is the 'face'.

    A grey corner means no face was found, as a real embedder returns None.
    """

    def embed(self, image: Image.Image) -> np.ndarray | None:
        patch = np.asarray(image.convert("RGB"))[:8, :8].reshape(-1, 3).mean(axis=0)
        if np.ptp(patch) < 1:
            return None
        return (patch - patch.mean()).astype(np.float32)


def with_face(frame: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    frame = frame.copy()
    frame[:8, :8] = colour
    return frame


# ── colour science ──────────────────────────────────────────────────────────────────────


def test_rgb_to_lab_matches_reference_values() -> None:
    lab = rgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0], [128, 128, 128]]))
    assert lab[0] == pytest.approx([100.0, 0.0, 0.0], abs=0.01)
    assert lab[1] == pytest.approx([0.0, 0.0, 0.0], abs=0.01)
    assert lab[2] == pytest.approx([53.24, 80.09, 67.20], abs=0.05)
    assert lab[3] == pytest.approx([53.59, 0.0, 0.0], abs=0.05)


def test_palette_share_counts_shades_of_a_palette_colour_but_not_other_hues() -> None:
    green = np.array(hex_rgb("#2f6b4f"), dtype=np.float64)
    shaded = np.clip(green * 0.85, 0, 255)  # the brand green in shadow
    purple = np.array(hex_rgb("#7b2fbe"), dtype=np.float64)
    assert palette_share(rgb_to_lab(np.array([shaded])), PALETTE) == 1.0
    assert palette_share(rgb_to_lab(np.array([purple])), PALETTE) == 0.0
    half = rgb_to_lab(np.array([green, purple]))
    assert palette_share(half, PALETTE) == 0.5


# ── the report ──────────────────────────────────────────────────────────────────────────


def test_an_on_palette_ad_scores_high_without_drift() -> None:
    report = consistency_report(make_plan(), on_brand_frames())

    assert report.palette_share == pytest.approx(1.0)
    assert all(s.palette_share == pytest.approx(1.0) for s in report.shots)
    assert report.drifting_shots == [] and not any(s.drifting for s in report.shots)
    assert "reads as the brand's colours" in report.palette_verdict
    assert report.summary.startswith("palette 100% on brand · no colour drift")


def test_an_off_palette_shot_is_flagged_as_drifting() -> None:
    frames = on_brand_frames()
    frames[3] = stripes(["#7b2fbe", "#2a1a5e"])  # a purple night scene in a green-and-gold ad

    report = consistency_report(make_plan(), frames)

    by_index = {s.index: s for s in report.shots}
    assert by_index[3].palette_share == 0.0 and by_index[3].drifting
    assert by_index[3].drift > DRIFT_DELTA_E
    assert report.drifting_shots == [3]
    # Four of five equal-length shots stay on palette: the ad's share is 80% of screen time.
    assert report.palette_share == pytest.approx(0.8)
    assert "Shot 3 strays" in report.drift_verdict and "darker" in report.drift_verdict
    assert "palette 80% on brand · colour drift in shot 3" in report.summary


def test_the_end_card_may_differ_without_counting_as_drift() -> None:
    frames = on_brand_frames()
    frames[5] = stripes(["#2f6b4f"])  # a solid brand-green card: far from the striped shots' mean

    report = consistency_report(make_plan(), frames)

    assert report.shots[-1].drift > DRIFT_DELTA_E
    assert report.drifting_shots == []


def test_entities_list_their_shots_and_identity_is_not_invented_without_a_face_backend() -> None:
    report = consistency_report(make_plan(), on_brand_frames())

    amara, latte = report.entities
    assert (amara.id, amara.shots, amara.identity) == ("amara", [1, 3, 4], None)
    assert "identity not measured (no face backend configured)" in amara.verdict
    assert latte.shots == [2, 4, 5] and "identity" not in latte.verdict
    assert not report.identity_measured
    assert report.summary.endswith(
        "Amara in shots 1, 3, 4 (identity not measured) · Oat Latte in shots 2, 4, 5"
    )


def test_identity_with_a_face_backend_compares_the_characters_solo_shots() -> None:
    face = PaintedFace()
    assert isinstance(face, FaceEmbedder)
    frames = on_brand_frames()
    for i in (1, 3, 4):
        frames[i] = with_face(frames[i], (200, 140, 110))

    same = consistency_report(make_plan(), frames, face=face)

    amara = same.entities[0]
    assert amara.identity == pytest.approx(1.0)
    # Shot 4 counts too: the product beside her is not a second face.
    assert amara.identity_shots == [1, 3, 4]
    assert "reads as the same person" in amara.verdict
    assert same.identity_measured and "Amara in shots 1, 3, 4 (same face, 1.00)" in same.summary

    frames[3] = with_face(frames[3], (110, 140, 200))  # a different face in shot 3
    changed = consistency_report(make_plan(), frames, face=face).entities[0]
    assert changed.identity is not None and changed.identity < 0.5
    assert "may not read as the same person" in changed.verdict


def test_identity_needs_a_face_in_two_shots() -> None:
    frames = on_brand_frames()
    frames[1] = with_face(frames[1], (200, 140, 110))
    for i in (3, 4):
        frames[i] = with_face(frames[i], (128, 128, 128))  # grey: no face found

    report = consistency_report(make_plan(), frames, face=PaintedFace())

    amara = report.entities[0]
    assert amara.identity is None and amara.identity_shots == [1]
    assert "identity not measured" in amara.verdict
    assert "(identity not measured: no face in two shots alone)" in report.summary


def test_the_report_is_deterministic_and_takes_pil_or_arrays() -> None:
    frames = on_brand_frames()
    frames[2] = stripes(["#7b2fbe", "#f4c542"])
    pil = {i: Image.fromarray(f) for i, f in frames.items()}

    first = consistency_report(make_plan(), frames)
    assert consistency_report(make_plan(), frames) == first
    assert consistency_report(make_plan(), pil) == first


def test_missing_frames_are_skipped_and_none_at_all_is_an_error() -> None:
    frames = on_brand_frames()
    del frames[2]
    report = consistency_report(make_plan(), frames)
    assert [s.index for s in report.shots] == [1, 3, 4, 5]
    with pytest.raises(ValueError, match="at least one frame"):
        consistency_report(make_plan(), {})


# ── where it is shown ───────────────────────────────────────────────────────────────────


def variant(name: str, report: ConsistencyReport | None) -> Variant:
    return Variant(
        id=f"9x16-{name}",
        aspect_ratio="9:16",
        choice=VariantChoice(name=name, description="Main cut" if name == "A" else "Alternate hook"),
        video="v.mp4",
        thumbnail="t.png",
        captions="c.srt",
        manifest="m.json",
        duration_s=15,
        width=90,
        height=160,
        fps=15,
        consistency=report,
    )


def test_one_line_for_several_variants_gives_the_palette_range_and_every_drifting_shot() -> None:
    plan = make_plan()
    drifted = on_brand_frames()
    drifted[3] = stripes(["#7b2fbe", "#2a1a5e"])
    a, b = consistency_report(plan, on_brand_frames()), consistency_report(plan, drifted)

    line = consistency_line([a, b])

    assert line is not None and line.startswith("palette 80–100% on brand · colour drift in shot 3 · Amara")
    assert consistency_line([a]) == a.summary
    assert consistency_line([]) is None


def test_delivery_summary_adds_a_consistency_line_only_when_measured() -> None:
    report = consistency_report(make_plan(), on_brand_frames())

    text = delivery_summary([variant("A", report), variant("B", report)])

    lines = text.splitlines()
    assert lines[0].startswith("🎬 2 videos · 15 s · 9:16 · A/B")
    assert lines[1] == f"Consistency: {report.summary}"
    assert lines[2].startswith("React 🔁")
    assert "Consistency" not in delivery_summary([variant("A", None)])


def test_the_playground_summary_shows_the_same_line(tmp_path: Path) -> None:
    from cutroom.playground.app import variants_summary
    from cutroom.storage.artifacts import LocalArtifactStore

    report = consistency_report(make_plan(), on_brand_frames())
    summary = variants_summary(LocalArtifactStore(tmp_path), [variant("A", report)], make_plan())
    assert f"**Consistency:** {report.summary}" in summary


def test_a_report_that_cannot_be_made_becomes_notices_not_a_failed_render(tmp_path: Path) -> None:
    notices: list[str] = []
    plan = make_plan()

    report = _consistency(
        tmp_path / "missing.mp4",
        plan,
        [0, 45, 90, 135, 180, 225],
        15,
        (90, 160),
        RenderOptions(face_backend="no-such-face-backend"),
        notices,
    )

    assert report is None
    assert notices[0].startswith("Face identity was not measured: There is no face backend called")
    assert "consistency report could not be made" in notices[1]
