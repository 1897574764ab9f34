"""The bible's light turned into colours: what every set, card and end card is painted with."""

from __future__ import annotations

from dataclasses import dataclass

from cutroom.core.graphics.colour import RGB, mix, roles, shade
from cutroom.core.models import Plan


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
    named = roles(plan.bible.palette)
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
