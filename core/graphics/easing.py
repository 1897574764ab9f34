"""Easing curves and premultiplied layer blending, shared by the camera moves and the compositor."""

from __future__ import annotations

import cv2
import numpy as np


def ease_in_out(p: float) -> float:
    """Smoothstep-like cubic: a camera operator starts and stops gently."""
    p = min(1.0, max(0.0, p))
    return p * p * (3.0 - 2.0 * p)


def ease_out(p: float) -> float:
    p = min(1.0, max(0.0, p))
    return 1.0 - (1.0 - p) ** 3


def over(frame: np.ndarray, layer: np.ndarray, x: int, y: int) -> None:
    """Premultiplied RGBA ``layer`` over the RGBA ``frame`` at (x, y), in place (clipped)."""
    height, width = frame.shape[:2]
    lh, lw = layer.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + lw), min(height, y + lh)
    if x1 <= x0 or y1 <= y0:
        return
    piece = layer[y0 - y : y1 - y, x0 - x : x1 - x]
    keep = cv2.cvtColor(255 - np.ascontiguousarray(piece[:, :, 3]), cv2.COLOR_GRAY2RGBA)
    region = frame[y0:y1, x0:x1]
    frame[y0:y1, x0:x1] = cv2.add(cv2.multiply(region, keep, scale=1 / 255), piece)
