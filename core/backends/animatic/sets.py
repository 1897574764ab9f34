"""The sets: a backdrop per place (city, office, home, park, cafe, studio sweep) in the shot's light."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from cutroom.core.backends.animatic.paint import _ellipse, _glow, _gradient, _vignette
from cutroom.core.graphics.colour import mix, rgba, shade
from cutroom.core.graphics.mood import Mood
from cutroom.core.models import Shot

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



#: Head heights visible from the frame's top to bottom, per shot size.
_VISIBLE_HEADS: dict[str, float] = {
    "extreme_wide": 15.0,
    "wide": 9.4,
    "medium": 3.7,
    "medium_close": 2.7,
    "close_up": 1.85,
    "extreme_close_up": 1.25,
}
_BACKDROP_MAX = 720


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
                outline=rgba(mood.accent, 46 - 12 * i),
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
        draw.rectangle((0, hy, w, h), fill=rgba(mix(mood.ground, (90, 90, 100), 0.35)))
        draw.rectangle((0, hy, w, hy + max(2, int(h * 0.012))), fill=rgba(shade(mood.ground, 0.25)))
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
                fill=rgba((255, 255, 255), 46),
            )
        for i in range(int(rng.integers(2, 4))):  # lamp posts
            x = w * (0.12 + 0.36 * i + rng.uniform(-0.04, 0.04))
            top = hy - h * 0.28
            draw.rectangle((x - u * 0.006, top, x + u * 0.006, hy), fill=rgba(shade(mood.dark, -0.1), 200))
            _ellipse(draw, x, top, u * 0.02, u * 0.012, rgba(mix(mood.glow, (255, 255, 255), 0.5), 220))
    elif place == "nature":
        for depth, (tone, amp) in enumerate(((0.55, 0.05), (0.35, 0.07), (0.15, 0.09))):
            green = mix(mix((120, 170, 110), mood.brand, 0.15), mood.sky_bottom, tone)
            base = hy + depth * h * 0.04
            phase = rng.uniform(0, math.tau)
            xs = np.linspace(0, w, 40)
            ys = base - amp * h * (0.6 + 0.4 * np.sin(xs / w * math.tau * (0.8 + depth * 0.4) + phase))
            draw.polygon([(0, h), *zip(xs.tolist(), ys.tolist(), strict=True), (w, h)], fill=rgba(green))
            if depth == 1:
                for _ in range(int(rng.integers(3, 6))):
                    tx = float(rng.uniform(0.05, 0.95)) * w
                    ty = base - amp * h * 0.9
                    r = u * float(rng.uniform(0.05, 0.09))
                    draw.rectangle(
                        (tx - r * 0.12, ty - r * 0.4, tx + r * 0.12, ty + r * 1.2),
                        fill=rgba(shade(green, -0.45)),
                    )
                    _ellipse(draw, tx, ty - r, r, r * 1.15, rgba(shade(green, -0.18)))
        path = mix(mood.ground, (230, 215, 190), 0.5)
        draw.polygon(
            [(w * 0.42, hy + h * 0.06), (w * 0.58, hy + h * 0.06), (w * 0.9, h), (w * 0.1, h)],
            fill=rgba(path, 170),
        )
    elif place == "studio":
        floor = mix(mood.sky_bottom, mood.ground, 0.5)
        draw.rectangle((0, hy, w, h), fill=rgba(floor, 110))
        _ellipse(draw, w / 2, hy, w * 0.75, h * 0.035, rgba(floor, 90))
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
            draw.rectangle((x, hy - bh, x + bw, hy), fill=rgba(colour))
            if layer == layers - 1:
                lit = mix(colour, mood.glow if mood.night else mood.sky_bottom, 0.45)
                step_x, step_y = bw / 4, max(3.0, h * 0.025)
                yy = hy - bh + step_y * 0.7
                while yy < hy - step_y:
                    for k in range(3):
                        if rng.uniform() < 0.7:
                            wx = x + step_x * (k + 0.5)
                            draw.rectangle(
                                (wx, yy, wx + step_x * 0.45, yy + step_y * 0.45), fill=rgba(lit, 200)
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
    draw.rectangle((0, hy, w, h), fill=rgba(floor))
    draw.rectangle((0, hy - max(2, int(h * 0.01)), w, hy), fill=rgba(shade(mood.wall, -0.12)))
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
    frame = rgba(mix(mood.light, (255, 255, 255), 0.5) if not mood.night else shade(mood.wall, -0.3))
    bar = max(2, u * 0.012)
    draw.rectangle((wx0 - bar, wy0 - bar, wx1 + bar, wy1 + bar), outline=frame, width=round(bar))
    draw.rectangle(((wx0 + wx1) / 2 - bar / 2, wy0, (wx0 + wx1) / 2 + bar / 2, wy1), fill=frame)
    draw.rectangle((wx0, (wy0 + wy1) / 2 - bar / 2, wx1, (wy0 + wy1) / 2 + bar / 2), fill=frame)
    # Light falling through the window onto the floor.
    draw.polygon(
        [(wx0, wy1), (wx1, wy1), (wx1 + w * 0.2, h), (wx0 + w * 0.05, h)],
        fill=rgba(mood.glow, 28 if not mood.night else 14),
    )
    other = w * (0.78 if side < 0.5 else 0.2)
    if place == "bathroom":
        tile = mix(mood.wall, (255, 255, 255), 0.35)
        step = u * 0.07
        y = hy - h * 0.2
        draw.rectangle((0, y, w, hy), fill=rgba(tile))
        xs = np.arange(0, w, step)
        for x in xs:
            draw.line([(x, y), (x, hy)], fill=rgba(shade(tile, -0.08)), width=1)
        for yy in np.arange(y, hy, step):
            draw.line([(0, yy), (w, yy)], fill=rgba(shade(tile, -0.08)), width=1)
        r = u * 0.16
        _ellipse(draw, other, h * 0.36, r * 1.08, r * 1.08, rgba(mood.accent))
        _ellipse(draw, other, h * 0.36, r, r, rgba(mix(mood.sky_bottom, (255, 255, 255), 0.4)))
    elif place == "kitchen":
        counter_y = hy - h * 0.12
        draw.rectangle((0, counter_y, w, hy + h * 0.05), fill=rgba(mix(mood.brand, mood.wall, 0.55)))
        draw.rectangle(
            (0, counter_y - h * 0.015, w, counter_y), fill=rgba(mix(mood.light, (255, 255, 255), 0.4))
        )
        for k in range(4):
            x = w * (0.05 + 0.24 * k)
            draw.rectangle(
                (x, counter_y + h * 0.02, x + w * 0.2, hy + h * 0.03),
                outline=rgba(shade(mood.brand, -0.2), 120),
                width=max(1, round(u * 0.004)),
            )
        _plant(draw, other, counter_y, u * 0.14, mood)
    elif place == "office":
        desk_y = hy - h * 0.05
        draw.rectangle((0, desk_y, w, desk_y + h * 0.03), fill=rgba(mix((120, 85, 60), mood.brand, 0.2)))
        lx = other
        draw.rectangle(
            (lx - u * 0.11, desk_y - u * 0.14, lx + u * 0.11, desk_y - u * 0.01), fill=rgba((60, 64, 72))
        )
        draw.rectangle(
            (lx - u * 0.1, desk_y - u * 0.13, lx + u * 0.1, desk_y - u * 0.02),
            fill=rgba(mix(mood.sky_bottom, mood.brand, 0.3)),
        )
        _plant(draw, w - other * 0.6 if side > 0.5 else w * 0.92, desk_y, u * 0.16, mood)
    elif place == "cafe":
        for k in range(3):
            x = w * (0.2 + 0.3 * k)
            draw.line(
                [(x, 0), (x, h * 0.14)], fill=rgba(shade(mood.dark, -0.2)), width=max(1, round(u * 0.004))
            )
            draw.pieslice(
                (x - u * 0.06, h * 0.12, x + u * 0.06, h * 0.12 + u * 0.09), 180, 360, fill=rgba(mood.accent)
            )
            _ellipse(draw, x, h * 0.12 + u * 0.045, u * 0.02, u * 0.012, rgba((255, 236, 190), 230))
        draw.rectangle(
            (0, hy - h * 0.02, w, hy + h * 0.015), fill=rgba(mix((130, 90, 60), mood.brand, 0.15))
        )
    else:  # living room
        sofa = mix(mood.brand, mood.wall, 0.35)
        sx0, sx1 = other - w * 0.22, other + w * 0.22
        sy = hy - h * 0.1
        draw.rounded_rectangle((sx0, sy, sx1, hy + h * 0.04), radius=u * 0.03, fill=rgba(sofa))
        draw.rounded_rectangle(
            (sx0 + w * 0.02, sy - h * 0.06, sx1 - w * 0.02, sy + h * 0.02),
            radius=u * 0.03,
            fill=rgba(shade(sofa, 0.1)),
        )
        draw.rectangle(
            (w * 0.5 - u * 0.09, h * 0.2, w * 0.5 + u * 0.09, h * 0.2 + u * 0.12),
            fill=rgba(mood.accent, 210),
        )
        _plant(draw, w * (0.93 if side < 0.5 else 0.07), hy + h * 0.02, u * 0.2, mood)


def _plant(draw: ImageDraw.ImageDraw, x: float, base: float, size: float, mood: Mood) -> None:
    leaf = mix((78, 130, 92), mood.brand, 0.12)
    pot = mix(mood.accent, (200, 120, 90), 0.4)
    for k, angle in enumerate((-0.9, -0.45, 0.0, 0.45, 0.9)):
        lx = x + math.sin(angle) * size * 0.45
        ly = base - size * 0.55 - math.cos(angle) * size * 0.45
        _ellipse(draw, lx, ly, size * 0.14, size * 0.3, rgba(shade(leaf, -0.1 * (k % 2))))
    draw.polygon(
        [
            (x - size * 0.22, base - size * 0.35),
            (x + size * 0.22, base - size * 0.35),
            (x + size * 0.16, base),
            (x - size * 0.16, base),
        ],
        fill=rgba(pot),
    )


# ── people ──────────────────────────────────────────────────────────────────────────────
