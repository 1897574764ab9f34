"""Products drawn by category in their fixed colours, with the brand on the label."""

from __future__ import annotations

import math
import re

from PIL import ImageDraw

from cutroom.core.backends.animatic.paint import Box, _ellipse
from cutroom.core.graphics import fonts
from cutroom.core.graphics.colour import RGB, hex_rgb, luminance, mix, rgba, shade
from cutroom.core.models import Entity

_BISCUIT = ((196, 132, 72), (214, 156, 94), (176, 112, 60))


def _bone(draw: ImageDraw.ImageDraw, cx: float, cy: float, length: float, angle: float, colour: RGB) -> None:
    """A bone-shaped biscuit: a bar with two round knobs at each end, turned by ``angle``."""
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    thick = length * 0.26
    draw.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=rgba(colour), width=max(1, round(thick)))
    knob = thick * 0.62
    nx, ny = -math.sin(angle) * knob * 0.7, math.cos(angle) * knob * 0.7
    for ex, ey in ((cx - dx, cy - dy), (cx + dx, cy + dy)):
        for sx, sy in ((nx, ny), (-nx, -ny)):
            _ellipse(draw, ex + sx, ey + sy, knob, knob, rgba(colour))


def _bone_pile(draw: ImageDraw.ImageDraw, cx: float, rim: float, bw: float, ph: float) -> None:
    """Dog treats heaped above the bowl's rim, back row first."""
    spots = ((-0.28, -0.16, 0.5), (0.04, -0.24, -0.35), (0.3, -0.14, 0.2), (-0.12, -0.06, -0.15), (0.18, -0.04, 0.6))
    for k, (fx, fy, angle) in enumerate(spots):
        _bone(draw, cx + fx * bw, rim + fy * ph, bw * 0.34, angle, _BISCUIT[k % len(_BISCUIT)])


def _kibble_pile(draw: ImageDraw.ImageDraw, cx: float, rim: float, bw: float, ph: float) -> None:
    """Kibble: a mound of small rounded pieces in two browns."""
    _ellipse(draw, cx, rim - 0.04 * ph, bw * 0.42, 0.16 * ph, rgba((150, 96, 52)))
    for k in range(14):
        fx = ((k * 37) % 13) / 12 - 0.5
        fy = ((k * 11) % 5) / 4
        _ellipse(
            draw,
            cx + fx * bw * 0.7,
            rim - 0.04 * ph - fy * 0.14 * ph,
            bw * 0.055,
            bw * 0.045,
            rgba(_BISCUIT[k % len(_BISCUIT)]),
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
        draw.rounded_rectangle((x0, body_top, x1, bottom), radius=bw * 0.18, fill=rgba(body))
        draw.rounded_rectangle(
            (cx - bw * 0.24, top + 0.25 * ph, cx + bw * 0.24, body_top + bw * 0.1),
            radius=bw * 0.05,
            fill=rgba(shade(body, -0.15)),
        )
        draw.rounded_rectangle(
            (cx - bw * 0.28, top + 0.17 * ph, cx + bw * 0.28, top + 0.27 * ph),
            radius=bw * 0.05,
            fill=rgba(cap),
        )
        draw.rounded_rectangle(
            (cx - bw * 0.17, top, cx + bw * 0.17, top + 0.19 * ph),
            radius=bw * 0.17,
            fill=rgba(shade(body, -0.35)),
        )
        ly0, ly1 = body_top + 0.18 * ph, bottom - 0.12 * ph
        draw.rectangle((x0 + bw * 0.1, ly0, x1 - bw * 0.1, ly1), fill=rgba(label))
        _label_text(draw, brand, entity.name, (x0 + bw * 0.14, ly0, x1 - bw * 0.14, ly1), ink, cap, font_name)
        draw.rounded_rectangle(
            (x0 + bw * 0.06, body_top + 0.04 * ph, x0 + bw * 0.16, bottom - 0.05 * ph),
            radius=bw * 0.05,
            fill=rgba(mix(body, (255, 255, 255), 0.25)),
        )
        return round(x0), round(top), round(x1), round(bottom)
    if category == "can":
        bw = 0.5 * ph
        x0, x1 = cx - bw / 2, cx + bw / 2
        e = bw * 0.14
        draw.rectangle((x0, top + e, x1, bottom - e), fill=rgba(body))
        _ellipse(draw, cx, bottom - e, bw / 2, e, rgba(shade(body, -0.25)))
        _ellipse(draw, cx, top + e, bw / 2, e, rgba((200, 204, 210)))
        _ellipse(draw, cx, top + e, bw * 0.4, e * 0.7, rgba((170, 174, 182)))
        draw.rectangle((x0, top + 0.35 * ph, x1, bottom - 0.22 * ph), fill=rgba(label))
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
            fill=rgba(mix(body, (255, 255, 255), 0.22)),
        )
        draw.rectangle((x0, bottom - 0.2 * ph, x1, bottom - 0.16 * ph), fill=rgba(cap))
        return round(x0), round(top), round(x1), round(bottom)
    if category == "phone":
        bw = 0.5 * ph
        x0, x1 = cx - bw / 2, cx + bw / 2
        draw.rounded_rectangle((x0, top, x1, bottom), radius=bw * 0.14, fill=rgba((28, 30, 36)))
        sx0, sy0, sx1, sy1 = x0 + bw * 0.05, top + bw * 0.05, x1 - bw * 0.05, bottom - bw * 0.05
        draw.rounded_rectangle((sx0, sy0, sx1, sy1), radius=bw * 0.1, fill=rgba(label))
        draw.rounded_rectangle((sx0, sy0, sx1, sy0 + ph * 0.2), radius=bw * 0.1, fill=rgba(body))
        draw.rounded_rectangle(
            (cx - bw * 0.15, sy0 + bw * 0.03, cx + bw * 0.15, sy0 + bw * 0.09),
            radius=bw * 0.03,
            fill=rgba((28, 30, 36)),
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
                fill=rgba(mix(label, body, 0.12)),
            )
            _ellipse(
                draw,
                sx0 + bw * 0.2,
                cy0 + ph * 0.06,
                bw * 0.07,
                bw * 0.07,
                rgba(cap if k == 0 else mix(body, label, 0.5)),
            )
            draw.rounded_rectangle(
                (sx0 + bw * 0.33, cy0 + ph * 0.035, sx1 - bw * 0.15, cy0 + ph * 0.055),
                radius=bw * 0.01,
                fill=rgba(mix(body, label, 0.45)),
            )
        draw.rounded_rectangle(
            (sx0 + bw * 0.12, sy1 - ph * 0.1, sx1 - bw * 0.12, sy1 - ph * 0.035),
            radius=ph * 0.03,
            fill=rgba(cap),
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
        draw.polygon(upper, fill=rgba(body))
        _ellipse(draw, *at(0.9, 0.26), sw * 0.09, ph * 0.13, rgba(body))
        draw.polygon(
            [at(0.03, 0.62), at(0.1, 0.74), at(0.24, 0.66), at(0.18, 0.56)], fill=rgba(shade(body, -0.35))
        )
        draw.polygon(
            [at(0.3, 0.8), at(0.34, 0.88), at(0.44, 0.8), at(0.42, 0.66)], fill=rgba(shade(body, 0.15))
        )
        swoosh = [at(0.12, 0.24), at(0.45, 0.5), at(0.85, 0.42), at(0.5, 0.34), at(0.2, 0.2)]
        draw.polygon(swoosh, fill=rgba(cap))
        for k in range(4):
            p0 = at(0.42 + 0.07 * k, 0.72 - 0.07 * k)
            p1 = at(0.47 + 0.07 * k, 0.68 - 0.07 * k)
            draw.line([p0, p1], fill=rgba(label), width=max(1, round(ph * 0.035)))
        draw.rounded_rectangle((*at(0.0, 0.2), *at(1.0, 0.0)), radius=ph * 0.08, fill=rgba(label))
        draw.rectangle((*at(0.02, 0.08), *at(0.98, 0.04)), fill=rgba(shade(label, -0.12)))
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
                    rgba(colour),
                )
        draw.chord((x0, rim - 0.55 * ph, x1, bottom), 0, 180, fill=rgba(body))
        _ellipse(draw, cx, rim, bw / 2, 0.06 * ph, rgba(label))
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
        fill=rgba(shade(body, -0.3)),
    )
    draw.polygon(
        [(x0, top + depth), (x0 + depth, top), (x1 + depth, top), (x1, top + depth)],
        fill=rgba(shade(body, 0.25)),
    )
    draw.rectangle((x0, top + depth, x1, bottom), fill=rgba(body))
    draw.rectangle((x0, top + 0.42 * ph, x1, top + 0.72 * ph), fill=rgba(label))
    _label_text(
        draw,
        brand,
        entity.name,
        (x0 + bw * 0.08, top + 0.42 * ph, x1 - bw * 0.08, top + 0.72 * ph),
        ink,
        cap,
        font_name,
    )
    draw.rectangle((x0, top + 0.78 * ph, x1, top + 0.81 * ph), fill=rgba(cap))
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
            draw.text((x0 + (w - tw) / 2, y), text, font=fit.font, fill=rgba(colour))
            y += fit.line_height
        if k == 0:
            draw.line(
                [(x0 + w * 0.35, y + h * 0.02), (x1 - w * 0.35, y + h * 0.02)],
                fill=rgba(accent),
                width=max(1, round(h * 0.025)),
            )
            y += h * 0.06
