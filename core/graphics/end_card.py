"""The storyboard's end card: brand (or logo), CTA button and URL (the video draws its own)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from cutroom.core.graphics import fonts
from cutroom.core.graphics.colour import luminance, mix, rgba
from cutroom.core.graphics.logo import fit_logo
from cutroom.core.graphics.mood import Mood
from cutroom.core.graphics.safe_area import Box, safe_box
from cutroom.core.models import Plan


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
    logo = fit_logo(plan.brief.brand.logo, (int(col_w * 0.7), int(unit * 0.13)))
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
        draw.text((x, y), fit.lines[0], font=fit.font, fill=rgba(on_brand))
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
    draw.rounded_rectangle((px, y, px + pw, y + ph), radius=ph / 2, fill=rgba(mood.accent))
    draw.text(
        (px + (pw - cta.width) / 2, y + (ph - cta.height) / 2),
        cta.lines[0],
        font=cta.font,
        fill=rgba(button_ink),
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
        draw.text((x, y), url.lines[0], font=url.font, fill=rgba(mix(on_brand, mood.brand, 0.2)))
        boxes.append((round(x), round(y), round(x + url.width), round(y + url.height)))
    return layer, boxes
