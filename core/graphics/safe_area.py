"""Where text and logos may go: the part of the frame no platform button or caption bar covers."""

from __future__ import annotations

import math

Box = tuple[int, int, int, int]

#: (left, top, right, bottom) margins as fractions of the frame, where apps draw no buttons.
SAFE_MARGINS: dict[str, tuple[float, float, float, float]] = {
    "9:16": (0.07, 0.11, 0.14, 0.22),  # TikTok/Reels: right-hand buttons, caption bar below
    "4:5": (0.06, 0.08, 0.06, 0.12),
    "1:1": (0.07, 0.08, 0.07, 0.1),
    "16:9": (0.06, 0.09, 0.06, 0.1),
}
_OTHER_MARGINS = (0.08, 0.08, 0.08, 0.1)
_NAMED = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0, "4:5": 0.8}


def aspect_of(size: tuple[int, int]) -> str:
    """The nearest named aspect ratio for a pixel size."""
    width, height = size
    ratio = width / max(1, height)
    return min(_NAMED, key=lambda k: abs(math.log(ratio / _NAMED[k])))


def safe_box(size: tuple[int, int], aspect: str | None = None) -> Box:
    """The safe area in pixels; ``aspect`` defaults to the nearest named one for ``size``."""
    width, height = size
    left, top, right, bottom = SAFE_MARGINS.get(aspect or aspect_of(size), _OTHER_MARGINS)
    return round(width * left), round(height * top), round(width * (1 - right)), round(height * (1 - bottom))
