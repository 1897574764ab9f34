"""On-screen text on storyboard panels: fitted inside the safe area, on a card in the palette."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from cutroom.core.graphics import fonts
from cutroom.core.graphics.colour import RGB, rgba
from cutroom.core.graphics.safe_area import Box, safe_box


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
    draw.rounded_rectangle((x0, y0, x1 - 1, y1 - 1), radius=radius, fill=rgba(card, 226))
    pad = (x1 - x0 - fit.width) / 2
    y = y0 + (y1 - y0 - fit.height) / 2
    for line in fit.lines:
        tw = fonts.text_width(fit.font, line)
        x = x0 + pad if placement.align == "left" else x0 + (x1 - x0 - tw) / 2
        draw.text((x, y), line, font=fit.font, fill=rgba(ink))
        y += fit.line_height
    return layer
