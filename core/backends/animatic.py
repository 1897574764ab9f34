"""Image backend "animatic": illustrated storyboard panels drawn with numpy and PIL.

What a new user sees first, so it aims for a flat-illustration look an agency would show:
a backdrop in the brand palette lit by the bible's light (city, office, home, park, cafe or a
studio sweep, picked from the shot description), the same stylised people in every panel
(colours and hair fixed per entity by the bible), the product drawn by category in its fixed
colours with the brand on the label, and framing by shot size, recomposed per aspect ratio.

Layers: ``background`` is the set (RGB), ``foreground`` the people and product (RGBA) so the
clip backend can move them apart, ``subject`` the box the camera should move about. On-screen
text is kept out of both; ``extras["text_layer"]`` (RGBA) holds it for storyboard panels,
since the video compositor animates text itself.

Speed: the set is drawn at most 720 px on its long side and scaled up (its softness reads as
depth of field); people and products are drawn supersampled, then reduced. Every random
choice comes from a seeded numpy Generator: the same plan, shot, size and seed give the
same pixels.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from cutroom.core import consistency, fonts
from cutroom.core.backends import PanelArt, images
from cutroom.core.consistency import RGB, hex_rgb, luminance, mix, shade
from cutroom.core.models import Entity, Plan, Shot

Box = tuple[int, int, int, int]
RGBA = tuple[int, int, int, int]

#: Safe area per aspect as (left, top, right, bottom) fractions: platform UI covers the rest.
SAFE_MARGINS: dict[str, tuple[float, float, float, float]] = {
    "9:16": (0.07, 0.11, 0.14, 0.22),
    "4:5": (0.06, 0.08, 0.06, 0.12),
    "1:1": (0.07, 0.08, 0.07, 0.1),
    "16:9": (0.06, 0.09, 0.06, 0.1),
}

#: Head heights visible from the frame's top to bottom, per shot size.
_VISIBLE_HEADS: dict[str, float] = {
    "extreme_wide": 15.0,
    "wide": 9.4,
    "medium": 3.7,
    "medium_close": 2.7,
    "close_up": 1.85,
    "extreme_close_up": 1.25,
}
#: Product height as a fraction of the frame height, per shot size, when it is the subject.
#: Head heights visible across the frame, per shot size (limits tall frames).
_VISIBLE_WIDTH: dict[str, float] = {
    "extreme_wide": 8.0,
    "wide": 4.6,
    "medium": 3.1,
    "medium_close": 2.5,
    "close_up": 2.0,
    "extreme_close_up": 1.45,
}
_PRODUCT_HEIGHT: dict[str, float] = {
    "extreme_wide": 0.16,
    "wide": 0.24,
    "medium": 0.34,
    "medium_close": 0.4,
    "close_up": 0.46,
    "extreme_close_up": 0.6,
}
_BACKDROP_MAX = 720


def aspect_of(size: tuple[int, int]) -> str:
    """The nearest named aspect ratio for a pixel size."""
    width, height = size
    ratio = width / max(1, height)
    named = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0, "4:5": 0.8}
    return min(named, key=lambda k: abs(math.log(ratio / named[k])))


def safe_box(size: tuple[int, int]) -> Box:
    width, height = size
    left, top, right, bottom = SAFE_MARGINS[aspect_of(size)]
    return round(width * left), round(height * top), round(width * (1 - right)), round(height * (1 - bottom))


# ── light ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Mood:
    """The bible's light turned into colours for the sky, walls, ground and a light source."""

    sky_top: RGB
    sky_bottom: RGB
    wall: RGB
    ground: RGB
    glow: RGB
    glow_at: tuple[float, float]
    glow_strength: float
    ambient: tuple[float, float, float]
    night: bool
    brand: RGB
    accent: RGB
    dark: RGB
    light: RGB


def mood_for(plan: Plan) -> Mood:
    named = consistency.roles(plan.bible.palette)
    brand, accent, dark, light = named["brand"], named["accent"], named["dark"], named["light"]
    lighting = plan.bible.lighting
    if lighting == "golden":
        return Mood(
            mix((244, 162, 97), accent, 0.25), mix((253, 226, 190), light, 0.3), mix(light, (240, 190, 140), 0.35),
            mix((214, 170, 128), brand, 0.12), (255, 214, 150), (0.72, 0.58), 0.55, (1.04, 0.97, 0.88), False,
            brand, accent, dark, light,
        )  # fmt: skip
    if lighting == "moody":
        return Mood(
            shade(dark, -0.35), shade(brand, -0.15), shade(brand, -0.35), shade(dark, -0.2), accent, (0.5, 0.25),
            0.5, (0.82, 0.84, 0.92), True, brand, accent, dark, light,
        )  # fmt: skip
    if lighting == "neon":
        return Mood(
            (18, 13, 43), (58, 28, 92), (32, 22, 60), (24, 18, 46), (255, 62, 165), (0.2, 0.3), 0.6,
            (0.86, 0.82, 1.0), True, brand, accent, dark, light,
        )  # fmt: skip
    if lighting == "bright":
        return Mood(
            mix((120, 196, 240), brand, 0.1), mix((234, 246, 255), light, 0.3), mix(light, (255, 255, 255), 0.4),
            mix((205, 214, 196), light, 0.3), (255, 250, 225), (0.82, 0.14), 0.45, (1.02, 1.02, 1.0), False,
            brand, accent, dark, light,
        )  # fmt: skip
    if lighting == "studio":
        return Mood(
            mix(light, brand, 0.1), mix(light, brand, 0.28), mix(light, brand, 0.1), mix(light, brand, 0.3),
            (255, 255, 255), (0.5, 0.18), 0.45, (1.0, 1.0, 1.0), False, brand, accent, dark, light,
        )  # fmt: skip
    return Mood(
        mix(light, brand, 0.18), mix(light, (255, 255, 255), 0.5), mix(light, brand, 0.08),
        mix(light, brand, 0.22), (255, 255, 255), (0.3, 0.2), 0.35, (1.0, 1.0, 1.0), False,
        brand, accent, dark, light,
    )  # fmt: skip


# ── places ──────────────────────────────────────────────────────────────────────────────

_PLACE_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("endcard", ("end card",)),
    ("studio", ("studio", "plinth", "pedestal", "seamless", "tabletop")),
    ("bathroom", ("bathroom", "mirror", "vanity", "shower")),
    ("kitchen", ("kitchen", "counter", "breakfast")),
    ("cafe", ("cafe", "café", "coffee shop", "restaurant", "bar ")),
    ("office", ("office", "desk", "meeting", "laptop", "workspace", "cowork")),
    ("nature", ("park", "garden", "nature", "beach", "forest", "hill", "outdoor", "trail", "field", "lake")),
    ("city", ("city", "street", "skyline", "commute", "downtown", "rooftop", "urban", "crosswalk")),
    ("home", ("home", "living room", "bedroom", "apartment", "sofa", "couch", "house", "window")),
]


def place_of(shot: Shot) -> str:
    """Which set to build, read from the shot description's words."""
    if shot.is_end_card:
        return "endcard"
    text = f" {shot.description.lower()} "
    for place, words in _PLACE_WORDS:
        if any(w in text for w in words):
            return place
    return "studio" if shot.role in ("reveal", "offer", "cta") else "home"


# ── drawing helpers ─────────────────────────────────────────────────────────────────────


def _gradient(width: int, height: int, top: RGB, bottom: RGB, *, stop: float = 1.0) -> np.ndarray:
    t = np.clip(np.linspace(0.0, 1.0 / max(stop, 1e-3), height, dtype=np.float32), 0, 1)[:, None, None]
    a = np.array(top, np.float32)[None, None, :]
    b = np.array(bottom, np.float32)[None, None, :]
    return np.broadcast_to(a + (b - a) * t, (height, width, 3)).copy()


def _glow(pixels: np.ndarray, at: tuple[float, float], colour: RGB, strength: float, radius: float) -> None:
    height, width = pixels.shape[:2]
    ys = (np.arange(height, dtype=np.float32) - at[1] * height) / (radius * max(width, height))
    xs = (np.arange(width, dtype=np.float32) - at[0] * width) / (radius * max(width, height))
    falloff = np.exp(-(ys[:, None] ** 2 + xs[None, :] ** 2))[:, :, None] * strength
    pixels += (np.array(colour, np.float32)[None, None, :] - pixels) * falloff


def _vignette(pixels: np.ndarray, strength: float) -> None:
    height, width = pixels.shape[:2]
    ys = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    pixels *= (1 - strength * np.clip((xs**2 + ys**2) / 2, 0, 1) ** 1.5)[:, :, None]


def _rgba(colour: RGB, alpha: int = 255) -> RGBA:
    return (int(colour[0]), int(colour[1]), int(colour[2]), int(alpha))


def _ellipse(draw: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float, fill: Any) -> None:
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=fill)


def _capsule(
    draw: ImageDraw.ImageDraw, p0: tuple[float, float], p1: tuple[float, float], width: float, fill: Any
) -> None:
    """A thick line with round ends (limbs)."""
    draw.line([p0, p1], fill=fill, width=max(1, round(width)))
    _ellipse(draw, p0[0], p0[1], width / 2, width / 2, fill)
    _ellipse(draw, p1[0], p1[1], width / 2, width / 2, fill)


# ── the set ─────────────────────────────────────────────────────────────────────────────


def _backdrop(
    place: str,
    mood: Mood,
    size: tuple[int, int],
    shot: Shot,
    rng: np.random.Generator,
    focus: tuple[float, float] | None = None,
) -> Image.Image:
    """The set, drawn on an RGB image: PIL blends translucent fills only onto RGB targets."""
    width, height = size
    scale = min(1.0, _BACKDROP_MAX / max(width, height))
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    closeness = list(_VISIBLE_HEADS).index(shot.shot_size)  # 0 wide .. 5 tight
    # The horizon sits lower as the camera gets closer: we see more wall, less floor.
    horizon = (0.58 if place in ("city", "nature") else 0.66) + 0.035 * closeness
    if width > height:
        horizon += 0.04
    hy = int(h * min(0.9, horizon))

    if place == "endcard":
        pixels = _gradient(w, h, mix(mood.brand, (255, 255, 255), 0.06), shade(mood.brand, -0.35))
        ring = (0.3, 0.5) if w > h else (0.5, 0.34)  # behind the product (see the end card layout)
        _glow(pixels, ring, mix(mood.brand, mood.light, 0.45), 0.55, 0.42)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(image, "RGBA")
        unit = min(w, h)
        for i in range(3):  # soft rings behind the product
            r = unit * (0.28 + 0.13 * i)
            draw.ellipse(
                (w * ring[0] - r, h * ring[1] - r, w * ring[0] + r, h * ring[1] + r),
                outline=_rgba(mood.accent, 46 - 12 * i),
                width=max(1, round(unit * 0.006)),
            )
        return _finish(image, size, blur=0.0)

    if place in ("city", "nature"):
        pixels = _gradient(w, h, mood.sky_top, mood.sky_bottom, stop=horizon)
        sun = (mood.glow_at[0], min(mood.glow_at[1], horizon - 0.08))
        _glow(pixels, sun, mood.glow, mood.glow_strength, 0.25)
    elif place == "studio":
        pixels = _gradient(w, h, mood.sky_top, mood.sky_bottom)
        _glow(
            pixels, (0.5, 0.32), mix(mood.light, (255, 255, 255), 0.5), 0.5 if not mood.night else 0.25, 0.4
        )
        if focus is not None:  # a pool of light behind the product so it reads in any mood
            _glow(pixels, focus, mix(mood.accent, (255, 255, 255), 0.5 if mood.night else 0.7), 0.55, 0.2)
        for k in range(4):  # out-of-focus discs of the brand colours behind the set
            at = (float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.1, 0.5)))
            tint = mix(mood.accent if k % 2 == 0 else mood.light, (255, 255, 255), 0.35)
            _glow(pixels, at, tint, 0.5, float(rng.uniform(0.06, 0.12)))
    else:
        pixels = _gradient(w, h, shade(mood.wall, -0.06), mood.wall, stop=horizon)
        _glow(pixels, mood.glow_at, mood.glow, mood.glow_strength * 0.6, 0.35)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image, "RGBA")
    u = min(w, h)

    if place == "city":
        _city(draw, w, h, hy, mood, rng, layers=3)
        draw.rectangle((0, hy, w, h), fill=_rgba(mix(mood.ground, (90, 90, 100), 0.35)))
        draw.rectangle((0, hy, w, hy + max(2, int(h * 0.012))), fill=_rgba(shade(mood.ground, 0.25)))
        # A crosswalk receding towards the horizon gives the street depth.
        stripes = 7
        for k in range(stripes):
            near, far = h - (h - hy) * k / stripes, h - (h - hy) * (k + 0.5) / stripes
            spread_n, spread_f = 0.5 - 0.18 * k / stripes, 0.5 - 0.18 * (k + 0.5) / stripes
            draw.polygon(
                [
                    (w * (0.5 - spread_n * 0.5), near),
                    (w * (0.5 + spread_n * 0.5), near),
                    (w * (0.5 + spread_f * 0.5), far),
                    (w * (0.5 - spread_f * 0.5), far),
                ],
                fill=_rgba((255, 255, 255), 46),
            )
        for i in range(int(rng.integers(2, 4))):  # lamp posts
            x = w * (0.12 + 0.36 * i + rng.uniform(-0.04, 0.04))
            top = hy - h * 0.28
            draw.rectangle((x - u * 0.006, top, x + u * 0.006, hy), fill=_rgba(shade(mood.dark, -0.1), 200))
            _ellipse(draw, x, top, u * 0.02, u * 0.012, _rgba(mix(mood.glow, (255, 255, 255), 0.5), 220))
    elif place == "nature":
        for depth, (tone, amp) in enumerate(((0.55, 0.05), (0.35, 0.07), (0.15, 0.09))):
            green = mix(mix((120, 170, 110), mood.brand, 0.15), mood.sky_bottom, tone)
            base = hy + depth * h * 0.04
            phase = rng.uniform(0, math.tau)
            xs = np.linspace(0, w, 40)
            ys = base - amp * h * (0.6 + 0.4 * np.sin(xs / w * math.tau * (0.8 + depth * 0.4) + phase))
            draw.polygon([(0, h), *zip(xs.tolist(), ys.tolist(), strict=True), (w, h)], fill=_rgba(green))
            if depth == 1:
                for _ in range(int(rng.integers(3, 6))):
                    tx = float(rng.uniform(0.05, 0.95)) * w
                    ty = base - amp * h * 0.9
                    r = u * float(rng.uniform(0.05, 0.09))
                    draw.rectangle(
                        (tx - r * 0.12, ty - r * 0.4, tx + r * 0.12, ty + r * 1.2),
                        fill=_rgba(shade(green, -0.45)),
                    )
                    _ellipse(draw, tx, ty - r, r, r * 1.15, _rgba(shade(green, -0.18)))
        path = mix(mood.ground, (230, 215, 190), 0.5)
        draw.polygon(
            [(w * 0.42, hy + h * 0.06), (w * 0.58, hy + h * 0.06), (w * 0.9, h), (w * 0.1, h)],
            fill=_rgba(path, 170),
        )
    elif place == "studio":
        floor = mix(mood.sky_bottom, mood.ground, 0.5)
        draw.rectangle((0, hy, w, h), fill=_rgba(floor, 110))
        _ellipse(draw, w / 2, hy, w * 0.75, h * 0.035, _rgba(floor, 90))
    else:
        _interior(image, draw, place, w, h, hy, mood, rng)
    blur = {0: 0.4, 1: 0.7, 2: 1.2, 3: 1.8, 4: 2.4, 5: 3.0}[closeness] * u / 540
    return _finish(image, size, blur=blur, vignette=0.22 if mood.night else 0.12)


def _finish(image: Image.Image, size: tuple[int, int], *, blur: float, vignette: float = 0.1) -> Image.Image:
    rgb = image.convert("RGB")
    if blur > 0.3:
        rgb = rgb.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(rgb, dtype=np.float32).copy()
    _vignette(pixels, vignette)
    out = Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))
    return out if out.size == size else out.resize(size, Image.Resampling.BICUBIC)


def _city(
    draw: ImageDraw.ImageDraw,
    w: int,
    h: int,
    hy: int,
    mood: Mood,
    rng: np.random.Generator,
    *,
    layers: int,
    top: float = 0.0,
) -> None:
    for layer in range(layers):
        haze = 0.6 - 0.22 * layer
        colour = mix(mix(mood.dark, mood.brand, 0.4), mood.sky_bottom, haze)
        x = -float(rng.uniform(0, 0.08)) * w
        while x < w:
            bw = w * float(rng.uniform(0.07, 0.15))
            bh = (hy - top) * float(rng.uniform(0.25, 0.6)) * (0.75 + 0.25 * layer)
            draw.rectangle((x, hy - bh, x + bw, hy), fill=_rgba(colour))
            if layer == layers - 1:
                lit = mix(colour, mood.glow if mood.night else mood.sky_bottom, 0.45)
                step_x, step_y = bw / 4, max(3.0, h * 0.025)
                yy = hy - bh + step_y * 0.7
                while yy < hy - step_y:
                    for k in range(3):
                        if rng.uniform() < 0.7:
                            wx = x + step_x * (k + 0.5)
                            draw.rectangle(
                                (wx, yy, wx + step_x * 0.45, yy + step_y * 0.45), fill=_rgba(lit, 200)
                            )
                    yy += step_y
            x += bw + w * float(rng.uniform(0.0, 0.03))


def _interior(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    place: str,
    w: int,
    h: int,
    hy: int,
    mood: Mood,
    rng: np.random.Generator,
) -> None:
    u = min(w, h)
    floor = (
        mix(mood.ground, (150, 110, 80), 0.3) if place != "bathroom" else mix(mood.wall, (255, 255, 255), 0.3)
    )
    draw.rectangle((0, hy, w, h), fill=_rgba(floor))
    draw.rectangle((0, hy - max(2, int(h * 0.01)), w, hy), fill=_rgba(shade(mood.wall, -0.12)))
    # A window onto the outside: sky and a slice of city, the light source of the room.
    side = float(rng.choice([0.22, 0.7]))
    wx0, wx1 = w * side - w * 0.18, w * side + w * 0.18
    wy0, wy1 = h * 0.12, hy - h * 0.16
    sky = Image.new("RGBA", (max(2, int(wx1 - wx0)), max(2, int(wy1 - wy0))))
    sky_px = _gradient(sky.width, sky.height, mood.sky_top, mood.sky_bottom)
    sky = Image.fromarray(np.clip(sky_px, 0, 255).astype(np.uint8))
    sky_draw = ImageDraw.Draw(sky, "RGBA")
    _city(sky_draw, sky.width, sky.height, sky.height, mood, rng, layers=2, top=sky.height * 0.2)
    image.paste(sky, (int(wx0), int(wy0)))
    frame = _rgba(mix(mood.light, (255, 255, 255), 0.5) if not mood.night else shade(mood.wall, -0.3))
    bar = max(2, u * 0.012)
    draw.rectangle((wx0 - bar, wy0 - bar, wx1 + bar, wy1 + bar), outline=frame, width=round(bar))
    draw.rectangle(((wx0 + wx1) / 2 - bar / 2, wy0, (wx0 + wx1) / 2 + bar / 2, wy1), fill=frame)
    draw.rectangle((wx0, (wy0 + wy1) / 2 - bar / 2, wx1, (wy0 + wy1) / 2 + bar / 2), fill=frame)
    # Light falling through the window onto the floor.
    draw.polygon(
        [(wx0, wy1), (wx1, wy1), (wx1 + w * 0.2, h), (wx0 + w * 0.05, h)],
        fill=_rgba(mood.glow, 28 if not mood.night else 14),
    )
    other = w * (0.78 if side < 0.5 else 0.2)
    if place == "bathroom":
        tile = mix(mood.wall, (255, 255, 255), 0.35)
        step = u * 0.07
        y = hy - h * 0.2
        draw.rectangle((0, y, w, hy), fill=_rgba(tile))
        xs = np.arange(0, w, step)
        for x in xs:
            draw.line([(x, y), (x, hy)], fill=_rgba(shade(tile, -0.08)), width=1)
        for yy in np.arange(y, hy, step):
            draw.line([(0, yy), (w, yy)], fill=_rgba(shade(tile, -0.08)), width=1)
        r = u * 0.16
        _ellipse(draw, other, h * 0.36, r * 1.08, r * 1.08, _rgba(mood.accent))
        _ellipse(draw, other, h * 0.36, r, r, _rgba(mix(mood.sky_bottom, (255, 255, 255), 0.4)))
    elif place == "kitchen":
        counter_y = hy - h * 0.12
        draw.rectangle((0, counter_y, w, hy + h * 0.05), fill=_rgba(mix(mood.brand, mood.wall, 0.55)))
        draw.rectangle(
            (0, counter_y - h * 0.015, w, counter_y), fill=_rgba(mix(mood.light, (255, 255, 255), 0.4))
        )
        for k in range(4):
            x = w * (0.05 + 0.24 * k)
            draw.rectangle(
                (x, counter_y + h * 0.02, x + w * 0.2, hy + h * 0.03),
                outline=_rgba(shade(mood.brand, -0.2), 120),
                width=max(1, round(u * 0.004)),
            )
        _plant(draw, other, counter_y, u * 0.14, mood)
    elif place == "office":
        desk_y = hy - h * 0.05
        draw.rectangle((0, desk_y, w, desk_y + h * 0.03), fill=_rgba(mix((120, 85, 60), mood.brand, 0.2)))
        lx = other
        draw.rectangle(
            (lx - u * 0.11, desk_y - u * 0.14, lx + u * 0.11, desk_y - u * 0.01), fill=_rgba((60, 64, 72))
        )
        draw.rectangle(
            (lx - u * 0.1, desk_y - u * 0.13, lx + u * 0.1, desk_y - u * 0.02),
            fill=_rgba(mix(mood.sky_bottom, mood.brand, 0.3)),
        )
        _plant(draw, w - other * 0.6 if side > 0.5 else w * 0.92, desk_y, u * 0.16, mood)
    elif place == "cafe":
        for k in range(3):
            x = w * (0.2 + 0.3 * k)
            draw.line(
                [(x, 0), (x, h * 0.14)], fill=_rgba(shade(mood.dark, -0.2)), width=max(1, round(u * 0.004))
            )
            draw.pieslice(
                (x - u * 0.06, h * 0.12, x + u * 0.06, h * 0.12 + u * 0.09), 180, 360, fill=_rgba(mood.accent)
            )
            _ellipse(draw, x, h * 0.12 + u * 0.045, u * 0.02, u * 0.012, _rgba((255, 236, 190), 230))
        draw.rectangle(
            (0, hy - h * 0.02, w, hy + h * 0.015), fill=_rgba(mix((130, 90, 60), mood.brand, 0.15))
        )
    else:  # living room
        sofa = mix(mood.brand, mood.wall, 0.35)
        sx0, sx1 = other - w * 0.22, other + w * 0.22
        sy = hy - h * 0.1
        draw.rounded_rectangle((sx0, sy, sx1, hy + h * 0.04), radius=u * 0.03, fill=_rgba(sofa))
        draw.rounded_rectangle(
            (sx0 + w * 0.02, sy - h * 0.06, sx1 - w * 0.02, sy + h * 0.02),
            radius=u * 0.03,
            fill=_rgba(shade(sofa, 0.1)),
        )
        draw.rectangle(
            (w * 0.5 - u * 0.09, h * 0.2, w * 0.5 + u * 0.09, h * 0.2 + u * 0.12),
            fill=_rgba(mood.accent, 210),
        )
        _plant(draw, w * (0.93 if side < 0.5 else 0.07), hy + h * 0.02, u * 0.2, mood)


def _plant(draw: ImageDraw.ImageDraw, x: float, base: float, size: float, mood: Mood) -> None:
    leaf = mix((78, 130, 92), mood.brand, 0.12)
    pot = mix(mood.accent, (200, 120, 90), 0.4)
    for k, angle in enumerate((-0.9, -0.45, 0.0, 0.45, 0.9)):
        lx = x + math.sin(angle) * size * 0.45
        ly = base - size * 0.55 - math.cos(angle) * size * 0.45
        _ellipse(draw, lx, ly, size * 0.14, size * 0.3, _rgba(shade(leaf, -0.1 * (k % 2))))
    draw.polygon(
        [
            (x - size * 0.22, base - size * 0.35),
            (x + size * 0.22, base - size * 0.35),
            (x + size * 0.16, base),
            (x - size * 0.16, base),
        ],
        fill=_rgba(pot),
    )


# ── people ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Figure:
    """How one character looks in every panel (from the bible) and how they stand in this one."""

    skin: RGB
    hair: RGB
    outfit: RGB
    accent: RGB
    style: str
    pose: str = "relaxed"  # relaxed, hold, worried, cheer, walk
    mood: str = "smile"  # smile, flat, laugh
    outfit_style: str = "casual"  # casual, blazer


_BLAZER = re.compile(
    r"\b(professional|business|office|executive|manager|lawyer|consultant|corporate|founder|ceo)", re.I
)


def figure_for(plan: Plan, entity: Entity, *, pose: str, face: str) -> Figure:
    colours = {k: hex_rgb(v) for k, v in entity.colors.items()}
    seed = consistency.entity_seed(plan.bible, entity.id)
    return Figure(
        skin=colours.get("skin", (234, 192, 160)),
        hair=colours.get("hair", (60, 40, 30)),
        outfit=colours.get("outfit", (61, 90, 128)),
        accent=colours.get("accent", hex_rgb(plan.bible.palette[-1])),
        style=consistency.hair_style(entity, seed),
        pose=pose,
        mood=face,
        outfit_style="blazer" if _BLAZER.search(entity.look) else "casual",
    )


def draw_figure(
    draw: ImageDraw.ImageDraw, fig: Figure, cx: float, top: float, u: float
) -> tuple[float, float]:
    """A flat-illustration person, head height ``u``, head top at ``top``. Returns the holding hand."""
    skin, hair, outfit = fig.skin, fig.hair, fig.outfit
    skin_shadow = shade(skin, -0.14)
    trousers = mix(shade(outfit, -0.55), (40, 44, 56), 0.5)
    head_cy = top + 0.5 * u
    # Long hair falls behind the shoulders, so it is drawn first.
    if fig.style in ("long", "curly"):
        draw.rounded_rectangle(
            (cx - 0.56 * u, top + 0.2 * u, cx + 0.56 * u, top + 1.75 * u),
            radius=0.4 * u,
            fill=_rgba(shade(hair, -0.08)),
        )
    elif fig.style == "bob":
        draw.rounded_rectangle(
            (cx - 0.54 * u, top + 0.15 * u, cx + 0.54 * u, top + 1.12 * u),
            radius=0.3 * u,
            fill=_rgba(shade(hair, -0.08)),
        )
    elif fig.style == "ponytail":
        _ellipse(draw, cx + 0.5 * u, top + 0.75 * u, 0.18 * u, 0.5 * u, _rgba(shade(hair, -0.1)))
    # Legs and shoes (seen in wide shots; cropped by the frame in closer ones).
    hip_y, foot_y = top + 3.45 * u, top + 6.4 * u
    stride = 0.22 if fig.pose == "walk" else 0.04  # feet apart when walking
    for side in (-1, 1):
        foot_x = cx + side * (0.3 + stride) * u
        _capsule(draw, (cx + side * 0.3 * u, hip_y), (foot_x, foot_y - 0.15 * u), 0.42 * u, _rgba(trousers))
        _ellipse(
            draw, foot_x + side * 0.08 * u, foot_y - 0.04 * u, 0.3 * u, 0.13 * u, _rgba(shade(trousers, -0.4))
        )
    # Torso: shoulders wider than the waist, a collar, an accent detail.
    sh_y = top + 1.18 * u
    body = [
        (cx - 0.72 * u, sh_y + 0.18 * u),
        (cx - 0.5 * u, sh_y - 0.02 * u),
        (cx + 0.5 * u, sh_y - 0.02 * u),
        (cx + 0.72 * u, sh_y + 0.18 * u),
        (cx + 0.62 * u, hip_y + 0.1 * u),
        (cx - 0.62 * u, hip_y + 0.1 * u),
    ]
    draw.rectangle((cx - 0.15 * u, top + 0.85 * u, cx + 0.15 * u, sh_y + 0.1 * u), fill=_rgba(skin_shadow))
    draw.polygon(body, fill=_rgba(outfit))
    _ellipse(draw, cx - 0.55 * u, sh_y + 0.16 * u, 0.2 * u, 0.2 * u, _rgba(outfit))
    _ellipse(draw, cx + 0.55 * u, sh_y + 0.16 * u, 0.2 * u, 0.2 * u, _rgba(outfit))
    # Shadow side of the torso gives the flat shapes some form.
    draw.polygon(
        [
            (cx + 0.18 * u, sh_y),
            (cx + 0.5 * u, sh_y - 0.02 * u),
            (cx + 0.72 * u, sh_y + 0.18 * u),
            (cx + 0.62 * u, hip_y + 0.1 * u),
            (cx + 0.3 * u, hip_y + 0.1 * u),
        ],
        fill=_rgba(shade(outfit, -0.12)),
    )
    if fig.outfit_style == "blazer":  # a light shirt in a deep V, lapels either side
        shirt = mix(fig.accent, (255, 255, 255), 0.82)
        draw.polygon(
            [(cx - 0.26 * u, sh_y - 0.02 * u), (cx + 0.26 * u, sh_y - 0.02 * u), (cx, sh_y + 0.95 * u)],
            fill=_rgba(shirt),
        )
        draw.polygon(
            [(cx - 0.14 * u, sh_y - 0.02 * u), (cx + 0.14 * u, sh_y - 0.02 * u), (cx, sh_y + 0.22 * u)],
            fill=_rgba(skin),
        )
        lapel = _rgba(shade(outfit, -0.22))
        for side in (-1, 1):
            draw.polygon(
                [
                    (cx + side * 0.26 * u, sh_y - 0.02 * u),
                    (cx + side * 0.4 * u, sh_y + 0.35 * u),
                    (cx + side * 0.2 * u, sh_y + 0.45 * u),
                    (cx + side * 0.03 * u, sh_y + 0.95 * u),
                ],
                fill=lapel,
            )
        _ellipse(draw, cx, sh_y + 0.17 * u, 0.04 * u, 0.04 * u, _rgba(fig.accent))  # pendant
    else:
        draw.polygon(
            [(cx - 0.2 * u, sh_y - 0.02 * u), (cx + 0.2 * u, sh_y - 0.02 * u), (cx, sh_y + 0.42 * u)],
            fill=_rgba(skin),
        )
        draw.line(
            [(cx - 0.2 * u, sh_y - 0.02 * u), (cx, sh_y + 0.42 * u), (cx + 0.2 * u, sh_y - 0.02 * u)],
            fill=_rgba(shade(outfit, -0.3)),
            width=max(1, round(0.05 * u)),
        )
        _ellipse(draw, cx, sh_y + 0.36 * u, 0.05 * u, 0.05 * u, _rgba(fig.accent))  # pendant
    # Arms by pose. The figure's right hand (viewer's left) holds things.
    sleeve = _rgba(shade(outfit, -0.08))
    arm_w = 0.3 * u
    ls, rs = (cx + 0.6 * u, sh_y + 0.22 * u), (cx - 0.6 * u, sh_y + 0.22 * u)
    hand_r = 0.13 * u
    holding = (cx - 0.66 * u, sh_y + 0.5 * u)
    if fig.pose == "worried":
        elbow_r, hand_rr = (cx - 0.82 * u, sh_y + 0.7 * u), (cx - 0.3 * u, top + 0.25 * u)
        elbow_l, hand_l = (cx + 0.7 * u, sh_y + 1.1 * u), (cx + 0.62 * u, sh_y + 2.0 * u)
    elif fig.pose == "hold":
        elbow_r, hand_rr = (cx - 0.98 * u, sh_y + 1.15 * u), holding
        elbow_l, hand_l = (cx + 0.75 * u, sh_y + 1.1 * u), (cx + 0.66 * u, sh_y + 2.0 * u)
    elif fig.pose == "cheer":
        elbow_r, hand_rr = (cx - 0.95 * u, sh_y + 0.3 * u), (cx - 1.05 * u, top - 0.1 * u)
        elbow_l, hand_l = (cx + 0.75 * u, sh_y + 1.1 * u), (cx + 0.66 * u, sh_y + 2.0 * u)
    elif fig.pose == "walk":  # arms swinging opposite the legs
        elbow_r, hand_rr = (cx - 0.82 * u, sh_y + 1.0 * u), (cx - 0.98 * u, sh_y + 1.8 * u)
        elbow_l, hand_l = (cx + 0.74 * u, sh_y + 1.08 * u), (cx + 0.62 * u, sh_y + 1.95 * u)
    else:
        elbow_r, hand_rr = (cx - 0.75 * u, sh_y + 1.1 * u), (cx - 0.68 * u, sh_y + 2.0 * u)
        elbow_l, hand_l = (cx + 0.75 * u, sh_y + 1.1 * u), (cx + 0.68 * u, sh_y + 2.0 * u)
    for shoulder, elbow, hand in ((ls, elbow_l, hand_l), (rs, elbow_r, hand_rr)):
        _capsule(draw, shoulder, elbow, arm_w, sleeve)
        _capsule(draw, elbow, hand, arm_w * 0.9, sleeve)
        _ellipse(draw, hand[0], hand[1], hand_r, hand_r, _rgba(skin))
    # Head, ears, face.
    _ellipse(draw, cx - 0.4 * u, head_cy + 0.05 * u, 0.09 * u, 0.12 * u, _rgba(skin_shadow))
    _ellipse(draw, cx + 0.4 * u, head_cy + 0.05 * u, 0.09 * u, 0.12 * u, _rgba(skin_shadow))
    # Head: the shadow side first, then the lit face slightly off-centre (a soft key light).
    _ellipse(draw, cx, head_cy, 0.41 * u, 0.5 * u, _rgba(shade(skin, -0.08)))
    _ellipse(draw, cx - 0.025 * u, head_cy - 0.005 * u, 0.385 * u, 0.49 * u, _rgba(skin))
    _hair_front(draw, fig, cx, top, u)
    _face(draw, fig, cx, head_cy, u)
    return holding


def _hair_front(draw: ImageDraw.ImageDraw, fig: Figure, cx: float, top: float, u: float) -> None:
    hair = _rgba(fig.hair)
    if fig.style == "curly":
        for ang in np.linspace(math.pi * 0.95, math.pi * 2.05, 9):
            _ellipse(
                draw,
                cx + math.cos(ang) * 0.42 * u,
                top + 0.42 * u + math.sin(ang) * 0.36 * u,
                0.17 * u,
                0.17 * u,
                hair,
            )
        return
    if fig.style == "short":
        draw.chord((cx - 0.45 * u, top - 0.08 * u, cx + 0.45 * u, top + 0.62 * u), 180, 360, fill=hair)
        draw.polygon(
            [
                (cx - 0.42 * u, top + 0.2 * u),
                (cx - 0.1 * u, top - 0.1 * u),
                (cx + 0.38 * u, top + 0.02 * u),
                (cx + 0.44 * u, top + 0.26 * u),
            ],
            fill=hair,
        )
        for side in (-1, 1):
            draw.rectangle(
                (
                    cx + side * 0.43 * u - 0.05 * u,
                    top + 0.22 * u,
                    cx + side * 0.43 * u + 0.02 * u,
                    top + 0.46 * u,
                ),
                fill=hair,
            )
        return
    draw.chord((cx - 0.46 * u, top - 0.04 * u, cx + 0.46 * u, top + 0.78 * u), 180, 360, fill=hair)
    # A side-swept fringe.
    draw.polygon(
        [
            (cx - 0.44 * u, top + 0.4 * u),
            (cx - 0.2 * u, top + 0.08 * u),
            (cx + 0.3 * u, top + 0.1 * u),
            (cx + 0.05 * u, top + 0.32 * u),
            (cx - 0.3 * u, top + 0.42 * u),
        ],
        fill=hair,
    )
    if fig.style in ("long", "bob"):
        for side in (-1, 1):
            # Strands framing the face, mirrored: from the cheek (0.36) out to the hairline (0.46).
            x_a, x_b = cx + side * 0.36 * u, cx + side * 0.46 * u
            draw.rectangle(
                (
                    min(x_a, x_b),
                    top + 0.32 * u,
                    max(x_a, x_b),
                    top + (1.15 if fig.style == "long" else 0.95) * u,
                ),
                fill=hair,
            )
    if fig.style == "bun":
        _ellipse(draw, cx + 0.05 * u, top - 0.06 * u, 0.22 * u, 0.18 * u, hair)


def _face(draw: ImageDraw.ImageDraw, fig: Figure, cx: float, cy: float, u: float) -> None:
    ink = _rgba(mix(fig.hair, (20, 16, 20), 0.6))
    eye_y = cy + 0.02 * u
    line = max(1, round(0.035 * u))
    for side in (-1, 1):
        ex = cx + side * 0.16 * u
        if fig.mood == "flat":
            draw.arc(
                (ex - 0.07 * u, eye_y - 0.04 * u, ex + 0.07 * u, eye_y + 0.06 * u),
                200,
                340,
                fill=ink,
                width=line,
            )
        else:
            _ellipse(draw, ex, eye_y, 0.045 * u, 0.06 * u, ink)
            _ellipse(
                draw, ex + 0.015 * u, eye_y - 0.02 * u, 0.014 * u, 0.014 * u, _rgba((255, 255, 255), 220)
            )
        brow_y = eye_y - (0.15 if fig.mood != "flat" else 0.12) * u
        brow = _rgba(shade(fig.hair, -0.1))
        if fig.mood == "flat":  # worried: inner ends raised
            tilt = 0.03 * u
            draw.line(
                [(ex - 0.08 * u, brow_y - side * tilt), (ex + 0.07 * u, brow_y + side * tilt)],
                fill=brow,
                width=line,
            )
        else:  # relaxed: a soft arch
            draw.arc(
                (ex - 0.085 * u, brow_y - 0.015 * u, ex + 0.085 * u, brow_y + 0.07 * u),
                200,
                340,
                fill=brow,
                width=line,
            )
        _ellipse(
            draw,
            cx + side * 0.25 * u,
            cy + 0.17 * u,
            0.07 * u,
            0.045 * u,
            _rgba(mix(fig.skin, (240, 110, 120), 0.3)),
        )
    draw.arc(
        (cx - 0.05 * u, cy + 0.08 * u, cx + 0.05 * u, cy + 0.16 * u),
        30,
        150,
        fill=_rgba(shade(fig.skin, -0.2)),
        width=line,
    )
    mouth_y = cy + 0.26 * u
    if fig.mood == "flat":
        draw.arc(
            (cx - 0.08 * u, mouth_y, cx + 0.08 * u, mouth_y + 0.1 * u),
            200,
            340,
            fill=_rgba((150, 70, 70)),
            width=line,
        )
    elif fig.mood == "laugh":
        draw.chord(
            (cx - 0.12 * u, mouth_y - 0.06 * u, cx + 0.12 * u, mouth_y + 0.12 * u),
            0,
            180,
            fill=_rgba((150, 60, 70)),
        )
    else:
        draw.arc(
            (cx - 0.11 * u, mouth_y - 0.08 * u, cx + 0.11 * u, mouth_y + 0.06 * u),
            20,
            160,
            fill=_rgba((160, 70, 75)),
            width=line,
        )


# ── animals ─────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Animal:
    """An animal from the bible (a dog, a cat or a mascot such as a fox, bear, panda, rabbit or
    hamster): coat colours fixed per entity, build and ears from its look."""

    look: consistency.AnimalLook
    fur: RGB
    markings: RGB
    collar: RGB
    accent: RGB
    pose: str = "sit"  # sit, stand
    mood: str = "happy"  # happy, sad, calm


#: Sitting height (head top to ground) in units of the animal's head width.
ANIMAL_SIT_H = 3.7
#: Share of the frame height a sitting animal fills, per shot size (above 1: cropped below).
_ANIMAL_FILL: dict[str, float] = {
    "extreme_wide": 0.34,
    "wide": 0.46,
    "medium": 0.66,
    "medium_close": 0.9,
    "close_up": 1.3,
    "extreme_close_up": 1.8,
}


def animal_for(plan: Plan, entity: Entity, *, pose: str, face: str) -> Animal | None:
    """The animal a character's look names, or None for a person."""
    look = consistency.animal_look(entity.look)
    if look is None:
        return None
    colours = {k: hex_rgb(v) for k, v in entity.colors.items()}
    fur = colours.get("fur", colours.get("hair", (200, 150, 80)))
    return Animal(
        look=look,
        fur=fur,
        markings=colours.get("markings", mix(fur, (255, 255, 255), 0.6)),
        collar=colours.get("collar", colours.get("outfit", (61, 90, 128))),
        accent=colours.get("accent", hex_rgb(plan.bible.palette[-1])),
        pose="stand" if pose == "walk" else "sit",
        mood="sad" if face == "flat" else "happy" if face in ("laugh", "smile") else "calm",
    )


def _poly(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], fill: RGB) -> None:
    draw.polygon(points, fill=_rgba(fill))


def _tilted(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float, angle: float, fill: RGB
) -> None:
    """An ellipse turned by ``angle`` (radians): a panda's eye patch."""
    ca, sa = math.cos(angle), math.sin(angle)
    pts = []
    for k in range(28):
        t = 2 * math.pi * k / 28
        x, y = rx * math.cos(t), ry * math.sin(t)
        pts.append((cx + x * ca - y * sa, cy + x * sa + y * ca))
    _poly(draw, pts, fill)


def _is_pet(look: consistency.AnimalLook) -> bool:
    """Dogs and cats wear a collar and tag; mascot animals a neckerchief."""
    return look.species in ("dog", "cat")


def _neckerchief(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, neck_y: float, half: float, drop: float) -> None:
    """A band round the neck and a knotted triangle hanging from it, in the collar colour."""
    draw.rounded_rectangle(
        (cx - half, neck_y - drop * 0.14, cx + half, neck_y + drop * 0.16), radius=drop * 0.14, fill=_rgba(pet.collar)
    )
    _poly(draw, [(cx - half * 0.72, neck_y), (cx + half * 0.72, neck_y), (cx + half * 0.08, neck_y + drop)], pet.collar)
    _poly(
        draw,
        [(cx + half * 0.05, neck_y + drop * 0.2), (cx + half * 0.72, neck_y), (cx + half * 0.08, neck_y + drop)],
        shade(pet.collar, -0.1),
    )


def _animal_round(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, ground: float, s: float) -> Box:
    """A hamster sitting up facing the camera: one round body, a big head, paws held at the chest."""
    fur = pet.fur
    pink = mix(fur, (240, 165, 170), 0.6)
    body_rx, body_ry = s * 1.3, s * 1.2
    body_cy = ground - body_ry
    for sd in (-1, 1):  # hind feet peeking out in front
        _ellipse(draw, cx + sd * s * 0.62, ground - s * 0.1, s * 0.32, s * 0.13, _rgba(pink))
    _ellipse(draw, cx, body_cy, body_rx, body_ry, _rgba(fur))
    draw.chord(
        (cx - body_rx, body_cy - body_ry, cx + body_rx, body_cy + body_ry), 300, 60, fill=_rgba(shade(fur, -0.08))
    )
    _ellipse(draw, cx, body_cy + s * 0.2, body_rx * 0.6, body_ry * 0.7, _rgba(pet.markings))
    for sd in (-1, 1):
        _ellipse(draw, cx + sd * s * 0.62, ground - s * 0.16, s * 0.3, s * 0.14, _rgba(pink))
    head_r = s * (0.82 if not pet.look.young else 0.9)
    head_cy = ground - s * 2.45
    _neckerchief(draw, pet, cx, head_cy + head_r * 0.86, head_r * 0.6, s * 0.42)
    top = _animal_head(draw, pet, cx, head_cy, head_r, s)
    for sd in (-1, 1):  # front paws held together at the chest
        _ellipse(draw, cx + sd * s * 0.24, head_cy + head_r + s * 0.32, s * 0.17, s * 0.14, _rgba(pink))
    width = body_rx + s * 0.1
    return (round(cx - width), round(top), round(cx + width), round(ground))


def draw_animal(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, ground: float, s: float) -> Box:
    """A flat-illustration dog or cat standing on ``ground``, head width ``s``. Returns its box.

    Sitting is drawn facing the camera; standing is a side view walking to the viewer's left.
    """
    if pet.pose == "stand":
        return _animal_standing(draw, pet, cx, ground, s)
    look = pet.look
    if look.build == "round":
        return _animal_round(draw, pet, cx, ground, s)
    fur, dark = pet.fur, shade(pet.fur, -0.16)
    kind = look.species
    cat = kind == "cat"
    panda = look.pattern == "panda"
    chunky = look.build == "chunky"
    young = look.young
    short = look.build == "short" or young or kind == "rabbit"
    head_r = s * (0.66 if not young else 0.74) * (1.08 if chunky else 1.0)
    # A rabbit sits low, its ears standing tall above.
    low = 0.55 if kind == "rabbit" else 0.0
    head_cy = ground - s * (ANIMAL_SIT_H - (0.45 if short else 0.0) - low) + head_r
    chest_cy, chest_ry = head_cy + head_r + s * 0.45, s * (0.8 if not short else 0.6)
    body_w = s * {"cat": 0.78, "fox": 0.8, "rabbit": 0.84}.get(kind, 1.05 if chunky else 0.9)
    chest_top = chest_cy - chest_ry
    seat_cy, seat_rx, seat_ry = ground - s * 0.6, body_w * 1.18, s * 0.62
    # Tail first: it curls on the ground behind, up and wagging when happy.
    tail = _rgba(shade(fur, -0.06))
    tail_w = s * (0.24 if cat else 0.28)
    if kind == "fox" or kind == "panda" and not panda:  # a bushy brush curled on the ground
        up = pet.mood == "happy"
        pts = [
            (cx + s * 0.8, ground - s * 0.25),
            (cx + s * 1.5, ground - s * (0.42 if up else 0.3)),
            (cx + s * 1.9, ground - s * (1.2 if up else 0.75)),
        ]
        tail_w = s * 0.5
        _capsule(draw, pts[0], pts[1], tail_w * 0.9, tail)
        _capsule(draw, pts[1], pts[2], tail_w, tail)
        tip = pet.markings if kind == "fox" else dark
        _ellipse(draw, pts[2][0], pts[2][1] - s * 0.05, tail_w * 0.58, tail_w * 0.62, _rgba(tip))
    elif kind == "rabbit":  # a round cotton tail at the back
        pts = [(cx + seat_rx * 0.95, ground - s * 0.32)] * 3
        tail_w = s * 0.66
        _ellipse(draw, pts[0][0], pts[0][1], tail_w / 2, tail_w / 2, _rgba(pet.markings))
    elif not _is_pet(look):  # a bear's short tail, just peeking out
        pts = [(cx + seat_rx * 0.9, ground - s * 0.45)] * 3
        tail_w = s * 0.4
        _ellipse(draw, pts[0][0], pts[0][1], tail_w / 2, tail_w / 2, tail)
    elif pet.mood == "happy" and not cat:
        pts = [
            (cx + s * 0.9, ground - s * 0.35),
            (cx + s * 1.5, ground - s * 0.8),
            (cx + s * 1.7, ground - s * 1.5),
        ]
    elif cat:
        pts = [
            (cx + s * 0.9, ground - s * 0.15),
            (cx + s * 1.5, ground - s * 0.35),
            (cx + s * 1.6, ground - s * 1.2),
        ]
    else:
        pts = [
            (cx + s * 0.9, ground - s * 0.12),
            (cx + s * 1.4, ground - s * 0.1),
            (cx + s * 1.8, ground - s * 0.25),
        ]
    if _is_pet(look):
        _capsule(draw, pts[0], pts[1], tail_w, tail)
        _capsule(draw, pts[1], pts[2], tail_w * 0.9, tail)
        if look.pattern in ("points", "stripes") or (look.pattern == "chest" and not cat):
            tip = pet.markings if look.pattern != "stripes" else dark
            _ellipse(draw, pts[2][0], pts[2][1], tail_w * 0.5, tail_w * 0.5, _rgba(tip))
    # The body: a chest over a wider seat, joined into one soft pear; haunches either side.
    haunch = pet.markings if panda else dark
    _poly(
        draw,
        [(cx - body_w, chest_cy), (cx + body_w, chest_cy), (cx + seat_rx, seat_cy), (cx - seat_rx, seat_cy)],
        fur,
    )
    _ellipse(draw, cx, seat_cy, seat_rx, seat_ry, _rgba(fur))
    foot = s * (0.42 if kind == "rabbit" else 0.3)
    for sd in (-1, 1):
        _ellipse(draw, cx + sd * seat_rx * 0.72, ground - s * 0.42, s * 0.46, s * 0.44, _rgba(haunch))
        _ellipse(
            draw, cx + sd * seat_rx * 0.8, ground - s * 0.08, foot, s * 0.11, _rgba(shade(haunch, -0.05))
        )
    _ellipse(draw, cx, chest_cy, body_w, chest_ry, _rgba(fur))
    # Shadow side (the key light is on the viewer's left, as for people).
    draw.chord(
        (cx - body_w, chest_top, cx + body_w, chest_cy + chest_ry), 300, 60, fill=_rgba(shade(fur, -0.08))
    )
    if panda:  # black shoulders running down into the front legs
        for sd in (-1, 1):
            _ellipse(draw, cx + sd * body_w * 0.66, chest_top + chest_ry * 0.5, body_w * 0.4, chest_ry * 0.6,
                     _rgba(pet.markings))  # fmt: skip
    body_h = ground - chest_top
    if look.pattern == "saddle":
        for sd in (-1, 1):
            _ellipse(
                draw,
                cx + sd * body_w * 0.85,
                chest_cy + s * 0.3,
                body_w * 0.3,
                body_h * 0.36,
                _rgba(pet.markings),
            )
    if kind == "fox":  # a round white bib under the chin
        _ellipse(draw, cx, chest_top + chest_ry * 0.62, body_w * 0.56, chest_ry * 0.66, _rgba(pet.markings))
    elif look.pattern in ("chest", "mask"):
        _ellipse(draw, cx, chest_cy + s * 0.1, body_w * 0.5, chest_ry * 0.85, _rgba(pet.markings))
    if look.pattern == "spots":
        for fx, fy, fr in (
            (-0.5, 0.25, 0.12),
            (0.35, 0.45, 0.1),
            (-0.2, 0.7, 0.09),
            (0.55, 0.15, 0.08),
            (0.1, 0.3, 0.07),
        ):
            _ellipse(draw, cx + fx * body_w, chest_top + fy * body_h, fr * s, fr * s, _rgba(pet.markings))
    if look.pattern == "patches":
        _ellipse(
            draw,
            cx - body_w * 0.45,
            chest_top + body_h * 0.6,
            body_w * 0.5,
            body_h * 0.25,
            _rgba(pet.markings),
        )
        _ellipse(
            draw,
            cx + body_w * 0.6,
            chest_top + body_h * 0.3,
            body_w * 0.32,
            body_h * 0.18,
            _rgba((50, 44, 40)),
        )
    if look.pattern == "stripes":
        for k in range(3):
            y = chest_top + body_h * (0.2 + 0.2 * k)
            for sd in (-1, 1):
                draw.line(
                    [(cx + sd * body_w * 1.0, y), (cx + sd * body_w * 0.6, y + s * 0.08)],
                    fill=_rgba(dark),
                    width=max(1, round(0.1 * s)),
                )
    # Front legs and paws.
    paw = pet.markings if look.pattern in ("points", "chest", "mask") and pet.markings != pet.fur else fur
    leg = shade(fur, -0.03)
    if panda:
        paw = leg = pet.markings
    elif kind == "bear":
        paw = shade(fur, -0.1)
    leg_w = s * (0.5 if panda else 0.42 if chunky else 0.3 if kind == "rabbit" else 0.34)
    for sd in (-1, 1):
        lx = cx + sd * body_w * (0.52 if panda else 0.38)
        _capsule(draw, (lx, chest_cy), (lx, ground - s * 0.12), leg_w, _rgba(leg))
        _ellipse(draw, lx, ground - s * 0.1, leg_w * 0.65, s * 0.13, _rgba(paw))
    # Collar and tag; a mascot's neckerchief.
    neck_y = head_cy + head_r * 0.86
    if _is_pet(look):
        draw.rounded_rectangle(
            (cx - head_r * 0.62, neck_y - s * 0.07, cx + head_r * 0.62, neck_y + s * 0.08),
            radius=s * 0.07,
            fill=_rgba(pet.collar),
        )
        _ellipse(draw, cx, neck_y + s * 0.16, s * 0.09, s * 0.09, _rgba(pet.accent))
    else:
        _neckerchief(draw, pet, cx, neck_y, head_r * 0.66, s * 0.62)
    box_top = _animal_head(draw, pet, cx, head_cy, head_r, s)
    width = max(seat_rx, head_r * 1.3) + s * 0.1
    return (round(cx - width), round(box_top), round(max(cx + width, pts[2][0] + tail_w)), round(ground))


def _animal_head(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, cy: float, r: float, s: float) -> float:
    """Head, ears and face centred at (cx, cy), radius ``r``; returns the top of the ears."""
    look = pet.look
    fur, dark = pet.fur, shade(pet.fur, -0.16)
    kind = look.species
    cat = kind == "cat"
    fox = kind == "fox"
    panda = look.pattern == "panda"
    # Rabbits and hamsters share a cat's small face: cheek pads, a pink nose and whiskers.
    small_face = cat or kind in ("rabbit", "hamster")
    sad = pet.mood == "sad"
    ear_fill = pet.markings if look.pattern == "points" else dark if not cat else fur
    top = cy - r
    if look.ears == "round":  # a bear's, panda's or hamster's: behind the skull, peeking above
        er = r * (0.24 if kind == "hamster" else 0.3)
        ey = cy - r * (0.78 if kind == "hamster" else 0.72) + (0.08 * r if sad else 0.0)
        inner = (
            mix(fur, (240, 160, 170), 0.55)
            if kind == "hamster"
            else shade(pet.markings, 0.25)
            if panda
            else pet.markings
        )
        for sd in (-1, 1):
            ex = cx + sd * r * (0.66 if kind == "hamster" else 0.7)
            _ellipse(draw, ex, ey, er, er, _rgba(pet.markings if panda else shade(fur, -0.05)))
            _ellipse(draw, ex + sd * er * 0.05, ey + er * 0.08, er * 0.55, er * 0.55, _rgba(inner))
        top = ey - er
    if look.ears == "long":  # a rabbit's: tall and upright, flopping outwards when sad
        for sd in (-1, 1):
            base = (cx + sd * r * 0.32, cy - r * 0.5)
            tip = (cx + sd * r * (1.25 if sad else 0.55), cy - r * (1.75 if sad else 2.3))
            _capsule(draw, base, tip, r * 0.5, _rgba(shade(fur, -0.04)))
            a = (base[0] + (tip[0] - base[0]) * 0.2, base[1] + (tip[1] - base[1]) * 0.2)
            _capsule(draw, a, tip, r * 0.22, _rgba(mix(fur, (240, 160, 170), 0.6)))
        top = cy - r * (2.05 if sad else 2.55)
    if look.ears == "floppy":
        droop = 0.15 * r if sad else 0.0
        for sd in (-1, 1):
            ex = cx + sd * r * 0.86
            _poly(draw, [(cx + sd * r * 0.45, cy - r * 0.8), (ex + sd * r * 0.38, cy - r * 0.25 + droop),
                         (ex + sd * r * 0.3, cy + r * 0.62 + droop), (ex - sd * r * 0.02, cy + r * 0.7 + droop),
                         (cx + sd * r * 0.6, cy - r * 0.1)], ear_fill)  # fmt: skip
            _ellipse(draw, ex + sd * r * 0.14, cy + r * 0.62 + droop, r * 0.2, r * 0.14, _rgba(ear_fill))
    # The skull: shadow side first, then the lit face (as for people).
    _ellipse(draw, cx, cy, r, r * (0.92 if cat else 0.95), _rgba(shade(fur, -0.08)))
    _ellipse(draw, cx - 0.03 * r, cy - 0.01 * r, r * 0.95, r * (0.9 if cat else 0.93), _rgba(fur))
    if look.ears == "pointy":
        tilt = 0.2 * r if sad else 0.0
        for sd in (-1, 1):
            base_in, base_out = cx + sd * r * 0.2, cx + sd * r * 0.92
            tip = (cx + sd * (r * 0.78 + tilt * 2), cy - r * (1.55 if cat else 1.5) + tilt * 2)
            _poly(
                draw,
                [(base_in, cy - r * 0.72), tip, (base_out, cy - r * 0.2)],
                ear_fill if not (cat or fox) else fur,
            )
            inner = (
                pet.markings
                if fox
                else mix(fur, (240, 160, 170), 0.55)
                if cat or look.pattern != "points"
                else shade(pet.markings, 0.15)
            )
            _poly(draw, [(base_in + sd * r * 0.14, cy - r * 0.68), (tip[0] - sd * r * 0.06, tip[1] + r * 0.25),
                         (base_out - sd * r * 0.12, cy - r * 0.32)], inner)  # fmt: skip
            if fox:  # dark ear tips
                k = 0.32
                _poly(draw, [tip, (tip[0] + (base_in - tip[0]) * k, tip[1] + (cy - r * 0.72 - tip[1]) * k),
                             (tip[0] + (base_out - tip[0]) * k, tip[1] + (cy - r * 0.2 - tip[1]) * k)],
                      (58, 40, 34))  # fmt: skip
        top = cy - r * 1.55
    # Face markings.
    if look.pattern == "mask":
        if look.coat == "grey" or look.breed == "husky":
            _poly(draw, [(cx - r * 0.75, cy + r * 0.1), (cx - r * 0.25, cy - r * 0.2), (cx, cy - r * 0.55),
                         (cx + r * 0.25, cy - r * 0.2), (cx + r * 0.75, cy + r * 0.1), (cx + r * 0.5, cy + r * 0.85),
                         (cx - r * 0.5, cy + r * 0.85)], pet.markings)  # fmt: skip
        else:  # a pug's dark muzzle
            _ellipse(draw, cx, cy + r * 0.38, r * 0.52, r * 0.42, _rgba(pet.markings))
    elif look.pattern == "points":
        _ellipse(draw, cx, cy + r * 0.3, r * 0.6, r * 0.55, _rgba(pet.markings))
    elif look.pattern == "stripes":
        for k in (-1, 0, 1):
            draw.line([(cx + k * r * 0.2, cy - r * 0.9), (cx + k * r * 0.14, cy - r * 0.5)], fill=_rgba(dark),
                      width=max(1, round(0.08 * s)))  # fmt: skip
    elif look.pattern == "patches":
        _ellipse(draw, cx + r * 0.45, cy - r * 0.35, r * 0.42, r * 0.38, _rgba(pet.markings))
        _ellipse(draw, cx - r * 0.5, cy - r * 0.45, r * 0.3, r * 0.28, _rgba((50, 44, 40)))
    elif look.pattern == "spots":
        _ellipse(draw, cx - r * 0.45, cy - r * 0.4, r * 0.12, r * 0.12, _rgba(pet.markings))
        _ellipse(draw, cx + r * 0.5, cy - r * 0.1, r * 0.1, r * 0.1, _rgba(pet.markings))
    # Muzzle: a dog's is a soft lighter oval; a cat's two small cheeks.
    light_muzzle = (
        pet.markings
        if look.pattern in ("chest", "mask") and look.breed != "pug"
        else mix(fur, (255, 255, 255), 0.35)
    )
    if look.pattern == "points" or look.breed == "pug":
        light_muzzle = shade(pet.markings, 0.12)
    if kind == "bear":
        light_muzzle = pet.markings
    mz_y = cy + r * 0.42
    if fox:  # white cheeks and a slim muzzle under an orange bridge
        for sd in (-1, 1):
            _ellipse(draw, cx + sd * r * 0.44, cy + r * 0.44, r * 0.5, r * 0.34, _rgba(pet.markings))
        _ellipse(draw, cx, mz_y + r * 0.04, r * 0.3, r * 0.36, _rgba(pet.markings))
        _poly(draw, [(cx - r * 0.34, cy - r * 0.3), (cx + r * 0.34, cy - r * 0.3), (cx, cy + r * 0.34)], fur)
    elif small_face:
        pad = (0.28, 0.22) if kind == "hamster" else (0.22, 0.18)
        for sd in (-1, 1):
            _ellipse(draw, cx + sd * r * 0.17 * (1.3 if kind == "hamster" else 1.0), mz_y, r * pad[0], r * pad[1],
                     _rgba(light_muzzle))  # fmt: skip
    else:
        _ellipse(draw, cx, mz_y, r * 0.46, r * 0.36, _rgba(light_muzzle))
    if panda:  # the eye patches, slanting down and out
        for sd in (-1, 1):
            _tilted(draw, cx + sd * r * 0.38, cy, r * 0.21, r * 0.29, -sd * 0.55, pet.markings)
    ink = _rgba((34, 26, 24))
    line = max(1, round(0.05 * s))
    eye_y = cy - r * 0.08
    for sd in (-1, 1):
        ex = cx + sd * r * 0.38
        if panda:  # a bright eye within the dark patch
            _ellipse(draw, ex, eye_y, r * 0.1, r * 0.11, _rgba((244, 240, 232)))
            _ellipse(draw, ex, eye_y, r * 0.07, r * 0.08, ink)
        elif kind in ("rabbit", "hamster"):
            _ellipse(draw, ex, eye_y, r * 0.13, r * 0.15, ink)
        elif cat:
            _ellipse(
                draw,
                ex,
                eye_y,
                r * 0.15,
                r * 0.13,
                _rgba((170, 190, 80) if look.coat != "cream" else (90, 150, 210)),
            )
            _ellipse(draw, ex, eye_y, r * 0.045, r * 0.11, ink)
        else:
            _ellipse(draw, ex, eye_y, r * 0.11, r * 0.13, ink)
        _ellipse(draw, ex + r * 0.04, eye_y - r * 0.05, r * 0.035, r * 0.035, _rgba((255, 255, 255), 230))
        if sad:  # brows raised at the inner ends
            draw.line([(ex - sd * r * 0.02, eye_y - r * 0.3), (ex + sd * r * 0.16, eye_y - r * 0.2)],
                      fill=_rgba(shade(fur, -0.35)), width=line)  # fmt: skip
    nose_y = cy + (0.28 if small_face else 0.3) * r
    if small_face:
        _poly(draw, [(cx - r * 0.09, nose_y - r * 0.04), (cx + r * 0.09, nose_y - r * 0.04), (cx, nose_y + r * 0.07)],
              mix(fur, (230, 130, 140), 0.6))  # fmt: skip
        for sd in (-1, 1):
            for k in (-1, 0, 1):
                draw.line([(cx + sd * r * 0.3, mz_y + k * r * 0.05), (cx + sd * r * 0.85, mz_y + k * r * 0.12 - r * 0.05)],
                          fill=_rgba(mix(fur, (255, 255, 255), 0.7) if luminance(fur) < 0.5 else shade(fur, -0.3)),
                          width=max(1, round(0.025 * s)))  # fmt: skip
    else:
        big = 1.25 if kind in ("bear", "panda") else 1.0
        _ellipse(draw, cx, nose_y, r * 0.16 * big, r * 0.11 * big, ink)
        _ellipse(draw, cx - r * 0.04, nose_y - r * 0.04, r * 0.05, r * 0.03, _rgba((120, 110, 110)))
    mouth_y = nose_y + r * (0.12 if small_face else 0.16)
    if kind == "rabbit":  # two front teeth
        draw.rounded_rectangle((cx - r * 0.09, mouth_y + r * 0.03, cx + r * 0.09, mouth_y + r * 0.2),
                               radius=r * 0.03, fill=_rgba((250, 248, 240)))  # fmt: skip
        draw.line([(cx, mouth_y + r * 0.04), (cx, mouth_y + r * 0.19)], fill=_rgba((200, 190, 180)),
                  width=max(1, round(0.02 * s)))  # fmt: skip
    if pet.mood == "happy" and kind in ("fox", "bear", "panda"):
        # A wide, open grin without the dog's tongue.
        draw.chord(
            (cx - r * 0.24, mouth_y - r * 0.12, cx + r * 0.24, mouth_y + r * 0.2),
            0,
            180,
            fill=_rgba((90, 34, 40)),
        )
        _ellipse(draw, cx, mouth_y + r * 0.15, r * 0.1, r * 0.05, _rgba((236, 110, 124)))
    elif pet.mood == "happy" and kind == "dog":
        # An open smile with the tongue out: the happy dog.
        draw.chord(
            (cx - r * 0.3, mouth_y - r * 0.16, cx + r * 0.3, mouth_y + r * 0.26),
            0,
            180,
            fill=_rgba((90, 34, 40)),
        )
        _ellipse(draw, cx, mouth_y + r * 0.24, r * 0.14, r * 0.2, _rgba((236, 110, 124)))
        draw.line([(cx, mouth_y + r * 0.14), (cx, mouth_y + r * 0.34)], fill=_rgba((200, 80, 96)), width=line)
    elif sad:
        draw.arc(
            (cx - r * 0.2, mouth_y + r * 0.02, cx + r * 0.2, mouth_y + r * 0.2),
            200,
            340,
            fill=ink,
            width=line,
        )
    else:
        for sd in (-1, 1):
            draw.arc((cx - r * 0.22 + sd * r * 0.11, mouth_y - r * 0.1, cx + sd * r * 0.11, mouth_y + r * 0.08) if sd < 0 else
                     (cx, mouth_y - r * 0.1, cx + r * 0.22, mouth_y + r * 0.08), 20, 160, fill=ink, width=line)  # fmt: skip
    return top


def _animal_standing(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, ground: float, s: float) -> Box:
    """A side view mid-stride, facing the viewer's left, the head turned to camera."""
    look = pet.look
    fur, dark = pet.fur, shade(pet.fur, -0.16)
    kind = look.species
    cat = kind == "cat"
    panda = look.pattern == "panda"
    build = {"short": (0.55, 1.15, 1.6), "chunky": (0.8, 1.35, 1.5), "round": (0.4, 1.5, 1.2)}
    leg, height, length = build.get("rabbit" if kind == "rabbit" else look.build, (1.0, 1.15, 1.45))
    if kind == "rabbit":  # a hop: short legs under a rounded back
        leg, height, length = 0.6, 1.3, 1.3
    leg *= 0.8 if look.young else 1.0
    body_h = s * height
    body_l = s * length
    body_y = ground - s * 1.2 * leg - body_h * 0.45
    limb = pet.markings if panda else fur
    leg_w = s * (0.34 if look.build == "chunky" else 0.28)
    # Far legs (darker), tail, body, near legs.
    for dx, swing in ((-0.62, -0.18), (0.55, 0.16)):
        x = cx + dx * body_l
        _capsule(draw, (x, body_y), (x + swing * s, ground - s * 0.1), leg_w * 0.93, _rgba(shade(limb, -0.2)))
    tail = _rgba(shade(fur, -0.06))
    if kind == "fox" or kind == "panda" and not panda:  # a long bushy brush, held out behind
        tail_base = (cx + body_l * 0.85, body_y - body_h * 0.1)
        mid = (cx + body_l * 1.35, body_y - body_h * 0.05)
        tip = (cx + body_l * 1.8, body_y - body_h * 0.6)
        _capsule(draw, tail_base, mid, s * 0.46, tail)
        _capsule(draw, mid, tip, s * 0.5, tail)
        _ellipse(draw, tip[0], tip[1] - s * 0.04, s * 0.3, s * 0.32, _rgba(pet.markings if kind == "fox" else dark))
        tip = (tip[0] + s * 0.2, tip[1])
    elif kind == "rabbit":  # a round cotton tail
        tip = (cx + body_l * 0.98, body_y - body_h * 0.2)
        _ellipse(draw, tip[0], tip[1], s * 0.34, s * 0.34, _rgba(pet.markings))
    elif kind in ("bear", "panda"):  # a short tail
        tip = (cx + body_l * 0.97, body_y - body_h * 0.2)
        _ellipse(draw, tip[0], tip[1], s * 0.2, s * 0.2, tail)
    elif kind == "hamster":  # no tail to speak of
        tip = (cx + body_l, body_y)
    else:
        tail_base = (cx + body_l * 0.95, body_y - body_h * 0.15)
        tip = (cx + body_l * 1.35, body_y - body_h * (1.2 if not cat else 1.5))
        _capsule(draw, tail_base, tip, s * (0.22 if not cat else 0.2), tail)
    _ellipse(draw, cx, body_y, body_l, body_h * 0.55, _rgba(fur))
    draw.chord((cx - body_l, body_y - body_h * 0.55, cx + body_l, body_y + body_h * 0.55), 0, 180,
               fill=_rgba(shade(fur, -0.08)))  # fmt: skip
    if panda:  # the black band over the shoulders
        _ellipse(draw, cx - body_l * 0.5, body_y - body_h * 0.02, body_l * 0.3, body_h * 0.56, _rgba(pet.markings))
    if look.pattern in ("chest", "mask", "points"):
        _ellipse(
            draw,
            cx - body_l * 0.55,
            body_y + body_h * 0.15,
            body_l * 0.38,
            body_h * 0.38,
            _rgba(pet.markings if look.pattern != "points" else fur),
        )
    if look.pattern == "saddle":
        draw.chord((cx - body_l * 0.7, body_y - body_h * 0.55, cx + body_l * 0.8, body_y + body_h * 0.3), 180, 360,
                   fill=_rgba(pet.markings))  # fmt: skip
    if look.pattern == "spots":
        for fx, fy in ((-0.4, -0.1), (0.1, 0.1), (0.5, -0.2), (0.25, -0.3), (-0.1, -0.3)):
            _ellipse(draw, cx + fx * body_l, body_y + fy * body_h, s * 0.1, s * 0.1, _rgba(pet.markings))
    if look.pattern == "stripes":
        for fx in (-0.3, 0.0, 0.3, 0.6):
            draw.line([(cx + fx * body_l, body_y - body_h * 0.5), (cx + fx * body_l - s * 0.1, body_y)],
                      fill=_rgba(dark), width=max(1, round(0.1 * s)))  # fmt: skip
    if look.pattern == "patches":
        _ellipse(
            draw, cx + body_l * 0.3, body_y - body_h * 0.1, body_l * 0.3, body_h * 0.3, _rgba(pet.markings)
        )
    paw = pet.markings if look.pattern in ("points", "chest") and _is_pet(look) else limb
    if kind == "hamster":
        paw = mix(fur, (240, 165, 170), 0.6)
    for dx, swing in ((-0.45, 0.2), (0.75, -0.2)):
        x = cx + dx * body_l
        _capsule(draw, (x, body_y), (x + swing * s, ground - s * 0.1), leg_w, _rgba(shade(limb, -0.02)))
        _ellipse(draw, x + swing * s - s * 0.06, ground - s * 0.08, leg_w * 0.72, s * 0.1, _rgba(paw))
    # Neck and head at the front, turned to camera.
    head_r = s * (0.64 if not look.young else 0.72) * (1.1 if look.build in ("chunky", "round") else 1.0)
    hx, hy = cx - body_l * 0.95, body_y - body_h * (0.85 if look.build != "round" else 0.55)
    _capsule(draw, (cx - body_l * 0.6, body_y - body_h * 0.1), (hx, hy + head_r * 0.3), s * 0.6, _rgba(fur))
    if _is_pet(look):
        draw.rounded_rectangle((hx - head_r * 0.5, hy + head_r * 0.8, hx + head_r * 0.5, hy + head_r * 0.95),
                               radius=s * 0.05, fill=_rgba(pet.collar))  # fmt: skip
    else:
        _neckerchief(draw, pet, hx, hy + head_r * 0.86, head_r * 0.6, s * 0.5)
    top = _animal_head(draw, pet, hx, hy, head_r, s)
    return (round(hx - head_r * 1.3), round(top), round(max(tip[0], cx + body_l) + s * 0.2), round(ground))


# ── products ────────────────────────────────────────────────────────────────────────────


_BISCUIT = ((196, 132, 72), (214, 156, 94), (176, 112, 60))


def _bone(draw: ImageDraw.ImageDraw, cx: float, cy: float, length: float, angle: float, colour: RGB) -> None:
    """A bone-shaped biscuit: a bar with two round knobs at each end, turned by ``angle``."""
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    thick = length * 0.26
    draw.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=_rgba(colour), width=max(1, round(thick)))
    knob = thick * 0.62
    nx, ny = -math.sin(angle) * knob * 0.7, math.cos(angle) * knob * 0.7
    for ex, ey in ((cx - dx, cy - dy), (cx + dx, cy + dy)):
        for sx, sy in ((nx, ny), (-nx, -ny)):
            _ellipse(draw, ex + sx, ey + sy, knob, knob, _rgba(colour))


def _bone_pile(draw: ImageDraw.ImageDraw, cx: float, rim: float, bw: float, ph: float) -> None:
    """Dog treats heaped above the bowl's rim, back row first."""
    spots = ((-0.28, -0.16, 0.5), (0.04, -0.24, -0.35), (0.3, -0.14, 0.2), (-0.12, -0.06, -0.15), (0.18, -0.04, 0.6))
    for k, (fx, fy, angle) in enumerate(spots):
        _bone(draw, cx + fx * bw, rim + fy * ph, bw * 0.34, angle, _BISCUIT[k % len(_BISCUIT)])


def _kibble_pile(draw: ImageDraw.ImageDraw, cx: float, rim: float, bw: float, ph: float) -> None:
    """Kibble: a mound of small rounded pieces in two browns."""
    _ellipse(draw, cx, rim - 0.04 * ph, bw * 0.42, 0.16 * ph, _rgba((150, 96, 52)))
    for k in range(14):
        fx = ((k * 37) % 13) / 12 - 0.5
        fy = ((k * 11) % 5) / 4
        _ellipse(
            draw,
            cx + fx * bw * 0.7,
            rim - 0.04 * ph - fy * 0.14 * ph,
            bw * 0.055,
            bw * 0.045,
            _rgba(_BISCUIT[k % len(_BISCUIT)]),
        )


def draw_product(
    draw: ImageDraw.ImageDraw,
    entity: Entity,
    brand: str,
    cx: float,
    bottom: float,
    ph: float,
    font_name: str | None,
) -> Box:
    """The product by category, ``ph`` tall, standing on ``bottom``. Returns its box."""
    c = {k: hex_rgb(v) for k, v in entity.colors.items()}
    body, label, cap = (
        c.get("body", (40, 60, 90)),
        c.get("label", (250, 245, 235)),
        c.get("cap", (240, 180, 70)),
    )
    category = entity.category or "generic"
    top = bottom - ph
    ink = (30, 30, 36) if luminance(label) > 0.5 else (250, 250, 250)
    if category == "bottle":
        bw = 0.46 * ph
        x0, x1 = cx - bw / 2, cx + bw / 2
        body_top = top + 0.34 * ph
        draw.rounded_rectangle((x0, body_top, x1, bottom), radius=bw * 0.18, fill=_rgba(body))
        draw.rounded_rectangle(
            (cx - bw * 0.24, top + 0.25 * ph, cx + bw * 0.24, body_top + bw * 0.1),
            radius=bw * 0.05,
            fill=_rgba(shade(body, -0.15)),
        )
        draw.rounded_rectangle(
            (cx - bw * 0.28, top + 0.17 * ph, cx + bw * 0.28, top + 0.27 * ph),
            radius=bw * 0.05,
            fill=_rgba(cap),
        )
        draw.rounded_rectangle(
            (cx - bw * 0.17, top, cx + bw * 0.17, top + 0.19 * ph),
            radius=bw * 0.17,
            fill=_rgba(shade(body, -0.35)),
        )
        ly0, ly1 = body_top + 0.18 * ph, bottom - 0.12 * ph
        draw.rectangle((x0 + bw * 0.1, ly0, x1 - bw * 0.1, ly1), fill=_rgba(label))
        _label_text(draw, brand, entity.name, (x0 + bw * 0.14, ly0, x1 - bw * 0.14, ly1), ink, cap, font_name)
        draw.rounded_rectangle(
            (x0 + bw * 0.06, body_top + 0.04 * ph, x0 + bw * 0.16, bottom - 0.05 * ph),
            radius=bw * 0.05,
            fill=_rgba(mix(body, (255, 255, 255), 0.25)),
        )
        return round(x0), round(top), round(x1), round(bottom)
    if category == "can":
        bw = 0.5 * ph
        x0, x1 = cx - bw / 2, cx + bw / 2
        e = bw * 0.14
        draw.rectangle((x0, top + e, x1, bottom - e), fill=_rgba(body))
        _ellipse(draw, cx, bottom - e, bw / 2, e, _rgba(shade(body, -0.25)))
        _ellipse(draw, cx, top + e, bw / 2, e, _rgba((200, 204, 210)))
        _ellipse(draw, cx, top + e, bw * 0.4, e * 0.7, _rgba((170, 174, 182)))
        draw.rectangle((x0, top + 0.35 * ph, x1, bottom - 0.22 * ph), fill=_rgba(label))
        _label_text(
            draw,
            brand,
            entity.name,
            (x0 + bw * 0.08, top + 0.35 * ph, x1 - bw * 0.08, bottom - 0.22 * ph),
            ink,
            cap,
            font_name,
        )
        draw.rectangle(
            (x0 + bw * 0.08, top + e, x0 + bw * 0.18, bottom - e),
            fill=_rgba(mix(body, (255, 255, 255), 0.22)),
        )
        draw.rectangle((x0, bottom - 0.2 * ph, x1, bottom - 0.16 * ph), fill=_rgba(cap))
        return round(x0), round(top), round(x1), round(bottom)
    if category == "phone":
        bw = 0.5 * ph
        x0, x1 = cx - bw / 2, cx + bw / 2
        draw.rounded_rectangle((x0, top, x1, bottom), radius=bw * 0.14, fill=_rgba((28, 30, 36)))
        sx0, sy0, sx1, sy1 = x0 + bw * 0.05, top + bw * 0.05, x1 - bw * 0.05, bottom - bw * 0.05
        draw.rounded_rectangle((sx0, sy0, sx1, sy1), radius=bw * 0.1, fill=_rgba(label))
        draw.rounded_rectangle((sx0, sy0, sx1, sy0 + ph * 0.2), radius=bw * 0.1, fill=_rgba(body))
        draw.rounded_rectangle(
            (cx - bw * 0.15, sy0 + bw * 0.03, cx + bw * 0.15, sy0 + bw * 0.09),
            radius=bw * 0.03,
            fill=_rgba((28, 30, 36)),
        )
        _label_text(
            draw,
            brand,
            "",
            (sx0 + bw * 0.08, sy0 + ph * 0.06, sx1 - bw * 0.08, sy0 + ph * 0.18),
            (255, 255, 255) if luminance(body) < 0.55 else (30, 30, 36),
            cap,
            font_name,
        )
        for k in range(3):
            cy0 = sy0 + ph * (0.25 + 0.16 * k)
            draw.rounded_rectangle(
                (sx0 + bw * 0.07, cy0, sx1 - bw * 0.07, cy0 + ph * 0.12),
                radius=bw * 0.04,
                fill=_rgba(mix(label, body, 0.12)),
            )
            _ellipse(
                draw,
                sx0 + bw * 0.2,
                cy0 + ph * 0.06,
                bw * 0.07,
                bw * 0.07,
                _rgba(cap if k == 0 else mix(body, label, 0.5)),
            )
            draw.rounded_rectangle(
                (sx0 + bw * 0.33, cy0 + ph * 0.035, sx1 - bw * 0.15, cy0 + ph * 0.055),
                radius=bw * 0.01,
                fill=_rgba(mix(body, label, 0.45)),
            )
        draw.rounded_rectangle(
            (sx0 + bw * 0.12, sy1 - ph * 0.1, sx1 - bw * 0.12, sy1 - ph * 0.035),
            radius=ph * 0.03,
            fill=_rgba(cap),
        )
        return round(x0), round(top), round(x1), round(bottom)
    if category == "shoe":
        sw = 1.6 * ph
        x0 = cx - sw / 2

        def at(fx: float, fy: float) -> tuple[float, float]:
            return x0 + sw * fx, bottom - ph * fy

        upper = [
            at(0.02, 0.16), at(0.03, 0.62), at(0.1, 0.74), at(0.24, 0.66), at(0.34, 0.88), at(0.44, 0.8),
            at(0.5, 0.62), at(0.72, 0.47), at(0.9, 0.38), at(0.98, 0.26), at(0.99, 0.16),
        ]  # fmt: skip
        draw.polygon(upper, fill=_rgba(body))
        _ellipse(draw, *at(0.9, 0.26), sw * 0.09, ph * 0.13, _rgba(body))
        draw.polygon(
            [at(0.03, 0.62), at(0.1, 0.74), at(0.24, 0.66), at(0.18, 0.56)], fill=_rgba(shade(body, -0.35))
        )
        draw.polygon(
            [at(0.3, 0.8), at(0.34, 0.88), at(0.44, 0.8), at(0.42, 0.66)], fill=_rgba(shade(body, 0.15))
        )
        swoosh = [at(0.12, 0.24), at(0.45, 0.5), at(0.85, 0.42), at(0.5, 0.34), at(0.2, 0.2)]
        draw.polygon(swoosh, fill=_rgba(cap))
        for k in range(4):
            p0 = at(0.42 + 0.07 * k, 0.72 - 0.07 * k)
            p1 = at(0.47 + 0.07 * k, 0.68 - 0.07 * k)
            draw.line([p0, p1], fill=_rgba(label), width=max(1, round(ph * 0.035)))
        draw.rounded_rectangle((*at(0.0, 0.2), *at(1.0, 0.0)), radius=ph * 0.08, fill=_rgba(label))
        draw.rectangle((*at(0.02, 0.08), *at(0.98, 0.04)), fill=_rgba(shade(label, -0.12)))
        return round(x0), round(bottom - 0.88 * ph), round(x0 + sw), round(bottom)
    if category == "food":
        bw = 1.3 * ph
        x0, x1 = cx - bw / 2, cx + bw / 2
        rim = bottom - 0.55 * ph
        words = f"{entity.name} {entity.look}".lower()
        if re.search(r"\b(?:dogs?|pupp(?:y|ies)|treats?|chews?|biscuits?)\b", words) and not re.search(
            r"\bhot ?dogs?\b", words
        ):
            _bone_pile(draw, cx, rim, bw, ph)
        elif re.search(r"\b(?:cats?|kittens?|kibble|pets?)\b", words):
            _kibble_pile(draw, cx, rim, bw, ph)
        else:
            for k, colour in enumerate(((226, 120, 70), (120, 170, 90), (240, 200, 90), (200, 80, 80))):
                _ellipse(
                    draw,
                    cx + (k - 1.5) * bw * 0.16,
                    rim - 0.12 * ph - (k % 2) * 0.08 * ph,
                    bw * 0.16,
                    0.2 * ph,
                    _rgba(colour),
                )
        draw.chord((x0, rim - 0.55 * ph, x1, bottom), 0, 180, fill=_rgba(body))
        _ellipse(draw, cx, rim, bw / 2, 0.06 * ph, _rgba(label))
        _label_text(
            draw,
            brand,
            "",
            (cx - bw * 0.25, rim + 0.12 * ph, cx + bw * 0.25, rim + 0.36 * ph),
            ink if luminance(body) > 0.5 else (250, 250, 250),
            cap,
            font_name,
        )
        return round(x0), round(rim - 0.4 * ph), round(x1), round(bottom)
    # box and generic: a carton in three-quarter view.
    bw = 0.62 * ph
    depth = bw * 0.28
    x0, x1 = cx - bw / 2 - depth / 2, cx + bw / 2 - depth / 2
    draw.polygon(
        [(x1, top + depth), (x1 + depth, top), (x1 + depth, bottom - depth), (x1, bottom)],
        fill=_rgba(shade(body, -0.3)),
    )
    draw.polygon(
        [(x0, top + depth), (x0 + depth, top), (x1 + depth, top), (x1, top + depth)],
        fill=_rgba(shade(body, 0.25)),
    )
    draw.rectangle((x0, top + depth, x1, bottom), fill=_rgba(body))
    draw.rectangle((x0, top + 0.42 * ph, x1, top + 0.72 * ph), fill=_rgba(label))
    _label_text(
        draw,
        brand,
        entity.name,
        (x0 + bw * 0.08, top + 0.42 * ph, x1 - bw * 0.08, top + 0.72 * ph),
        ink,
        cap,
        font_name,
    )
    draw.rectangle((x0, top + 0.78 * ph, x1, top + 0.81 * ph), fill=_rgba(cap))
    return round(x0), round(top), round(x1 + depth), round(bottom)


def _label_text(
    draw: ImageDraw.ImageDraw,
    brand: str,
    name: str,
    box: tuple[float, float, float, float],
    ink: RGB,
    accent: RGB,
    font_name: str | None,
) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if w < 10 or h < 8:
        return
    words = name.split()
    if words and words[0].lower() == brand.lower():
        words = words[1:]
    sub = " ".join(words).upper()
    brand_fit = fonts.fit_text(
        brand.upper(),
        font_name,
        int(w * 0.86),
        int(h * (0.5 if sub else 0.8)),
        max_size=int(h * 0.42),
        min_size=4,
        max_lines=1,
    )
    lines: list[tuple[fonts.FittedText, RGB]] = [(brand_fit, ink)]
    if sub:
        lines.append(
            (
                fonts.fit_text(
                    sub,
                    font_name,
                    int(w),
                    int(h * 0.3),
                    max_size=max(4, int(brand_fit.size * 0.42)),
                    min_size=3,
                    max_lines=2,
                    bold=False,
                ),
                ink,
            )
        )
    total = sum(f.height for f, _ in lines) + h * 0.06
    y = y0 + (h - total) / 2
    for k, (fit, colour) in enumerate(lines):
        for text in fit.lines:
            tw = fonts.text_width(fit.font, text)
            draw.text((x0 + (w - tw) / 2, y), text, font=fit.font, fill=_rgba(colour))
            y += fit.line_height
        if k == 0:
            draw.line(
                [(x0 + w * 0.35, y + h * 0.02), (x1 - w * 0.35, y + h * 0.02)],
                fill=_rgba(accent),
                width=max(1, round(h * 0.025)),
            )
            y += h * 0.06


# ── on-screen text ──────────────────────────────────────────────────────────────────────


@dataclass
class TextPlacement:
    """Where a panel's on-screen text goes: the fitted lines and the box they fill (with padding)."""

    fitted: fonts.FittedText
    box: Box
    align: str


def layout_text(
    text: str, size: tuple[int, int], *, font_name: str | None, side: str = "left"
) -> TextPlacement | None:
    """Fit on-screen text inside the safe area, wrapped and shrunk, never off frame.

    Tall and square frames put it at the top of the safe area (people are framed below it);
    wide frames put it in the lower third on ``side``, away from the subject.
    """
    text = " ".join(text.split())
    if not text:
        return None
    width, height = size
    left, top, right, bottom = safe_box(size)
    landscape = width > height
    area_w = (right - left) * (0.55 if landscape else 1.0)
    pad = max(2, round(min(width, height) * 0.028))
    max_size = round(min(width, height) * (0.075 if landscape else 0.08))
    area_h = (bottom - top) * (0.34 if landscape else 0.24)
    fitted = fonts.fit_text(
        text,
        font_name,
        int(area_w - 2 * pad),
        int(area_h - 2 * pad),
        max_size=max_size,
        min_size=max(6, max_size // 4),
        max_lines=3,
    )
    box_w, box_h = fitted.width + 2 * pad, fitted.height + 2 * pad
    x0: float
    if landscape:
        x0 = left if side == "left" else right - box_w
        y0 = bottom - box_h
        align = "left"
    else:
        x0 = (left + right - box_w) / 2
        y0 = top
        align = "center"
    box = (round(x0), round(y0), round(x0 + box_w), round(y0 + box_h))
    return TextPlacement(fitted=fitted, box=box, align=align)


def draw_text_layer(
    placement: TextPlacement | None, size: tuple[int, int], *, card: RGB, ink: RGB
) -> Image.Image:
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    if placement is None:
        return layer
    draw = ImageDraw.Draw(layer, "RGBA")
    x0, y0, x1, y1 = placement.box
    fit = placement.fitted
    radius = max(2, fit.size // 3)
    draw.rounded_rectangle((x0, y0, x1 - 1, y1 - 1), radius=radius, fill=_rgba(card, 226))
    pad = (x1 - x0 - fit.width) / 2
    y = y0 + (y1 - y0 - fit.height) / 2
    for line in fit.lines:
        tw = fonts.text_width(fit.font, line)
        x = x0 + pad if placement.align == "left" else x0 + (x1 - x0 - tw) / 2
        draw.text((x, y), line, font=fit.font, fill=_rgba(ink))
        y += fit.line_height
    return layer


def load_logo(path: str | None, box: tuple[int, int]) -> Image.Image | None:
    """The brand logo scaled into ``box`` (RGBA), or None when there is none or it cannot be read."""
    if not path or box[0] < 2 or box[1] < 2:
        return None
    try:
        with Image.open(Path(path).expanduser()) as source:
            logo = source.convert("RGBA")
    except (OSError, ValueError):
        return None
    scale = min(box[0] / logo.width, box[1] / logo.height)
    return logo.resize(
        (max(1, round(logo.width * scale)), max(1, round(logo.height * scale))), Image.Resampling.LANCZOS
    )


def end_card_layer(
    plan: Plan, size: tuple[int, int], mood: Mood, font_name: str | None
) -> tuple[Image.Image, list[Box]]:
    """Brand name, CTA button and URL for the storyboard's end card (video draws its own)."""
    width, height = size
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer, "RGBA")
    left, top, right, bottom = safe_box(size)
    landscape = width > height
    col_x0 = left + (right - left) * (0.5 if landscape else 0.0)
    col_w = (right - left) * (0.5 if landscape else 1.0)
    y = top + (bottom - top) * (0.3 if landscape else 0.63)
    on_brand = (255, 255, 255) if luminance(mood.brand) < 0.55 else (24, 24, 28)
    boxes: list[Box] = []
    unit = min(width, height)
    brand = plan.brief.brand.name or plan.bible.entities[0].name
    logo = load_logo(plan.brief.brand.logo, (int(col_w * 0.7), int(unit * 0.13)))
    if logo is not None:  # the brand's own mark stands in for the wordmark
        x = col_x0 + (col_w - logo.width) / 2
        layer.alpha_composite(logo, (round(x), round(y)))
        boxes.append((round(x), round(y), round(x) + logo.width, round(y) + logo.height))
        y += logo.height + unit * 0.04
    else:
        fit = fonts.fit_text(
            brand,
            font_name,
            int(col_w),
            int(unit * 0.14),
            max_size=round(unit * 0.1),
            min_size=6,
            max_lines=1,
        )
        x = col_x0 + (col_w - fit.width) / 2
        draw.text((x, y), fit.lines[0], font=fit.font, fill=_rgba(on_brand))
        boxes.append((round(x), round(y), round(x + fit.width), round(y + fit.height)))
        y += fit.height + unit * 0.04
    cta = fonts.fit_text(
        plan.cta.text,
        font_name,
        int(col_w * 0.8),
        int(unit * 0.07),
        max_size=round(unit * 0.055),
        min_size=6,
        max_lines=1,
    )
    pw, ph = cta.width + unit * 0.1, cta.height + unit * 0.045
    px = col_x0 + (col_w - pw) / 2
    button_ink = (24, 24, 28) if luminance(mood.accent) > 0.5 else (255, 255, 255)
    draw.rounded_rectangle((px, y, px + pw, y + ph), radius=ph / 2, fill=_rgba(mood.accent))
    draw.text(
        (px + (pw - cta.width) / 2, y + (ph - cta.height) / 2),
        cta.lines[0],
        font=cta.font,
        fill=_rgba(button_ink),
    )
    boxes.append((round(px), round(y), round(px + pw), round(y + ph)))
    y += ph + unit * 0.03
    if plan.cta.url:
        url = fonts.fit_text(
            plan.cta.url,
            font_name,
            int(col_w),
            int(unit * 0.05),
            max_size=round(unit * 0.038),
            min_size=5,
            max_lines=1,
            bold=False,
        )
        x = col_x0 + (col_w - url.width) / 2
        draw.text((x, y), url.lines[0], font=url.font, fill=_rgba(mix(on_brand, mood.brand, 0.2)))
        boxes.append((round(x), round(y), round(x + url.width), round(y + url.height)))
    return layer, boxes


# ── the backend ─────────────────────────────────────────────────────────────────────────


def _product_height(shot_size: str, width: int, height: int) -> float:
    """The product's height as a fraction of the frame: bigger in wide frames, kept narrow in tall ones."""
    fraction = _PRODUCT_HEIGHT[shot_size]
    if width > height:
        return min(0.66, fraction * 1.25)
    return min(fraction, 0.95 * width / height, 0.42)


def _composition(shot: Shot, landscape: bool) -> float:
    """Where the main subject sits across the frame (0..1), varied by the shot's wording."""
    key = consistency.stable_seed("composition", shot.description, shot.camera_move)
    if landscape:
        return (0.36, 0.64, 0.5)[key % 3]
    return (0.5, 0.44, 0.56)[key % 3]


class AnimaticImageBackend:
    """Illustrated panels; deterministic, CPU only, fast enough to draw a storyboard in seconds."""

    #: Bump when the drawings change, so storyboards cached by an older release are redrawn.
    version = "4"

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt:
        width, height = int(size[0]), int(size[1])
        size = (width, height)
        rng = consistency.rng("panel", seed, plan.bible.base_seed, shot.index, shot.description)
        mood = mood_for(plan)
        place = place_of(shot)
        font_name = plan.brief.brand.font
        landscape = width > height
        across = _composition(shot, landscape)
        kinds = [plan.bible.entity(i).kind for i in shot.entities]
        focus = None
        if "product" in kinds and "character" not in kinds and not shot.is_end_card:
            ph = _product_height(shot.shot_size, width, height)
            focus = (across, (0.74 if landscape else 0.76) - ph * 0.55)
        background = _backdrop(place, mood, size, shot, rng, focus)

        ss = 3 if max(size) <= 720 else 2
        # Premultiplied ("RGBa"): PIL reduces it without converting twice at supersampled size.
        # Opaque fills are the same either way; translucent ones are premultiplied by hand.
        canvas = Image.new("RGBa", (width * ss, height * ss), (0, 0, 0, 0))
        draw = ImageDraw.Draw(canvas)
        W, H = width * ss, height * ss
        people = [e for e in (plan.bible.entity(i) for i in shot.entities) if e.kind == "character"]
        products = [e for e in (plan.bible.entity(i) for i in shot.entities) if e.kind == "product"]
        brand = plan.brief.brand.name or (products[0].name if products else plan.title)
        subject: Box | None = None

        if shot.is_end_card:
            ph = H * (0.28 if not landscape else 0.5)
            cx = W * (0.5 if not landscape else 0.3)
            bottom = H * (0.47 if not landscape else 0.74)
            if products:
                self._shadow(draw, cx, bottom, ph * 0.45, ph * 0.05)
                subject = draw_product(draw, products[0], brand, cx, bottom, ph, font_name)
        elif people and all(consistency.species_of(e.look) for e in people):
            subject = self._animals(draw, plan, shot, people, products, brand, font_name, (W, H), across)
        elif people:
            visible = _VISIBLE_HEADS[shot.shot_size]
            # Tall frames are limited by their width: the crop point then sits at the frame's
            # bottom and the space above becomes headroom, as a phone camera frames people.
            # Tall and square frames keep a top band clear of faces for the on-screen text.
            room = 0.0 if landscape else 0.22
            u = min(H * (1 - room) / visible, W / _VISIBLE_WIDTH[shot.shot_size])
            if shot.shot_size in ("extreme_wide", "wide"):
                ground = H * (0.88 if shot.shot_size == "wide" else 0.8)
                u = min(u, (ground - H * (room + 0.02)) / 6.4)
                top = ground - 6.4 * u
            else:
                top = max(H * (0.06 + room), H - (visible - 0.1) * u)
            pose, face = _pose(shot, bool(products))
            xs = (
                [across]
                if len(people) == 1
                else ([across - 0.16, across + 0.16] if not landscape else [across - 0.12, across + 0.12])
            )
            boxes = []
            for k, entity in enumerate(people[:2]):
                scale = 1.0 if k == 0 else 0.94
                cx = W * xs[k]
                pet = animal_for(plan, entity, pose="sit", face=face)
                if pet is not None:  # a person with their dog: the dog sits at their feet
                    boxes.append(draw_animal(draw, pet, cx, top + 6.4 * u, u * 0.95))
                    continue
                fig = figure_for(plan, entity, pose=pose if k == 0 else "relaxed", face=face)
                if shot.shot_size in ("extreme_wide", "wide"):
                    self._shadow(draw, cx, top + 6.4 * u, 0.9 * u * scale, 0.14 * u)
                hand = draw_figure(draw, fig, cx, top + (1 - scale) * u * 2, u * scale)
                # The camera moves about the face in closer shots, the whole figure in wide ones.
                reach = 6.5 if shot.shot_size in ("extreme_wide", "wide") else 1.9
                boxes.append(
                    (int(cx - 0.8 * u), int(top - 0.1 * u), int(cx + 0.8 * u), int(min(H, top + reach * u)))
                )
                if k == 0 and products and pose == "hold":
                    ph = u * (0.95 if products[0].category not in ("shoe", "food") else 0.6)
                    box = draw_product(draw, products[0], brand, hand[0], hand[1] + 0.08 * u, ph, font_name)
                    _ellipse(draw, hand[0], hand[1] + 0.02 * u, 0.12 * u, 0.1 * u, _rgba(fig.skin))
                    boxes.append(box)
            x0 = min(b[0] for b in boxes)
            y0 = min(b[1] for b in boxes)
            x1 = max(b[2] for b in boxes)
            y1 = max(b[3] for b in boxes)
            subject = (round(x0), round(y0), round(x1), round(y1))
            if products and pose != "hold":  # the product on a side surface, in frame
                ph = min(H * 0.22, u * 1.1)
                px = (
                    W * (across + (0.3 if across < 0.5 else -0.3))
                    if landscape
                    else W * (0.8 if across <= 0.5 else 0.2)
                )
                draw_product(draw, products[0], brand, px, H * 0.93, ph, font_name)
        elif products:
            ph = H * _product_height(shot.shot_size, width, height)
            cx = W * across
            bottom = H * (0.76 if not landscape else 0.74)
            self._plinth(draw, cx, bottom, ph * 0.62, mood)
            self._shadow(draw, cx, bottom, ph * 0.32, ph * 0.04)
            subject = draw_product(draw, products[0], brand, cx, bottom, ph, font_name)
            # Light glints around the reveal.
            for _ in range(5):
                gx = cx + float(rng.uniform(-0.6, 0.6)) * ph
                gy = bottom - float(rng.uniform(0.2, 1.1)) * ph
                r = ph * float(rng.uniform(0.01, 0.025))
                glint = mix(mix(mood.accent, (255, 255, 255), 0.6), (0, 0, 0), 1 - 180 / 255)
                _ellipse(draw, gx, gy, r, r, _rgba(glint, 180))

        foreground = canvas.reduce(ss).convert("RGBA")
        foreground = _tint(foreground, mood.ambient)
        if subject is not None:
            subject = _clip_box(tuple(v // ss for v in subject), size)  # type: ignore[arg-type]
        named = consistency.roles(plan.bible.palette)
        card = named["dark"]
        ink = (255, 255, 255) if luminance(card) < 0.5 else (20, 20, 24)
        text_boxes: list[Box] = []
        if shot.is_end_card:
            text_layer, text_boxes = end_card_layer(plan, size, mood, font_name)
        else:
            side = "right" if subject is not None and (subject[0] + subject[2]) / 2 < width * 0.45 else "left"
            placement = layout_text(shot.on_screen_text, size, font_name=font_name, side=side)
            text_layer = draw_text_layer(placement, size, card=card, ink=ink)
            if placement is not None:
                text_boxes = [placement.box]
        return PanelArt(
            background=background,
            foreground=foreground if foreground.getbbox() else None,
            subject=subject or (width // 4, height // 4, 3 * width // 4, 3 * height // 4),
            extras={"text_layer": text_layer, "text_boxes": text_boxes, "place": place},
        )

    def cast(self, plan: Plan, entity: Entity, *, size: tuple[int, int], seed: int) -> dict[str, Image.Image]:
        """The entity's reference drawing: a front view (people, animals) or a packshot (products)."""
        view = "packshot" if entity.kind == "product" else "front"
        return {view: draw_cast_view(plan, entity, size)}

    def _animals(
        self,
        draw: ImageDraw.ImageDraw,
        plan: Plan,
        shot: Shot,
        pets: list[Entity],
        products: list[Entity],
        brand: str,
        font_name: str | None,
        canvas: tuple[int, int],
        across: float,
    ) -> Box:
        """One or two dogs or cats framed by shot size, the product set down beside them."""
        W, H = canvas
        landscape = W > H
        room = 0.0 if landscape else 0.2
        pose, face = _pose(shot, bool(products))
        standing = pose == "walk"
        fill = _ANIMAL_FILL[shot.shot_size]
        # The whole animal (plus its tail, or its length when standing) fits across the frame.
        span = (4.4 if standing else 3.6) + (2.4 if products else 0.0) + (2.6 if len(pets) > 1 else 0.0)
        s = min(H * fill * (1.25 if standing else 1.0) / ANIMAL_SIT_H, W * (0.94 if fill < 1 else 1.3) / span)
        if fill <= 1.0:
            ground = H * (0.9 if shot.shot_size in ("medium", "medium_close") else 0.86)
            ground = max(ground, H * (room + 0.04) + ANIMAL_SIT_H * s)
        else:  # closer: the head stays below the text band, the body runs out of frame
            ground = H * (room + 0.06) + ANIMAL_SIT_H * s
        side = -1 if across > 0.5 else 1  # the product goes on the open side
        cx = W * across - side * (s * 1.0 if products else 0.0)
        boxes: list[Box] = []
        for k, entity in enumerate(pets[:2]):
            pet = animal_for(plan, entity, pose=pose if k == 0 else "sit", face=face)
            if pet is None:
                continue
            x = cx if k == 0 else cx - side * s * 2.6
            if ground <= H * 1.02:
                self._shadow(draw, x, ground, s * (2.0 if pet.pose == "stand" else 1.3), s * 0.16)
            boxes.append(draw_animal(draw, pet, x, ground, s * (1.0 if k == 0 else 0.9)))
        if products:
            ph = min(s * 1.9, H * 0.42)
            px = cx + side * s * (3.0 if standing else 2.1)
            bottom = min(ground, H * 0.97)
            self._shadow(draw, px, bottom, ph * 0.32, ph * 0.04)
            boxes.append(draw_product(draw, products[0], brand, px, bottom, ph, font_name))
        # The camera moves about the head in close shots, the whole animal in wider ones.
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        x1 = max(b[2] for b in boxes)
        y1 = max(b[3] for b in boxes)
        if fill > 1.0:
            y1 = min(y1, round(y0 + s * 2.4))
        return x0, y0, x1, min(round(H), y1)

    @staticmethod
    def _shadow(draw: ImageDraw.ImageDraw, cx: float, y: float, rx: float, ry: float) -> None:
        for k in range(4):
            f = 1 - k * 0.2
            _ellipse(draw, cx, y, rx * f * 1.1, ry * f, (0, 0, 0, 22))

    @staticmethod
    def _plinth(draw: ImageDraw.ImageDraw, cx: float, top: float, radius: float, mood: Mood) -> None:
        stone = (
            mix(mood.light, mood.brand, 0.12) if not mood.night else mix(mood.light, mood.sky_bottom, 0.55)
        )
        ry = radius * 0.2
        draw.rectangle((cx - radius, top, cx + radius, top + radius * 2.2), fill=_rgba(shade(stone, -0.12)))
        draw.rectangle(
            (cx + radius * 0.35, top, cx + radius, top + radius * 2.2), fill=_rgba(shade(stone, -0.22))
        )
        _ellipse(draw, cx, top, radius, ry, _rgba(shade(stone, 0.1)))


def draw_cast_view(plan: Plan, entity: Entity, size: tuple[int, int]) -> Image.Image:
    """One entity alone on a plain, light background in neutral light: its reference picture."""
    width, height = int(size[0]), int(size[1])
    ss = 3 if max(width, height) <= 720 else 2
    W, H = width * ss, height * ss
    paper = mix(consistency.roles(plan.bible.palette)["light"], (238, 238, 236), 0.7)
    canvas = Image.new("RGBa", (W, H), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    ground = H * 0.92
    if entity.kind == "product":
        ph = H * 0.62
        AnimaticImageBackend._shadow(draw, W / 2, ground, ph * 0.3, ph * 0.035)
        brand = plan.brief.brand.name or entity.name
        draw_product(draw, entity, brand, W / 2, ground, ph, plan.brief.brand.font)
    else:
        pet = animal_for(plan, entity, pose="sit", face="smile")
        if pet is not None:
            draw_animal(draw, pet, W / 2, ground, min(W, H) * 0.34)
        else:
            u = min(H * 0.86 / 6.4, W / 3.2)
            top = ground - 6.4 * u
            AnimaticImageBackend._shadow(draw, W / 2, ground, 0.9 * u, 0.14 * u)
            draw_figure(draw, figure_for(plan, entity, pose="relaxed", face="smile"), W / 2, top, u)
    out = Image.new("RGBA", size, paper + (255,))
    out.alpha_composite(canvas.reduce(ss).convert("RGBA"))
    return out.convert("RGB")


def _pose(shot: Shot, with_product: bool) -> tuple[str, str]:
    if shot.role == "problem":
        return "worried", "flat"
    if shot.role == "hook" and shot.shot_size in ("extreme_wide", "wide"):
        return "walk", "smile"
    if with_product and shot.role in ("benefit", "proof", "offer"):
        return "hold", "smile"
    if shot.role == "proof":
        return "relaxed", "laugh"
    return "relaxed", "smile"


def _tint(layer: Image.Image, ambient: tuple[float, float, float]) -> Image.Image:
    """Colour the people and product by the scene's light (a per-channel lookup table: fast)."""
    if all(abs(a - 1.0) < 1e-3 for a in ambient):
        return layer
    table: list[int] = []
    for gain in (*ambient, 1.0):
        table.extend(min(255, round(v * gain)) for v in range(256))
    return layer.point(table)


def _clip_box(box: tuple[int, int, int, int], size: tuple[int, int]) -> Box:
    x0, y0, x1, y1 = box
    w, h = size
    x0, x1 = max(0, min(w - 1, x0)), max(1, min(w, x1))
    y0, y1 = max(0, min(h - 1, y0)), max(1, min(h, y1))
    return x0, y0, max(x0 + 1, x1), max(y0 + 1, y1)


def flatten_with_text(art: PanelArt) -> Image.Image:
    """The panel as a storyboard shows it: set, people and product, then on-screen text."""
    out = art.flatten().convert("RGBA")
    layer = art.extras.get("text_layer")
    if isinstance(layer, Image.Image) and layer.size == out.size:
        out.alpha_composite(layer.convert("RGBA"))
    return out.convert("RGB")


@images.register("animatic")
def _animatic(**options: Any) -> AnimaticImageBackend:
    return AnimaticImageBackend()
