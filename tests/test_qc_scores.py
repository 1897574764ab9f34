"""QC scores on synthetic clips whose truth is known: each score must move the right way.

Frames are built in numpy (a textured scene moved, dimmed, blurred or recoloured), so the
truth is by construction; the tiny CLIP and DINOv2 models are random weights built here.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from cutroom.core.consistency import delta_e_2000
from cutroom.core.errors import UnavailableError
from cutroom.core.qc.models import QcOptions
from cutroom.core.qc.report import qc_line, qc_table
from cutroom.core.qc.retake import RetakeBudget, best_take
from cutroom.core.qc.scores import (
    Sampler,
    Scorer,
    ShotSamples,
    default_thresholds,
    flicker,
    motion,
    palette_delta_e,
    sample_windows,
    sharpness,
)
from tests.test_render_helpers import make_plan

H, W = 144, 256


def scene(seed: int = 0, palette: list[str] | None = None) -> np.ndarray:
    """A textured picture in the palette's colours: blocks plus edges, twice the frame's size."""
    rng = np.random.default_rng(seed)
    colours = [
        tuple(int(c[i : i + 2], 16) for i in (1, 3, 5))
        for c in (palette or ["#2f6b4f", "#f4c542", "#fff6e5"])
    ]
    img = np.zeros((H * 2, W * 2, 3), np.uint8)
    img[:] = colours[-1]
    for _ in range(60):
        x, y = rng.integers(0, W * 2 - 40), rng.integers(0, H * 2 - 40)
        w, h = rng.integers(10, 40, size=2)
        img[y : y + h, x : x + w] = colours[rng.integers(0, len(colours))]
    return img


def clip(kind: str, n: int = 12) -> list[np.ndarray]:
    base = scene()
    frames = []
    for k in range(n):
        if kind == "identical" or kind == "frozen":
            f = base[:H, :W]
        elif kind == "drift":  # a slow pan: 2 px per frame
            f = base[:H, 2 * k : 2 * k + W]
        elif kind == "flicker":  # the same picture, brightness jumping up and down
            f = np.clip(base[:H, :W].astype(int) + (40 if k % 2 else -40), 0, 255).astype(np.uint8)
        elif kind == "jerky":  # a pan that jumps back and forth
            x = 0 if k % 2 else 24
            f = base[:H, x : x + W]
        else:
            raise ValueError(kind)
        frames.append(np.ascontiguousarray(f))
    return frames


def samples_of(frames: list[np.ndarray]) -> ShotSamples:
    sampler = Sampler(len(frames))
    for k, f in enumerate(frames):
        if sampler.wants(k):
            sampler.add(k, f)
    return sampler.samples


def test_ciede2000_matches_sharma_test_pairs() -> None:
    pairs = [
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((50, 0, 0), (50, -1, 2), 2.3669),
    ]
    for a, b, expected in pairs:
        assert float(delta_e_2000(np.array(a), np.array(b))) == pytest.approx(expected, abs=1e-4)


def test_sampling_windows_are_consecutive_and_cover_a_short_shot() -> None:
    assert sample_windows(1) == [[0]]
    assert sample_windows(10) == [list(range(10))]
    windows = sample_windows(90)
    assert len(windows) == 3 and windows[0][0] == 0 and windows[-1][-1] == 89
    assert all(w == list(range(w[0], w[0] + 4)) for w in windows)


def test_identical_frames_are_steady_smooth_and_still() -> None:
    windows = samples_of(clip("identical")).windows
    assert flicker(windows) == pytest.approx(0.0, abs=1e-9)
    dynamic, smooth = motion(windows)
    assert dynamic is not None and dynamic < default_thresholds()["dynamic_degree"]
    assert smooth == pytest.approx(1.0, abs=1e-3)


def test_slow_drift_moves_without_flicker() -> None:
    still = motion(samples_of(clip("identical")).windows)[0]
    drift = samples_of(clip("drift")).windows
    dynamic, smooth = motion(drift)
    assert dynamic is not None and still is not None and dynamic > still + 0.3
    assert flicker(drift) is not None and flicker(drift) < 2.0  # type: ignore[operator]
    assert smooth is not None and smooth > 0.5


def test_flicker_is_caught() -> None:
    steady = flicker(samples_of(clip("identical")).windows)
    flick = flicker(samples_of(clip("flicker")).windows)
    assert steady is not None and flick is not None
    assert flick > default_thresholds()["flicker"] > steady


def test_a_jerky_pan_is_less_smooth_than_a_steady_one() -> None:
    steady = motion(samples_of(clip("drift")).windows)[1]
    jerky = motion(samples_of(clip("jerky")).windows)[1]
    assert steady is not None and jerky is not None and jerky < steady


def test_a_frozen_clip_fails_dynamic_degree_only_where_the_plan_moves_the_camera() -> None:
    plan = make_plan()
    moving = next(s for s in plan.shots if s.camera_move != "static" and not s.is_end_card)
    scorer = Scorer(plan)
    frozen = scorer.score(moving, samples_of(clip("frozen")))
    assert "dynamic_degree" in scorer.failing(frozen.scores)
    drifting = scorer.score(moving, samples_of(clip("drift")))
    assert "dynamic_degree" not in scorer.failing(drifting.scores)
    still_shot = moving.model_copy(update={"camera_move": "static"})
    assert "dynamic_degree" not in scorer.score(still_shot, samples_of(clip("frozen"))).scores


def test_colour_shift_raises_palette_delta_e() -> None:
    palette = ["#2f6b4f", "#f4c542", "#fff6e5"]
    on_brand = scene(palette=palette)[:H, :W]
    shifted = scene(palette=["#d0249a", "#1a34d8", "#40ff40"])[:H, :W]
    assert palette_delta_e(on_brand, palette) < 5 < palette_delta_e(shifted, palette)
    assert palette_delta_e(shifted, palette) > default_thresholds()["palette_delta_e"]


def test_blur_lowers_sharpness() -> None:
    sharp = scene()[:H, :W]
    blurred = cv2.GaussianBlur(sharp, (0, 0), 6)
    assert sharpness(blurred) < default_thresholds()["sharpness"] < sharpness(sharp)


def test_a_one_frame_clip_is_scored_and_says_what_was_not() -> None:
    plan = make_plan()
    measured = Scorer(plan).score(plan.shots[1], samples_of(clip("identical", n=1)))
    assert "palette_delta_e" in measured.scores and "sharpness" in measured.scores
    assert "flicker" not in measured.scores and "motion_smoothness" not in measured.scores
    assert any("one frame" in note for note in measured.notes)


def test_unknown_threshold_names_are_refused() -> None:
    with pytest.raises(ValueError, match="no QC score called 'sharpnes'"):
        default_thresholds({"sharpnes": 3})


class NoFace:
    """A face model that finds no face (as insightface does on a back view or a drawing)."""

    def embed(self, image: object) -> None:
        return None


class OneFace:
    def __init__(self, vector: np.ndarray) -> None:
        self.vector = vector

    def embed(self, image: object) -> np.ndarray:
        return self.vector


def test_no_face_where_a_character_is_expected_is_said_not_crashed(tmp_path: Path) -> None:
    from cutroom.core.models import Entity

    base = make_plan()
    character = Entity(id="maya", name="Maya", kind="character")
    plan = base.model_copy(
        update={"bible": base.bible.model_copy(update={"entities": [*base.bible.entities, character]})}
    )
    shot = plan.shots[1].model_copy(update={"entities": [character.id]})
    ref = tmp_path / "ref.png"
    cv2.imwrite(str(ref), scene())
    scorer = Scorer(plan, references={character.id: ref}, face=NoFace())  # type: ignore[arg-type]
    measured = scorer.score(shot, samples_of(clip("identical")))
    assert "face_distance" not in measured.scores
    assert any("No face was found in" in n for n in measured.notes)
    same = Scorer(plan, references={character.id: ref}, face=OneFace(np.ones(8)))  # type: ignore[arg-type]
    assert same.score(shot, samples_of(clip("identical"))).scores["face_distance"] == pytest.approx(0.0)


def test_sequence_weights_neighbouring_scenes_more() -> None:
    plan = make_plan()
    entity = plan.bible.entities[0].id
    shots = [s.model_copy(update={"entities": [entity]}) for s in plan.shots[:3]]
    plan = plan.model_copy(update={"shots": [*shots, *plan.shots[3:]]})
    a, b = scene(1)[:H, :W], scene(2, palette=["#d0249a", "#1a34d8", "#40ff40"])[:H, :W]
    scorer = Scorer(plan)
    # The odd one out next to the first scene costs more than the same one two scenes away.
    near, _ = scorer.sequence({1: a, 2: b, 3: a})
    far, _ = scorer.sequence({1: a, 2: a, 3: b})
    same, method = scorer.sequence({1: a, 2: a, 3: a})
    assert same == pytest.approx(1.0) and method == "colour signature"
    assert near is not None and far is not None and near < far < 1.0


def test_retake_keeps_the_better_take_and_records_every_take() -> None:
    plan = make_plan()
    shot = plan.shots[1]
    scorer = Scorer(plan)
    made: list[int] = []

    def make(take: int, seed: int) -> ShotSamples:
        made.append(seed)
        frames = clip("flicker") if take == 1 else clip("drift")
        return samples_of(frames)

    kept = best_take(
        shot.index, make, lambda s: scorer.score(shot, s), seed=7,
        failing=scorer.failing, badness=scorer.badness, max_takes=3,
    )  # fmt: skip
    assert [t.take for t in kept.qc.takes] == [1, 2]
    assert kept.qc.takes[1].kept and not kept.qc.takes[0].kept
    assert "flicker" in kept.qc.takes[0].failed and not kept.qc.failed
    assert made[0] == 7 and made[1] != 7


def test_budget_out_mid_retake_keeps_the_best_so_far_and_says_so() -> None:
    plan = make_plan()
    shot = plan.shots[1]
    scorer = Scorer(plan)
    order = iter(["flicker", "identical", "flicker"])

    def make(take: int, seed: int) -> ShotSamples:
        return samples_of(clip(next(order)))

    budget = RetakeBudget(max_retakes=1)
    kept = best_take(
        shot.index, make, lambda s: scorer.score(shot, s), seed=1,
        failing=scorer.failing, badness=scorer.badness, max_takes=5, budget=budget,
    )  # fmt: skip
    # Take 2 (identical frames) fails only dynamic degree if the shot moves; either way it beats take 1.
    assert len(kept.qc.takes) <= 2
    if kept.qc.takes[-1].failed:
        assert any("budget" in n and "best so far" in n for n in kept.qc.notes)
    assert next(t for t in kept.qc.takes if t.kept).take == 2


def test_budget_out_on_the_first_failure_keeps_take_one_and_says_so() -> None:
    plan = make_plan()
    shot = plan.shots[1]
    scorer = Scorer(plan)
    kept = best_take(
        shot.index, lambda t, s: samples_of(clip("flicker")), lambda s: scorer.score(shot, s), seed=1,
        failing=scorer.failing, badness=scorer.badness, max_takes=3, budget=RetakeBudget(max_retakes=0),
    )  # fmt: skip
    assert len(kept.qc.takes) == 1 and kept.qc.failed
    assert any("retake budget" in n and "kept take 1, the best so far" in n for n in kept.qc.notes)


def test_line_and_table() -> None:
    from cutroom.core.qc.models import QcReport, ShotQc, TakeQc

    report = QcReport(
        shots=[
            ShotQc(index=1, scores={"sharpness": 300.0}, takes=[TakeQc(take=1, seed=1, kept=True)]),
            ShotQc(
                index=2,
                scores={"sharpness": 120.0, "flicker": 0.2},
                takes=[TakeQc(take=1, seed=1, failed=["flicker"]), TakeQc(take=2, seed=5, kept=True)],
            ),
        ],
        sequence=0.91,
        sequence_method="colour signature",
        thresholds=default_thresholds(),
    )
    assert qc_line(report) == "consistency 0.91 · 1 shot retaken"
    table = qc_table(report)
    assert table.splitlines()[0].split() == ["shot", "sharp", "flicker", "takes", "kept"]
    assert "take 2" in table and "Sequence consistency: 0.91" in table


# ── tiny image models (random weights) ──────────────────────────────────────────────────


def tiny_clip(folder: Path) -> Path:
    from transformers import CLIPConfig, CLIPModel

    config = CLIPConfig(
        text_config={"hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 2, "num_hidden_layers": 1,
                     "vocab_size": 64, "max_position_embeddings": 16},
        vision_config={"hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 2,
                       "num_hidden_layers": 1, "image_size": 32, "patch_size": 8},
        projection_dim=8,
    )  # fmt: skip
    import torch

    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(folder)
    return folder


def tiny_dinov2(folder: Path) -> Path:
    import torch
    from transformers import Dinov2Config, Dinov2Model

    torch.manual_seed(0)
    config = Dinov2Config(
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        image_size=32,
        patch_size=8,
    )
    Dinov2Model(config).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("build", [tiny_clip, tiny_dinov2])
def test_image_model_scores_run_with_tiny_models(tmp_path: Path, build) -> None:  # type: ignore[no-untyped-def]
    from cutroom.core.qc.setup import make_scorer

    folder = build(tmp_path / "model")
    plan = make_plan()
    entity = plan.bible.entities[0]
    shot = plan.shots[1].model_copy(update={"entities": [entity.id], "camera_move": "drift"})
    ref = tmp_path / "ref.png"
    cv2.imwrite(str(ref), cv2.cvtColor(scene()[:H, :W], cv2.COLOR_RGB2BGR))
    scorer = make_scorer(plan, QcOptions(image_model=str(folder), references={entity.id: str(ref)}))
    same = scorer.score(shot, samples_of(clip("identical")))
    assert same.scores["subject_consistency"] == pytest.approx(1.0, abs=1e-4)
    assert same.scores["reference_similarity"] == pytest.approx(1.0, abs=1e-3)
    other = scorer.score(shot, samples_of([scene(5, ["#d0249a", "#1a34d8", "#40ff40"])[:H, :W]] * 12))
    assert other.scores["reference_similarity"] < same.scores["reference_similarity"]
    assert "reference_similarity" not in scorer.not_measured()


def test_a_wrong_or_missing_model_folder_names_the_setting(tmp_path: Path) -> None:
    from cutroom.core.qc.embedders import ImageEmbedder

    with pytest.raises(UnavailableError, match="CUTROOM_QC_IMAGE_MODEL"):
        ImageEmbedder(tmp_path / "nowhere")
    wrong = tmp_path / "bert"
    wrong.mkdir()
    (wrong / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(UnavailableError, match="CUTROOM_QC_IMAGE_MODEL.*'bert'.*clip"):
        ImageEmbedder(wrong)


@pytest.mark.gpu
def test_real_clip_on_the_gpu_scores_a_shot_against_itself() -> None:
    """Needs CUTROOM_TEST_QC_MODEL (a real CLIP or DINOv2 folder) and a CUDA device."""
    import os

    torch = pytest.importorskip("torch")
    folder = os.environ.get("CUTROOM_TEST_QC_MODEL")
    if not torch.cuda.is_available() or not folder:
        pytest.skip("needs a GPU and CUTROOM_TEST_QC_MODEL")
    from cutroom.core.qc.embedders import ImageEmbedder

    model = ImageEmbedder(folder, device="cuda")
    vectors = model.embed(
        [scene()[:H, :W], scene()[:H, :W], scene(9, ["#d0249a", "#1a34d8", "#40ff40"])[:H, :W]]
    )
    assert float(vectors[0] @ vectors[1]) > 0.99 > float(vectors[0] @ vectors[2])


def test_thresholds_and_takes_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from cutroom.settings import Settings
    from cutroom.wiring import qc_options

    monkeypatch.setenv("CUTROOM_QC_THRESHOLDS", '{"sharpness": 40}')
    monkeypatch.setenv("CUTROOM_QC_MAX_TAKES", "2")
    options = qc_options(Settings())
    assert options.thresholds == {"sharpness": 40.0} and options.max_takes == 2
    assert Scorer(make_plan(), thresholds=options.thresholds).thresholds["sharpness"] == 40.0
    monkeypatch.setenv("CUTROOM_QC_IMAGE_MODEL", "/nowhere/clip")
    with pytest.raises(UnavailableError, match="CUTROOM_QC_IMAGE_MODEL"):
        qc_options(Settings())
