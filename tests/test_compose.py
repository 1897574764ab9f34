"""The compositor and the animatic clip backend, frame by frame, without encoding."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import numpy as np
import pytest
from PIL import Image

from cutroom.core import compose
from cutroom.core.backends import clips
from cutroom.core.backends.animatic_clip import ShotMotion
from cutroom.core.models import FRAME_SIZES, CameraMove
from tests.test_render_helpers import LayeredPanels, make_plan


@pytest.mark.parametrize("aspect", ["9:16", "16:9", "1:1", "4:5"])
def test_safe_area_is_inside_the_frame(aspect: str) -> None:
    size = FRAME_SIZES[aspect]
    left, top, right, bottom = compose.safe_box(aspect, size)
    assert 0 < left < right < size[0] and 0 < top < bottom < size[1]
    assert (right - left) > size[0] * 0.7


@pytest.mark.parametrize(
    "text",
    [
        "Short",
        "A much longer headline that will need to wrap over several lines to fit the frame",
        "SUPERCALIFRAGILISTICEXPIALIDOCIOUSANDTHENSOMEMOREWITHOUTANYSPACESATALL",
        "word " * 200,
    ],
)
def test_text_is_wrapped_and_shrunk_never_off_frame(text: str) -> None:
    font, _ = compose.find_font(None)
    style = compose.TextStyle(size=90, max_lines=3, min_size=14)
    sprite = compose.text_sprite(text, font, 600, 260, style)
    assert sprite is not None
    width, height = sprite.size
    assert width <= 600 and height <= 260
    assert sprite.rgba[:, :, 3].max() == 255  # something was drawn


def test_empty_text_draws_nothing() -> None:
    assert compose.text_sprite("   ", None, 400, 100, compose.TextStyle(size=40)) is None


def test_unknown_font_falls_back_with_a_notice() -> None:
    path, notice = compose.find_font("Definitely Not A Real Font")
    assert path is None or Path(path).is_file()
    assert notice and "Definitely Not A Real Font" in notice
    assert compose.find_font(None)[1] is None


def test_logo_missing_corrupt_and_good(tmp_path: Path) -> None:
    assert compose.load_logo(None) == (None, None)
    logo, notice = compose.load_logo(str(tmp_path / "missing.png"))
    assert logo is None and "not found" in (notice or "")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    logo, notice = compose.load_logo(str(bad))
    assert logo is None and "could not be read" in (notice or "")
    good = tmp_path / "good.png"
    Image.new("RGBA", (40, 20), (255, 0, 0, 255)).save(good)
    logo, notice = compose.load_logo(str(good))
    assert logo is not None and logo.size == (40, 20) and notice is None


def test_blend_respects_alpha_and_clips_at_the_edges() -> None:
    frame = np.zeros((50, 80, 4), np.uint8)
    frame[:, :, :3] = 100
    sprite = compose.Sprite.from_image(Image.new("RGBA", (20, 20), (200, 0, 0, 128)))
    compose.blend(frame, sprite, 70, -10)  # half outside on two sides
    inside = frame[5, 75, :3].astype(int)
    assert abs(inside[0] - (200 * 128 / 255 + 100 * 127 / 255)) <= 2
    assert abs(inside[1] - 100 * 127 / 255) <= 2
    assert tuple(frame[30, 10, :3]) == (100, 100, 100)


def test_transitions_go_from_the_old_shot_to_the_new() -> None:
    old = np.full((40, 60, 4), 20, np.uint8)
    new = np.full((40, 60, 4), 220, np.uint8)
    for kind in ("crossfade", "dip_to_color", "whip_pan"):
        first = compose.apply_transition(kind, old, new, 0.02, colour=(0, 0, 90))
        last = compose.apply_transition(kind, old, new, 0.98, colour=(0, 0, 90))
        assert first.shape == old.shape
        assert abs(float(first[:, :, 0].mean()) - 20) < 25, kind
        assert abs(float(last[:, :, 0].mean()) - 220) < 25, kind
    middle = compose.apply_transition("dip_to_color", old, new, 0.5, colour=(0, 0, 90))
    assert tuple(middle[20, 30, :3]) == (0, 0, 90)


def _motion(move: str, size: tuple[int, int] = (180, 320)) -> ShotMotion:
    plan = make_plan()
    shot = plan.shots[0].model_copy(update={"camera_move": move})
    art = LayeredPanels().draw(plan, shot, size=size, seed=0)
    return ShotMotion(shot, art, size=size, fps=15, seed=0)


@pytest.mark.parametrize("move", get_args(CameraMove))
def test_every_camera_move_moves_and_covers_the_frame(move: str) -> None:
    motion = _motion(move)
    first, last = motion.frame(0), motion.frame(motion.n_frames - 1)
    assert first.shape == (320, 180, 4) and first.dtype == np.uint8
    assert np.abs(first.astype(int) - last.astype(int)).mean() > 0.3  # it moves (handheld least)
    # The backdrop always fills the frame: no empty (black) border anywhere.
    for frame in (first, last):
        assert frame[:, :, :3].max(axis=2).min() > 0
    assert np.array_equal(motion.frame(5), _motion(move).frame(5))  # deterministic


def test_foreground_moves_more_than_the_backdrop() -> None:
    motion = _motion("truck_right")
    bg = [motion.camera(i) for i in (0, motion.n_frames - 1)]
    fg = [motion.camera(i, depth=motion._parallax) for i in (0, motion.n_frames - 1)]
    assert abs(fg[1].cx - fg[0].cx) > abs(bg[1].cx - bg[0].cx) * 1.2


def test_push_in_closes_in_on_the_subject() -> None:
    motion = _motion("push_in")
    start, end = motion.camera(0), motion.camera(motion.n_frames - 1)
    assert end.zoom > start.zoom
    sx, sy = motion.subject
    assert abs(end.cy - sy) < abs(start.cy - sy)


def test_registered_clip_backend_streams_rgb_frames() -> None:
    plan = make_plan()
    shot = plan.shots[1]
    art = LayeredPanels().draw(plan, shot, size=(90, 160), seed=0)
    frames = list(clips.create("animatic").frames(plan, shot, art, size=(90, 160), fps=12, seed=0))
    assert len(frames) == round(shot.duration_s * 12)
    assert frames[0].shape == (160, 90, 3)


def test_end_card_layout_stays_in_the_safe_area() -> None:
    plan = make_plan()
    shot = plan.shots[-1]
    for aspect in ("9:16", "16:9", "1:1"):
        size = FRAME_SIZES[aspect]
        font, _ = compose.find_font(None)
        layout = compose.Layout(aspect=aspect, size=size, font=font, body_font=font)
        overlays = compose.end_card_overlays(plan, shot, layout=layout, logo=None, has_product=True)
        assert len(overlays.items) >= 3  # brand name, CTA button, URL
        left, top, right, bottom = compose.safe_box(aspect, size)
        for item in overlays.items:
            w, h = item.sprite.size
            assert left <= item.x and item.x + w <= right, aspect
            assert top <= item.y and item.y + h <= bottom + 1, aspect


def test_grade_leans_toward_the_brand_colour() -> None:
    plan = make_plan()  # brand colour #2f6b4f, a green
    lut = compose.grade_lut(plan)
    grey = np.full((1, 1, 3), 60, np.uint8)
    import cv2

    graded = cv2.LUT(grey, lut)[0, 0].astype(int)
    assert graded[1] > graded[0] and graded[1] > graded[2]
    assert np.all(np.diff(lut[:, 0, :].astype(int), axis=0) >= 0)  # monotonic: no banding inversions
