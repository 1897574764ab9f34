"""Local image-to-video families (SVD, LTX-Video, Wan) from tiny random-weight pipelines built here.

Each asserts the frames the shot gets (count, size), the family's own frame rate (its frames
play at their speed, then the last one is held, with a notice), and that the keyframe
conditions the clip (another keyframe, another clip; the same one, the same clip).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cutroom.core.backends import PanelArt, clips
from cutroom.core.backends.diffusion import DiffusersClip
from tests.test_render_helpers import make_plan

pytest.importorskip("diffusers")
pytestmark = pytest.mark.slow

FAMILIES: dict[str, tuple[str, int]] = {
    # builder in tests/support/tiny_models.py, frames asked of the model
    "StableVideoDiffusionPipeline": ("build_image_to_video", 4),
    "LTXImageToVideoPipeline": ("build_ltx_image_to_video", 9),
    "WanImageToVideoPipeline": ("build_wan_image_to_video", 9),
}
SIZE = (80, 48)
FPS = 8


@pytest.fixture(scope="module", params=list(FAMILIES))
def family(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    pytest.importorskip("ftfy") if request.param.startswith("Wan") else None
    from tests.support import tiny_models

    build: Callable[[Path], Path] = getattr(tiny_models, FAMILIES[request.param][0])
    return request.param, build(tmp_path_factory.mktemp("video") / "pipeline")


def backend(folder: Path, frames: int) -> DiffusersClip:
    made = clips.create("diffusers", model_path=folder, device="cpu", steps=2, resolution=32, num_frames=frames,
                        decode_chunk_size=2)
    assert isinstance(made, DiffusersClip)
    return made


def art(colour: tuple[int, int, int]) -> PanelArt:
    picture = Image.new("RGB", SIZE, colour)
    picture.paste((255 - colour[0], 40, 200), (10, 10, 40, 30))
    return PanelArt(background=picture)


def test_the_family_fills_the_shot_at_its_own_speed_then_holds(family: tuple[str, Path]) -> None:
    name, folder = family
    clip = backend(folder, FAMILIES[name][1])
    assert clip.family_name == name
    plan = make_plan()
    shot = plan.shots[1]
    frames = list(clip.frames(plan, shot, art((200, 120, 40)), size=SIZE, fps=FPS, seed=2))
    assert len(frames) == round(shot.duration_s * FPS)
    assert all(f.shape == (SIZE[1], SIZE[0], 3) and f.dtype == np.uint8 for f in frames)
    made_s = FAMILIES[name][1] / clip.fps  # the model's frames at the family's fps
    changes = [k for k in range(1, len(frames)) if not np.array_equal(frames[k], frames[k - 1])]
    assert changes and max(changes) <= int(made_s * FPS) + 1  # no motion invented after the model's frames
    assert np.array_equal(frames[-1], frames[-2])  # held, not cross-faded
    assert clip.notices and f"Shot {shot.index}" in clip.notices[0] and "held" in clip.notices[0]


def test_the_keyframe_conditions_the_clip(family: tuple[str, Path]) -> None:
    name, folder = family
    clip = backend(folder, FAMILIES[name][1])
    plan = make_plan()
    shot = plan.shots[1]
    first = list(clip.frames(plan, shot, art((200, 120, 40)), size=SIZE, fps=FPS, seed=2))
    same = list(clip.frames(plan, shot, art((200, 120, 40)), size=SIZE, fps=FPS, seed=2))
    other = list(clip.frames(plan, shot, art((20, 60, 220)), size=SIZE, fps=FPS, seed=2))
    assert all(np.array_equal(a, b) for a, b in zip(first, same, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_prompted_families_get_the_action_and_camera_move(family: tuple[str, Path]) -> None:
    name, folder = family
    clip = backend(folder, FAMILIES[name][1])
    plan = make_plan()
    shot = plan.shots[1].model_copy(update={"camera_move": "push_in"})
    arguments = clip.call_arguments(plan, shot, Image.new("RGB", (32, 32)), seed=0)
    assert arguments["num_frames"] == FAMILIES[name][1]
    if name == "StableVideoDiffusionPipeline":
        assert "prompt" not in arguments and arguments["fps"] == 7  # SVD takes motion, not words
    else:
        assert "push in" in arguments["prompt"] and shot.description.split()[0] in arguments["prompt"]
        assert ("frame_rate" in arguments) == (name == "LTXImageToVideoPipeline")
