"""People: the same stylised figure in every panel, its colours and hair fixed by the bible."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from PIL import ImageDraw

from cutroom.core import looks, seeds
from cutroom.core.backends.animatic.paint import _capsule, _ellipse
from cutroom.core.graphics.colour import RGB, hex_rgb, mix, rgba, shade
from cutroom.core.models import Entity, Plan


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
    seed = seeds.entity_seed(plan.bible, entity.id)
    return Figure(
        skin=colours.get("skin", (234, 192, 160)),
        hair=colours.get("hair", (60, 40, 30)),
        outfit=colours.get("outfit", (61, 90, 128)),
        accent=colours.get("accent", hex_rgb(plan.bible.palette[-1])),
        style=looks.hair_style(entity, seed),
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
            fill=rgba(shade(hair, -0.08)),
        )
    elif fig.style == "bob":
        draw.rounded_rectangle(
            (cx - 0.54 * u, top + 0.15 * u, cx + 0.54 * u, top + 1.12 * u),
            radius=0.3 * u,
            fill=rgba(shade(hair, -0.08)),
        )
    elif fig.style == "ponytail":
        _ellipse(draw, cx + 0.5 * u, top + 0.75 * u, 0.18 * u, 0.5 * u, rgba(shade(hair, -0.1)))
    # Legs and shoes (seen in wide shots; cropped by the frame in closer ones).
    hip_y, foot_y = top + 3.45 * u, top + 6.4 * u
    stride = 0.22 if fig.pose == "walk" else 0.04  # feet apart when walking
    for side in (-1, 1):
        foot_x = cx + side * (0.3 + stride) * u
        _capsule(draw, (cx + side * 0.3 * u, hip_y), (foot_x, foot_y - 0.15 * u), 0.42 * u, rgba(trousers))
        _ellipse(
            draw, foot_x + side * 0.08 * u, foot_y - 0.04 * u, 0.3 * u, 0.13 * u, rgba(shade(trousers, -0.4))
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
    draw.rectangle((cx - 0.15 * u, top + 0.85 * u, cx + 0.15 * u, sh_y + 0.1 * u), fill=rgba(skin_shadow))
    draw.polygon(body, fill=rgba(outfit))
    _ellipse(draw, cx - 0.55 * u, sh_y + 0.16 * u, 0.2 * u, 0.2 * u, rgba(outfit))
    _ellipse(draw, cx + 0.55 * u, sh_y + 0.16 * u, 0.2 * u, 0.2 * u, rgba(outfit))
    # Shadow side of the torso gives the flat shapes some form.
    draw.polygon(
        [
            (cx + 0.18 * u, sh_y),
            (cx + 0.5 * u, sh_y - 0.02 * u),
            (cx + 0.72 * u, sh_y + 0.18 * u),
            (cx + 0.62 * u, hip_y + 0.1 * u),
            (cx + 0.3 * u, hip_y + 0.1 * u),
        ],
        fill=rgba(shade(outfit, -0.12)),
    )
    if fig.outfit_style == "blazer":  # a light shirt in a deep V, lapels either side
        shirt = mix(fig.accent, (255, 255, 255), 0.82)
        draw.polygon(
            [(cx - 0.26 * u, sh_y - 0.02 * u), (cx + 0.26 * u, sh_y - 0.02 * u), (cx, sh_y + 0.95 * u)],
            fill=rgba(shirt),
        )
        draw.polygon(
            [(cx - 0.14 * u, sh_y - 0.02 * u), (cx + 0.14 * u, sh_y - 0.02 * u), (cx, sh_y + 0.22 * u)],
            fill=rgba(skin),
        )
        lapel = rgba(shade(outfit, -0.22))
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
        _ellipse(draw, cx, sh_y + 0.17 * u, 0.04 * u, 0.04 * u, rgba(fig.accent))  # pendant
    else:
        draw.polygon(
            [(cx - 0.2 * u, sh_y - 0.02 * u), (cx + 0.2 * u, sh_y - 0.02 * u), (cx, sh_y + 0.42 * u)],
            fill=rgba(skin),
        )
        draw.line(
            [(cx - 0.2 * u, sh_y - 0.02 * u), (cx, sh_y + 0.42 * u), (cx + 0.2 * u, sh_y - 0.02 * u)],
            fill=rgba(shade(outfit, -0.3)),
            width=max(1, round(0.05 * u)),
        )
        _ellipse(draw, cx, sh_y + 0.36 * u, 0.05 * u, 0.05 * u, rgba(fig.accent))  # pendant
    # Arms by pose. The figure's right hand (viewer's left) holds things.
    sleeve = rgba(shade(outfit, -0.08))
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
        _ellipse(draw, hand[0], hand[1], hand_r, hand_r, rgba(skin))
    # Head, ears, face.
    _ellipse(draw, cx - 0.4 * u, head_cy + 0.05 * u, 0.09 * u, 0.12 * u, rgba(skin_shadow))
    _ellipse(draw, cx + 0.4 * u, head_cy + 0.05 * u, 0.09 * u, 0.12 * u, rgba(skin_shadow))
    # Head: the shadow side first, then the lit face slightly off-centre (a soft key light).
    _ellipse(draw, cx, head_cy, 0.41 * u, 0.5 * u, rgba(shade(skin, -0.08)))
    _ellipse(draw, cx - 0.025 * u, head_cy - 0.005 * u, 0.385 * u, 0.49 * u, rgba(skin))
    _hair_front(draw, fig, cx, top, u)
    _face(draw, fig, cx, head_cy, u)
    return holding


def _hair_front(draw: ImageDraw.ImageDraw, fig: Figure, cx: float, top: float, u: float) -> None:
    hair = rgba(fig.hair)
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
    ink = rgba(mix(fig.hair, (20, 16, 20), 0.6))
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
                draw, ex + 0.015 * u, eye_y - 0.02 * u, 0.014 * u, 0.014 * u, rgba((255, 255, 255), 220)
            )
        brow_y = eye_y - (0.15 if fig.mood != "flat" else 0.12) * u
        brow = rgba(shade(fig.hair, -0.1))
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
            rgba(mix(fig.skin, (240, 110, 120), 0.3)),
        )
    draw.arc(
        (cx - 0.05 * u, cy + 0.08 * u, cx + 0.05 * u, cy + 0.16 * u),
        30,
        150,
        fill=rgba(shade(fig.skin, -0.2)),
        width=line,
    )
    mouth_y = cy + 0.26 * u
    if fig.mood == "flat":
        draw.arc(
            (cx - 0.08 * u, mouth_y, cx + 0.08 * u, mouth_y + 0.1 * u),
            200,
            340,
            fill=rgba((150, 70, 70)),
            width=line,
        )
    elif fig.mood == "laugh":
        draw.chord(
            (cx - 0.12 * u, mouth_y - 0.06 * u, cx + 0.12 * u, mouth_y + 0.12 * u),
            0,
            180,
            fill=rgba((150, 60, 70)),
        )
    else:
        draw.arc(
            (cx - 0.11 * u, mouth_y - 0.08 * u, cx + 0.11 * u, mouth_y + 0.06 * u),
            20,
            160,
            fill=rgba((160, 70, 75)),
            width=line,
        )


# ── animals ─────────────────────────────────────────────────────────────────────────────
