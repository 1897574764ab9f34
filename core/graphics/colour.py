"""Colour maths shared by every drawing, the compositor and the scores.

sRGB triples as ints (``RGB``), hex strings as the bible stores them, the palette's roles
(brand, dark, accent, light), and CIELAB with CIEDE2000 for distances that track what eyes see.
"""

from __future__ import annotations

import colorsys

import numpy as np

RGB = tuple[int, int, int]


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def rgb_hex(rgb: tuple[float, float, float]) -> str:
    r, g, b = (max(0, min(255, round(c))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def luminance(rgb: tuple[float, float, float]) -> float:
    """Relative luminance 0..1 (sRGB weights, no gamma: good enough to pick text colours)."""
    r, g, b = (c / 255 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def mix(a: tuple[float, float, float], b: tuple[float, float, float], t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def shade(rgb: tuple[float, float, float], amount: float) -> RGB:
    """Darker (amount < 0) or lighter (amount > 0), keeping the hue."""
    return mix(rgb, (0, 0, 0) if amount < 0 else (255, 255, 255), abs(amount))


def saturation(rgb: tuple[float, float, float]) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in rgb))[2]


def distance(a: RGB, b: RGB) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)


def roles(palette: list[str]) -> dict[str, RGB]:
    """Name the palette's colours by job: ``dark`` (ink, cards), ``accent`` (pops), ``light`` (paper)."""
    colours = [hex_rgb(c) for c in palette]
    by_light = sorted(colours, key=luminance)
    dark, light = by_light[0], by_light[-1]
    rest = [c for c in colours if c not in (dark, light)] or [colours[0]]
    accent = max(rest, key=saturation)
    if luminance(dark) > 0.35:
        dark = shade(dark, -0.55)
    if luminance(light) < 0.8:
        light = mix(light, (255, 255, 255), 0.75)
    return {"brand": colours[0], "dark": dark, "accent": accent, "light": light}


_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_D65 = np.array([0.95047, 1.0, 1.08883])

def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255, any shape ending in 3) to CIELAB under D65: distances there track what eyes see."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _SRGB_TO_XYZ.T / _D65
    eps = (6 / 29) ** 3
    f = np.where(xyz > eps, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1
    )


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray, *, k_l: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference between CIELAB arrays (broadcasting, last axis L*, a*, b*).

    The CIE's current formula: it corrects plain CIELAB distance where eyes disagree with it
    (blues, greys, saturated colours). ``k_l`` = 2 halves lightness, the textile convention.
    Follows Sharma, Wu and Dalal (2005), whose test pairs the tests check.
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    d_l = l2 - l1
    d_c = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    l_bar = (l1 + l2) / 2
    cp_bar = (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(h_bar - 30))
        + 0.24 * np.cos(np.radians(2 * h_bar))
        + 0.32 * np.cos(np.radians(3 * h_bar + 6))
        - 0.20 * np.cos(np.radians(4 * h_bar - 63))
    )
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_c = 2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    r_t = -np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))) * r_c
    return np.asarray(
        np.sqrt(
            (d_l / (k_l * s_l)) ** 2
            + (d_c / s_c) ** 2
            + (d_h / s_h) ** 2
            + r_t * (d_c / s_c) * (d_h / s_h)
        )
    )


def rgba(colour: RGB, alpha: int = 255) -> tuple[int, int, int, int]:
    return colour[0], colour[1], colour[2], alpha
