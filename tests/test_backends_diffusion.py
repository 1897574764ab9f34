"""The "diffusers" image and clip backends on tiny random-weight pipelines saved to disk by the
tests (tests/support/tiny_models.py): the real loading, IP-Adapter and seeding code runs; the
pictures are noise, so the tests check sizes, determinism and that inputs change outputs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cutroom.core.backends import PanelArt, clips, images
from cutroom.core.backends.diffusion import (
    DiffusersClip,
    DiffusersImage,
    frame_count,
    generation_size,
    shot_prompt,
    shot_seed,
    video_families,
)
from cutroom.core.errors import InputError, UnavailableError
from cutroom.core.models import Brief, CallToAction, Entity, Plan, Shot, StyleBible

REPO = Path(__file__).resolve().parents[1]


def make_plan(reference: str | None = None) -> Plan:
    brief = Brief(product="Glow serum", duration_s=15, avoid=["cats"])
    return Plan(
        title="Glow",
        hook="Tired skin?",
        brief=brief,
        shots=[
            Shot(
                index=1,
                duration_s=10,
                description="Maya at her desk",
                entities=["maya"],
                shot_size="close_up",
            ),
            Shot(index=2, duration_s=5, description="The bottle on marble", entities=["serum"]),
        ],
        cta=CallToAction(text="Shop now"),
        bible=StyleBible(
            palette=["#1a73e8"],
            lighting="golden",
            style_words=["editorial"],
            base_seed=5,
            entities=[
                Entity(
                    id="maya",
                    name="Maya",
                    kind="character",
                    look="curly black hair, denim shirt",
                    reference_image=reference,
                ),
                Entity(id="serum", name="Glow serum", kind="product", category="bottle"),
            ],
        ),
        fps=12,
    )


# ── pure parts and the unavailable path (fast) ─────────────────────────────────────────


def test_prompt_carries_the_bible_and_the_seed_follows_the_entity() -> None:
    plan = make_plan()
    prompt = shot_prompt(plan, plan.shots[0])
    assert prompt.startswith("Maya at her desk")
    assert (
        "curly black hair, denim shirt" in prompt and "golden hour light" in prompt and "close-up" in prompt
    )
    assert shot_seed(plan, plan.shots[0], 1) == shot_seed(plan, plan.shots[0], 1)
    assert shot_seed(plan, plan.shots[0], 1) != shot_seed(plan, plan.shots[0], 2)
    assert shot_seed(plan, plan.shots[0], 1) != shot_seed(plan, plan.shots[1], 1)


@pytest.mark.parametrize(
    ("size", "side"), [((1080, 1920), 512), ((1920, 1080), 768), ((1080, 1080), 64), ((50, 400), 64)]
)
def test_generation_size_keeps_the_aspect_in_whole_blocks(size: tuple[int, int], side: int) -> None:
    w, h = generation_size(size, side)
    assert w % 64 == 0 and h % 64 == 0 and w >= 64 and h >= 64
    if min(size) * side / (size[0] * size[1]) ** 0.5 > 96:
        assert abs(w / h - size[0] / size[1]) < 0.2


def test_frame_counts_follow_each_family_rule_and_limit() -> None:
    families = video_families()
    svd, ltx, wan = (families[k] for k in ("StableVideoDiffusionPipeline", "LTXImageToVideoPipeline", "WanImageToVideoPipeline"))
    assert frame_count(svd, 1.0) == 8 and frame_count(svd, 9.0) == 25  # 7 fps, at most 25
    assert frame_count(ltx, 2.0) == 49 and (frame_count(ltx, 3.3) - 1) % 8 == 0  # 8k+1 at 24 fps
    assert frame_count(wan, 2.0) == 33 and frame_count(wan, 10.0) == 81  # 4k+1 at 16 fps, at most 81


def test_missing_model_folder_says_which_variable(tmp_path: Path) -> None:
    with pytest.raises(UnavailableError, match="CUTROOM_DIFFUSERS_MODEL"):
        images.create("diffusers", model_path=None)
    with pytest.raises(UnavailableError, match="no model_index.json"):
        images.create("diffusers", model_path=tmp_path)
    with pytest.raises(UnavailableError, match="CUTROOM_DIFFUSERS_VIDEO_MODEL"):
        clips.create("diffusers")


def test_the_embedded_path_never_imports_torch() -> None:
    code = (
        "import sys\n"
        "from core.backends import images, clips\n"
        "names = images.names() + clips.names()\n"
        "assert 'diffusers' in names, names\n"
        "try:\n"
        "    images.create('diffusers', model_path='/nonexistent')\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "print('torch' in sys.modules, 'diffusers' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["UnavailableError", "False", "False"]


def test_cuda_requested_without_a_gpu_is_unavailable(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    (tmp_path / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    backend = images.create("diffusers", model_path=tmp_path, device="cuda")
    with pytest.raises(UnavailableError, match="CUTROOM_DIFFUSERS_DEVICE"):
        backend.draw(make_plan(), make_plan().shots[0], size=(64, 64), seed=0)


@pytest.mark.slow
def test_a_broken_model_folder_is_unavailable_in_words(tmp_path: Path) -> None:
    (tmp_path / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    backend = images.create("diffusers", model_path=tmp_path, device="cpu")
    with pytest.raises(
        UnavailableError, match="Could not load the diffusers pipeline in .*CUTROOM_DIFFUSERS_MODEL"
    ):
        backend.draw(make_plan(), make_plan().shots[0], size=(64, 64), seed=0)


# ── tiny pipelines (slow) ───────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def sd_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.tiny_models import build_text_to_image

    return build_text_to_image(tmp_path_factory.mktemp("sd") / "pipeline")


@pytest.fixture(scope="module")
def ip_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.tiny_models import build_ip_adapter

    return build_ip_adapter(tmp_path_factory.mktemp("ip") / "adapter")


@pytest.fixture(scope="module")
def svd_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.tiny_models import build_image_to_video

    return build_image_to_video(tmp_path_factory.mktemp("svd") / "pipeline")


def _tiny_image(folder: Path, **options: object) -> DiffusersImage:
    backend = images.create(
        "diffusers", model_path=folder, device="cpu", steps=2, resolution=64, guidance_scale=2.0, **options
    )
    assert isinstance(backend, DiffusersImage)
    return backend


@pytest.mark.slow
def test_image_backend_draws_at_the_requested_size_and_repeats_with_the_seed(sd_folder: Path) -> None:
    backend = _tiny_image(sd_folder)
    assert not backend.uses_references
    plan = make_plan()

    art = backend.draw(plan, plan.shots[0], size=(72, 128), seed=3)
    again = backend.draw(plan, plan.shots[0], size=(72, 128), seed=3)
    other = backend.draw(plan, plan.shots[0], size=(72, 128), seed=4)

    assert isinstance(art, PanelArt) and art.foreground is None
    assert art.background.size == (72, 128) and art.background.mode == "RGB"
    assert art.extras["model_size"] == (64, 64)
    pixels = np.asarray(art.background)
    assert pixels.std() > 1  # a picture, not a flat fill
    assert np.array_equal(pixels, np.asarray(again.background))
    assert not np.array_equal(pixels, np.asarray(other.background))


@pytest.mark.slow
def test_ip_adapter_reference_steers_the_picture(sd_folder: Path, ip_folder: Path, tmp_path: Path) -> None:
    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    Image.new("RGB", (96, 96), (220, 30, 30)).save(red)
    Image.new("RGB", (96, 96), (20, 40, 230)).save(blue)
    backend = _tiny_image(sd_folder, ip_adapter=ip_folder, ip_adapter_scale=1.0)
    assert backend.uses_references

    with_red = make_plan(reference=str(red))
    with_blue = make_plan(reference="blue.png")
    backend.reference_root = tmp_path  # relative references resolve against the run's folder
    a = backend.draw(with_red, with_red.shots[0], size=(64, 64), seed=1)
    b = backend.draw(with_blue, with_blue.shots[0], size=(64, 64), seed=1)
    plain = backend.draw(with_red, with_red.shots[1], size=(64, 64), seed=1)  # no reference: scale 0

    assert a.extras["references"] == 1 and plain.extras["references"] == 0
    assert not np.array_equal(np.asarray(a.background), np.asarray(b.background))
    assert plain.background.size == (64, 64)

    missing = make_plan(reference=str(tmp_path / "gone.png"))
    with pytest.raises(InputError, match="reference picture for Maya"):
        backend.draw(missing, missing.shots[0], size=(64, 64), seed=1)


@pytest.mark.slow
def test_ip_adapter_found_inside_the_model_folder(sd_folder: Path, ip_folder: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(sd_folder, model)
    shutil.copytree(ip_folder, model / "ip_adapter")
    assert _tiny_image(model).uses_references


@pytest.mark.slow
def test_clip_backend_fills_the_shot_at_the_requested_size_and_fps(svd_folder: Path) -> None:
    backend = clips.create(
        "diffusers",
        model_path=svd_folder,
        device="cpu",
        steps=2,
        resolution=64,
        num_frames=4,
        decode_chunk_size=2,
    )
    assert isinstance(backend, DiffusersClip)
    plan = make_plan()
    shot = plan.shots[1]  # 5 s
    art = PanelArt(background=Image.new("RGB", (80, 48), (200, 120, 40)))

    frames = list(backend.frames(plan, shot, art, size=(80, 48), fps=4, seed=2))
    again = list(backend.frames(plan, shot, art, size=(80, 48), fps=4, seed=2))

    assert len(frames) == 20
    assert all(f.shape == (48, 80, 3) and f.dtype == np.uint8 for f in frames)
    assert all(np.array_equal(x, y) for x, y in zip(frames, again, strict=True))
    assert not np.array_equal(frames[0], frames[-1])  # it moves
    # 4 frames at SVD's 7 fps last 0.57 s: played at their own speed, then the last one is held
    # (not cross-faded across the shot), and the report says so.
    assert np.array_equal(frames[-1], frames[-10])
    distinct = [i for i in range(1, len(frames)) if not np.array_equal(frames[i], frames[i - 1])]
    assert distinct and max(distinct) <= 3
    assert backend.notices and "held for" in backend.notices[0] and f"Shot {shot.index}" in backend.notices[0]
