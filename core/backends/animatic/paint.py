"""Brushes every drawing uses: gradients, glows, vignettes, soft shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import ImageDraw

from cutroom.core.graphics.colour import RGB

Box = tuple[int, int, int, int]
RGBA = tuple[int, int, int, int]


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
