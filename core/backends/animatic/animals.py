"""Animals and mascots: breeds, coats and poses drawn from the bible's look."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import ImageDraw

from cutroom.core import looks
from cutroom.core.backends.animatic.paint import Box, _capsule, _ellipse
from cutroom.core.graphics.colour import RGB, hex_rgb, luminance, mix, rgba, shade
from cutroom.core.models import Entity, Plan


@dataclass(frozen=True)
class Animal:
    """An animal from the bible (a dog, a cat or a mascot such as a fox, bear, panda, rabbit or
    hamster): coat colours fixed per entity, build and ears from its look."""

    look: looks.AnimalLook
    fur: RGB
    markings: RGB
    collar: RGB
    accent: RGB
    pose: str = "sit"  # sit, stand
    mood: str = "happy"  # happy, sad, calm


#: Sitting height (head top to ground) in units of the animal's head width.
ANIMAL_SIT_H = 3.7
#: Share of the frame height a sitting animal fills, per shot size (above 1: cropped below).
_ANIMAL_FILL: dict[str, float] = {
    "extreme_wide": 0.34,
    "wide": 0.46,
    "medium": 0.66,
    "medium_close": 0.9,
    "close_up": 1.3,
    "extreme_close_up": 1.8,
}


def animal_for(plan: Plan, entity: Entity, *, pose: str, face: str) -> Animal | None:
    """The animal a character's look names, or None for a person."""
    look = looks.animal_look(entity.look)
    if look is None:
        return None
    colours = {k: hex_rgb(v) for k, v in entity.colors.items()}
    fur = colours.get("fur", colours.get("hair", (200, 150, 80)))
    return Animal(
        look=look,
        fur=fur,
        markings=colours.get("markings", mix(fur, (255, 255, 255), 0.6)),
        collar=colours.get("collar", colours.get("outfit", (61, 90, 128))),
        accent=colours.get("accent", hex_rgb(plan.bible.palette[-1])),
        pose="stand" if pose == "walk" else "sit",
        mood="sad" if face == "flat" else "happy" if face in ("laugh", "smile") else "calm",
    )


def _poly(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], fill: RGB) -> None:
    draw.polygon(points, fill=rgba(fill))


def _tilted(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float, angle: float, fill: RGB
) -> None:
    """An ellipse turned by ``angle`` (radians): a panda's eye patch."""
    ca, sa = math.cos(angle), math.sin(angle)
    pts = []
    for k in range(28):
        t = 2 * math.pi * k / 28
        x, y = rx * math.cos(t), ry * math.sin(t)
        pts.append((cx + x * ca - y * sa, cy + x * sa + y * ca))
    _poly(draw, pts, fill)


def _is_pet(look: looks.AnimalLook) -> bool:
    """Dogs and cats wear a collar and tag; mascot animals a neckerchief."""
    return look.species in ("dog", "cat")


def _neckerchief(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, neck_y: float, half: float, drop: float) -> None:
    """A band round the neck and a knotted triangle hanging from it, in the collar colour."""
    draw.rounded_rectangle(
        (cx - half, neck_y - drop * 0.14, cx + half, neck_y + drop * 0.16), radius=drop * 0.14, fill=rgba(pet.collar)
    )
    _poly(draw, [(cx - half * 0.72, neck_y), (cx + half * 0.72, neck_y), (cx + half * 0.08, neck_y + drop)], pet.collar)
    _poly(
        draw,
        [(cx + half * 0.05, neck_y + drop * 0.2), (cx + half * 0.72, neck_y), (cx + half * 0.08, neck_y + drop)],
        shade(pet.collar, -0.1),
    )


def _animal_round(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, ground: float, s: float) -> Box:
    """A hamster sitting up facing the camera: one round body, a big head, paws held at the chest."""
    fur = pet.fur
    pink = mix(fur, (240, 165, 170), 0.6)
    body_rx, body_ry = s * 1.3, s * 1.2
    body_cy = ground - body_ry
    for sd in (-1, 1):  # hind feet peeking out in front
        _ellipse(draw, cx + sd * s * 0.62, ground - s * 0.1, s * 0.32, s * 0.13, rgba(pink))
    _ellipse(draw, cx, body_cy, body_rx, body_ry, rgba(fur))
    draw.chord(
        (cx - body_rx, body_cy - body_ry, cx + body_rx, body_cy + body_ry), 300, 60, fill=rgba(shade(fur, -0.08))
    )
    _ellipse(draw, cx, body_cy + s * 0.2, body_rx * 0.6, body_ry * 0.7, rgba(pet.markings))
    for sd in (-1, 1):
        _ellipse(draw, cx + sd * s * 0.62, ground - s * 0.16, s * 0.3, s * 0.14, rgba(pink))
    head_r = s * (0.82 if not pet.look.young else 0.9)
    head_cy = ground - s * 2.45
    _neckerchief(draw, pet, cx, head_cy + head_r * 0.86, head_r * 0.6, s * 0.42)
    top = _animal_head(draw, pet, cx, head_cy, head_r, s)
    for sd in (-1, 1):  # front paws held together at the chest
        _ellipse(draw, cx + sd * s * 0.24, head_cy + head_r + s * 0.32, s * 0.17, s * 0.14, rgba(pink))
    width = body_rx + s * 0.1
    return (round(cx - width), round(top), round(cx + width), round(ground))


def draw_animal(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, ground: float, s: float) -> Box:
    """A flat-illustration dog or cat standing on ``ground``, head width ``s``. Returns its box.

    Sitting is drawn facing the camera; standing is a side view walking to the viewer's left.
    """
    if pet.pose == "stand":
        return _animal_standing(draw, pet, cx, ground, s)
    look = pet.look
    if look.build == "round":
        return _animal_round(draw, pet, cx, ground, s)
    fur, dark = pet.fur, shade(pet.fur, -0.16)
    kind = look.species
    cat = kind == "cat"
    panda = look.pattern == "panda"
    chunky = look.build == "chunky"
    young = look.young
    short = look.build == "short" or young or kind == "rabbit"
    head_r = s * (0.66 if not young else 0.74) * (1.08 if chunky else 1.0)
    # A rabbit sits low, its ears standing tall above.
    low = 0.55 if kind == "rabbit" else 0.0
    head_cy = ground - s * (ANIMAL_SIT_H - (0.45 if short else 0.0) - low) + head_r
    chest_cy, chest_ry = head_cy + head_r + s * 0.45, s * (0.8 if not short else 0.6)
    body_w = s * {"cat": 0.78, "fox": 0.8, "rabbit": 0.84}.get(kind, 1.05 if chunky else 0.9)
    chest_top = chest_cy - chest_ry
    seat_cy, seat_rx, seat_ry = ground - s * 0.6, body_w * 1.18, s * 0.62
    # Tail first: it curls on the ground behind, up and wagging when happy.
    tail = rgba(shade(fur, -0.06))
    tail_w = s * (0.24 if cat else 0.28)
    if kind == "fox" or kind == "panda" and not panda:  # a bushy brush curled on the ground
        up = pet.mood == "happy"
        pts = [
            (cx + s * 0.8, ground - s * 0.25),
            (cx + s * 1.5, ground - s * (0.42 if up else 0.3)),
            (cx + s * 1.9, ground - s * (1.2 if up else 0.75)),
        ]
        tail_w = s * 0.5
        _capsule(draw, pts[0], pts[1], tail_w * 0.9, tail)
        _capsule(draw, pts[1], pts[2], tail_w, tail)
        tip = pet.markings if kind == "fox" else dark
        _ellipse(draw, pts[2][0], pts[2][1] - s * 0.05, tail_w * 0.58, tail_w * 0.62, rgba(tip))
    elif kind == "rabbit":  # a round cotton tail at the back
        pts = [(cx + seat_rx * 0.95, ground - s * 0.32)] * 3
        tail_w = s * 0.66
        _ellipse(draw, pts[0][0], pts[0][1], tail_w / 2, tail_w / 2, rgba(pet.markings))
    elif not _is_pet(look):  # a bear's short tail, just peeking out
        pts = [(cx + seat_rx * 0.9, ground - s * 0.45)] * 3
        tail_w = s * 0.4
        _ellipse(draw, pts[0][0], pts[0][1], tail_w / 2, tail_w / 2, tail)
    elif pet.mood == "happy" and not cat:
        pts = [
            (cx + s * 0.9, ground - s * 0.35),
            (cx + s * 1.5, ground - s * 0.8),
            (cx + s * 1.7, ground - s * 1.5),
        ]
    elif cat:
        pts = [
            (cx + s * 0.9, ground - s * 0.15),
            (cx + s * 1.5, ground - s * 0.35),
            (cx + s * 1.6, ground - s * 1.2),
        ]
    else:
        pts = [
            (cx + s * 0.9, ground - s * 0.12),
            (cx + s * 1.4, ground - s * 0.1),
            (cx + s * 1.8, ground - s * 0.25),
        ]
    if _is_pet(look):
        _capsule(draw, pts[0], pts[1], tail_w, tail)
        _capsule(draw, pts[1], pts[2], tail_w * 0.9, tail)
        if look.pattern in ("points", "stripes") or (look.pattern == "chest" and not cat):
            tip = pet.markings if look.pattern != "stripes" else dark
            _ellipse(draw, pts[2][0], pts[2][1], tail_w * 0.5, tail_w * 0.5, rgba(tip))
    # The body: a chest over a wider seat, joined into one soft pear; haunches either side.
    haunch = pet.markings if panda else dark
    _poly(
        draw,
        [(cx - body_w, chest_cy), (cx + body_w, chest_cy), (cx + seat_rx, seat_cy), (cx - seat_rx, seat_cy)],
        fur,
    )
    _ellipse(draw, cx, seat_cy, seat_rx, seat_ry, rgba(fur))
    foot = s * (0.42 if kind == "rabbit" else 0.3)
    for sd in (-1, 1):
        _ellipse(draw, cx + sd * seat_rx * 0.72, ground - s * 0.42, s * 0.46, s * 0.44, rgba(haunch))
        _ellipse(
            draw, cx + sd * seat_rx * 0.8, ground - s * 0.08, foot, s * 0.11, rgba(shade(haunch, -0.05))
        )
    _ellipse(draw, cx, chest_cy, body_w, chest_ry, rgba(fur))
    # Shadow side (the key light is on the viewer's left, as for people).
    draw.chord(
        (cx - body_w, chest_top, cx + body_w, chest_cy + chest_ry), 300, 60, fill=rgba(shade(fur, -0.08))
    )
    if panda:  # black shoulders running down into the front legs
        for sd in (-1, 1):
            _ellipse(draw, cx + sd * body_w * 0.66, chest_top + chest_ry * 0.5, body_w * 0.4, chest_ry * 0.6,
                     rgba(pet.markings))  # fmt: skip
    body_h = ground - chest_top
    if look.pattern == "saddle":
        for sd in (-1, 1):
            _ellipse(
                draw,
                cx + sd * body_w * 0.85,
                chest_cy + s * 0.3,
                body_w * 0.3,
                body_h * 0.36,
                rgba(pet.markings),
            )
    if kind == "fox":  # a round white bib under the chin
        _ellipse(draw, cx, chest_top + chest_ry * 0.62, body_w * 0.56, chest_ry * 0.66, rgba(pet.markings))
    elif look.pattern in ("chest", "mask"):
        _ellipse(draw, cx, chest_cy + s * 0.1, body_w * 0.5, chest_ry * 0.85, rgba(pet.markings))
    if look.pattern == "spots":
        for fx, fy, fr in (
            (-0.5, 0.25, 0.12),
            (0.35, 0.45, 0.1),
            (-0.2, 0.7, 0.09),
            (0.55, 0.15, 0.08),
            (0.1, 0.3, 0.07),
        ):
            _ellipse(draw, cx + fx * body_w, chest_top + fy * body_h, fr * s, fr * s, rgba(pet.markings))
    if look.pattern == "patches":
        _ellipse(
            draw,
            cx - body_w * 0.45,
            chest_top + body_h * 0.6,
            body_w * 0.5,
            body_h * 0.25,
            rgba(pet.markings),
        )
        _ellipse(
            draw,
            cx + body_w * 0.6,
            chest_top + body_h * 0.3,
            body_w * 0.32,
            body_h * 0.18,
            rgba((50, 44, 40)),
        )
    if look.pattern == "stripes":
        for k in range(3):
            y = chest_top + body_h * (0.2 + 0.2 * k)
            for sd in (-1, 1):
                draw.line(
                    [(cx + sd * body_w * 1.0, y), (cx + sd * body_w * 0.6, y + s * 0.08)],
                    fill=rgba(dark),
                    width=max(1, round(0.1 * s)),
                )
    # Front legs and paws.
    paw = pet.markings if look.pattern in ("points", "chest", "mask") and pet.markings != pet.fur else fur
    leg = shade(fur, -0.03)
    if panda:
        paw = leg = pet.markings
    elif kind == "bear":
        paw = shade(fur, -0.1)
    leg_w = s * (0.5 if panda else 0.42 if chunky else 0.3 if kind == "rabbit" else 0.34)
    for sd in (-1, 1):
        lx = cx + sd * body_w * (0.52 if panda else 0.38)
        _capsule(draw, (lx, chest_cy), (lx, ground - s * 0.12), leg_w, rgba(leg))
        _ellipse(draw, lx, ground - s * 0.1, leg_w * 0.65, s * 0.13, rgba(paw))
    # Collar and tag; a mascot's neckerchief.
    neck_y = head_cy + head_r * 0.86
    if _is_pet(look):
        draw.rounded_rectangle(
            (cx - head_r * 0.62, neck_y - s * 0.07, cx + head_r * 0.62, neck_y + s * 0.08),
            radius=s * 0.07,
            fill=rgba(pet.collar),
        )
        _ellipse(draw, cx, neck_y + s * 0.16, s * 0.09, s * 0.09, rgba(pet.accent))
    else:
        _neckerchief(draw, pet, cx, neck_y, head_r * 0.66, s * 0.62)
    box_top = _animal_head(draw, pet, cx, head_cy, head_r, s)
    width = max(seat_rx, head_r * 1.3) + s * 0.1
    return (round(cx - width), round(box_top), round(max(cx + width, pts[2][0] + tail_w)), round(ground))


def _animal_head(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, cy: float, r: float, s: float) -> float:
    """Head, ears and face centred at (cx, cy), radius ``r``; returns the top of the ears."""
    look = pet.look
    fur, dark = pet.fur, shade(pet.fur, -0.16)
    kind = look.species
    cat = kind == "cat"
    fox = kind == "fox"
    panda = look.pattern == "panda"
    # Rabbits and hamsters share a cat's small face: cheek pads, a pink nose and whiskers.
    small_face = cat or kind in ("rabbit", "hamster")
    sad = pet.mood == "sad"
    ear_fill = pet.markings if look.pattern == "points" else dark if not cat else fur
    top = cy - r
    if look.ears == "round":  # a bear's, panda's or hamster's: behind the skull, peeking above
        er = r * (0.24 if kind == "hamster" else 0.3)
        ey = cy - r * (0.78 if kind == "hamster" else 0.72) + (0.08 * r if sad else 0.0)
        inner = (
            mix(fur, (240, 160, 170), 0.55)
            if kind == "hamster"
            else shade(pet.markings, 0.25)
            if panda
            else pet.markings
        )
        for sd in (-1, 1):
            ex = cx + sd * r * (0.66 if kind == "hamster" else 0.7)
            _ellipse(draw, ex, ey, er, er, rgba(pet.markings if panda else shade(fur, -0.05)))
            _ellipse(draw, ex + sd * er * 0.05, ey + er * 0.08, er * 0.55, er * 0.55, rgba(inner))
        top = ey - er
    if look.ears == "long":  # a rabbit's: tall and upright, flopping outwards when sad
        for sd in (-1, 1):
            base = (cx + sd * r * 0.32, cy - r * 0.5)
            tip = (cx + sd * r * (1.25 if sad else 0.55), cy - r * (1.75 if sad else 2.3))
            _capsule(draw, base, tip, r * 0.5, rgba(shade(fur, -0.04)))
            a = (base[0] + (tip[0] - base[0]) * 0.2, base[1] + (tip[1] - base[1]) * 0.2)
            _capsule(draw, a, tip, r * 0.22, rgba(mix(fur, (240, 160, 170), 0.6)))
        top = cy - r * (2.05 if sad else 2.55)
    if look.ears == "floppy":
        droop = 0.15 * r if sad else 0.0
        for sd in (-1, 1):
            ex = cx + sd * r * 0.86
            _poly(draw, [(cx + sd * r * 0.45, cy - r * 0.8), (ex + sd * r * 0.38, cy - r * 0.25 + droop),
                         (ex + sd * r * 0.3, cy + r * 0.62 + droop), (ex - sd * r * 0.02, cy + r * 0.7 + droop),
                         (cx + sd * r * 0.6, cy - r * 0.1)], ear_fill)  # fmt: skip
            _ellipse(draw, ex + sd * r * 0.14, cy + r * 0.62 + droop, r * 0.2, r * 0.14, rgba(ear_fill))
    # The skull: shadow side first, then the lit face (as for people).
    _ellipse(draw, cx, cy, r, r * (0.92 if cat else 0.95), rgba(shade(fur, -0.08)))
    _ellipse(draw, cx - 0.03 * r, cy - 0.01 * r, r * 0.95, r * (0.9 if cat else 0.93), rgba(fur))
    if look.ears == "pointy":
        tilt = 0.2 * r if sad else 0.0
        for sd in (-1, 1):
            base_in, base_out = cx + sd * r * 0.2, cx + sd * r * 0.92
            tip = (cx + sd * (r * 0.78 + tilt * 2), cy - r * (1.55 if cat else 1.5) + tilt * 2)
            _poly(
                draw,
                [(base_in, cy - r * 0.72), tip, (base_out, cy - r * 0.2)],
                ear_fill if not (cat or fox) else fur,
            )
            inner = (
                pet.markings
                if fox
                else mix(fur, (240, 160, 170), 0.55)
                if cat or look.pattern != "points"
                else shade(pet.markings, 0.15)
            )
            _poly(draw, [(base_in + sd * r * 0.14, cy - r * 0.68), (tip[0] - sd * r * 0.06, tip[1] + r * 0.25),
                         (base_out - sd * r * 0.12, cy - r * 0.32)], inner)  # fmt: skip
            if fox:  # dark ear tips
                k = 0.32
                _poly(draw, [tip, (tip[0] + (base_in - tip[0]) * k, tip[1] + (cy - r * 0.72 - tip[1]) * k),
                             (tip[0] + (base_out - tip[0]) * k, tip[1] + (cy - r * 0.2 - tip[1]) * k)],
                      (58, 40, 34))  # fmt: skip
        top = cy - r * 1.55
    # Face markings.
    if look.pattern == "mask":
        if look.coat == "grey" or look.breed == "husky":
            _poly(draw, [(cx - r * 0.75, cy + r * 0.1), (cx - r * 0.25, cy - r * 0.2), (cx, cy - r * 0.55),
                         (cx + r * 0.25, cy - r * 0.2), (cx + r * 0.75, cy + r * 0.1), (cx + r * 0.5, cy + r * 0.85),
                         (cx - r * 0.5, cy + r * 0.85)], pet.markings)  # fmt: skip
        else:  # a pug's dark muzzle
            _ellipse(draw, cx, cy + r * 0.38, r * 0.52, r * 0.42, rgba(pet.markings))
    elif look.pattern == "points":
        _ellipse(draw, cx, cy + r * 0.3, r * 0.6, r * 0.55, rgba(pet.markings))
    elif look.pattern == "stripes":
        for k in (-1, 0, 1):
            draw.line([(cx + k * r * 0.2, cy - r * 0.9), (cx + k * r * 0.14, cy - r * 0.5)], fill=rgba(dark),
                      width=max(1, round(0.08 * s)))  # fmt: skip
    elif look.pattern == "patches":
        _ellipse(draw, cx + r * 0.45, cy - r * 0.35, r * 0.42, r * 0.38, rgba(pet.markings))
        _ellipse(draw, cx - r * 0.5, cy - r * 0.45, r * 0.3, r * 0.28, rgba((50, 44, 40)))
    elif look.pattern == "spots":
        _ellipse(draw, cx - r * 0.45, cy - r * 0.4, r * 0.12, r * 0.12, rgba(pet.markings))
        _ellipse(draw, cx + r * 0.5, cy - r * 0.1, r * 0.1, r * 0.1, rgba(pet.markings))
    # Muzzle: a dog's is a soft lighter oval; a cat's two small cheeks.
    light_muzzle = (
        pet.markings
        if look.pattern in ("chest", "mask") and look.breed != "pug"
        else mix(fur, (255, 255, 255), 0.35)
    )
    if look.pattern == "points" or look.breed == "pug":
        light_muzzle = shade(pet.markings, 0.12)
    if kind == "bear":
        light_muzzle = pet.markings
    mz_y = cy + r * 0.42
    if fox:  # white cheeks and a slim muzzle under an orange bridge
        for sd in (-1, 1):
            _ellipse(draw, cx + sd * r * 0.44, cy + r * 0.44, r * 0.5, r * 0.34, rgba(pet.markings))
        _ellipse(draw, cx, mz_y + r * 0.04, r * 0.3, r * 0.36, rgba(pet.markings))
        _poly(draw, [(cx - r * 0.34, cy - r * 0.3), (cx + r * 0.34, cy - r * 0.3), (cx, cy + r * 0.34)], fur)
    elif small_face:
        pad = (0.28, 0.22) if kind == "hamster" else (0.22, 0.18)
        for sd in (-1, 1):
            _ellipse(draw, cx + sd * r * 0.17 * (1.3 if kind == "hamster" else 1.0), mz_y, r * pad[0], r * pad[1],
                     rgba(light_muzzle))  # fmt: skip
    else:
        _ellipse(draw, cx, mz_y, r * 0.46, r * 0.36, rgba(light_muzzle))
    if panda:  # the eye patches, slanting down and out
        for sd in (-1, 1):
            _tilted(draw, cx + sd * r * 0.38, cy, r * 0.21, r * 0.29, -sd * 0.55, pet.markings)
    ink = rgba((34, 26, 24))
    line = max(1, round(0.05 * s))
    eye_y = cy - r * 0.08
    for sd in (-1, 1):
        ex = cx + sd * r * 0.38
        if panda:  # a bright eye within the dark patch
            _ellipse(draw, ex, eye_y, r * 0.1, r * 0.11, rgba((244, 240, 232)))
            _ellipse(draw, ex, eye_y, r * 0.07, r * 0.08, ink)
        elif kind in ("rabbit", "hamster"):
            _ellipse(draw, ex, eye_y, r * 0.13, r * 0.15, ink)
        elif cat:
            _ellipse(
                draw,
                ex,
                eye_y,
                r * 0.15,
                r * 0.13,
                rgba((170, 190, 80) if look.coat != "cream" else (90, 150, 210)),
            )
            _ellipse(draw, ex, eye_y, r * 0.045, r * 0.11, ink)
        else:
            _ellipse(draw, ex, eye_y, r * 0.11, r * 0.13, ink)
        _ellipse(draw, ex + r * 0.04, eye_y - r * 0.05, r * 0.035, r * 0.035, rgba((255, 255, 255), 230))
        if sad:  # brows raised at the inner ends
            draw.line([(ex - sd * r * 0.02, eye_y - r * 0.3), (ex + sd * r * 0.16, eye_y - r * 0.2)],
                      fill=rgba(shade(fur, -0.35)), width=line)  # fmt: skip
    nose_y = cy + (0.28 if small_face else 0.3) * r
    if small_face:
        _poly(draw, [(cx - r * 0.09, nose_y - r * 0.04), (cx + r * 0.09, nose_y - r * 0.04), (cx, nose_y + r * 0.07)],
              mix(fur, (230, 130, 140), 0.6))  # fmt: skip
        for sd in (-1, 1):
            for k in (-1, 0, 1):
                draw.line([(cx + sd * r * 0.3, mz_y + k * r * 0.05), (cx + sd * r * 0.85, mz_y + k * r * 0.12 - r * 0.05)],
                          fill=rgba(mix(fur, (255, 255, 255), 0.7) if luminance(fur) < 0.5 else shade(fur, -0.3)),
                          width=max(1, round(0.025 * s)))  # fmt: skip
    else:
        big = 1.25 if kind in ("bear", "panda") else 1.0
        _ellipse(draw, cx, nose_y, r * 0.16 * big, r * 0.11 * big, ink)
        _ellipse(draw, cx - r * 0.04, nose_y - r * 0.04, r * 0.05, r * 0.03, rgba((120, 110, 110)))
    mouth_y = nose_y + r * (0.12 if small_face else 0.16)
    if kind == "rabbit":  # two front teeth
        draw.rounded_rectangle((cx - r * 0.09, mouth_y + r * 0.03, cx + r * 0.09, mouth_y + r * 0.2),
                               radius=r * 0.03, fill=rgba((250, 248, 240)))  # fmt: skip
        draw.line([(cx, mouth_y + r * 0.04), (cx, mouth_y + r * 0.19)], fill=rgba((200, 190, 180)),
                  width=max(1, round(0.02 * s)))  # fmt: skip
    if pet.mood == "happy" and kind in ("fox", "bear", "panda"):
        # A wide, open grin without the dog's tongue.
        draw.chord(
            (cx - r * 0.24, mouth_y - r * 0.12, cx + r * 0.24, mouth_y + r * 0.2),
            0,
            180,
            fill=rgba((90, 34, 40)),
        )
        _ellipse(draw, cx, mouth_y + r * 0.15, r * 0.1, r * 0.05, rgba((236, 110, 124)))
    elif pet.mood == "happy" and kind == "dog":
        # An open smile with the tongue out: the happy dog.
        draw.chord(
            (cx - r * 0.3, mouth_y - r * 0.16, cx + r * 0.3, mouth_y + r * 0.26),
            0,
            180,
            fill=rgba((90, 34, 40)),
        )
        _ellipse(draw, cx, mouth_y + r * 0.24, r * 0.14, r * 0.2, rgba((236, 110, 124)))
        draw.line([(cx, mouth_y + r * 0.14), (cx, mouth_y + r * 0.34)], fill=rgba((200, 80, 96)), width=line)
    elif sad:
        draw.arc(
            (cx - r * 0.2, mouth_y + r * 0.02, cx + r * 0.2, mouth_y + r * 0.2),
            200,
            340,
            fill=ink,
            width=line,
        )
    else:
        for sd in (-1, 1):
            draw.arc((cx - r * 0.22 + sd * r * 0.11, mouth_y - r * 0.1, cx + sd * r * 0.11, mouth_y + r * 0.08) if sd < 0 else
                     (cx, mouth_y - r * 0.1, cx + r * 0.22, mouth_y + r * 0.08), 20, 160, fill=ink, width=line)  # fmt: skip
    return top


def _animal_standing(draw: ImageDraw.ImageDraw, pet: Animal, cx: float, ground: float, s: float) -> Box:
    """A side view mid-stride, facing the viewer's left, the head turned to camera."""
    look = pet.look
    fur, dark = pet.fur, shade(pet.fur, -0.16)
    kind = look.species
    cat = kind == "cat"
    panda = look.pattern == "panda"
    build = {"short": (0.55, 1.15, 1.6), "chunky": (0.8, 1.35, 1.5), "round": (0.4, 1.5, 1.2)}
    leg, height, length = build.get("rabbit" if kind == "rabbit" else look.build, (1.0, 1.15, 1.45))
    if kind == "rabbit":  # a hop: short legs under a rounded back
        leg, height, length = 0.6, 1.3, 1.3
    leg *= 0.8 if look.young else 1.0
    body_h = s * height
    body_l = s * length
    body_y = ground - s * 1.2 * leg - body_h * 0.45
    limb = pet.markings if panda else fur
    leg_w = s * (0.34 if look.build == "chunky" else 0.28)
    # Far legs (darker), tail, body, near legs.
    for dx, swing in ((-0.62, -0.18), (0.55, 0.16)):
        x = cx + dx * body_l
        _capsule(draw, (x, body_y), (x + swing * s, ground - s * 0.1), leg_w * 0.93, rgba(shade(limb, -0.2)))
    tail = rgba(shade(fur, -0.06))
    if kind == "fox" or kind == "panda" and not panda:  # a long bushy brush, held out behind
        tail_base = (cx + body_l * 0.85, body_y - body_h * 0.1)
        mid = (cx + body_l * 1.35, body_y - body_h * 0.05)
        tip = (cx + body_l * 1.8, body_y - body_h * 0.6)
        _capsule(draw, tail_base, mid, s * 0.46, tail)
        _capsule(draw, mid, tip, s * 0.5, tail)
        _ellipse(draw, tip[0], tip[1] - s * 0.04, s * 0.3, s * 0.32, rgba(pet.markings if kind == "fox" else dark))
        tip = (tip[0] + s * 0.2, tip[1])
    elif kind == "rabbit":  # a round cotton tail
        tip = (cx + body_l * 0.98, body_y - body_h * 0.2)
        _ellipse(draw, tip[0], tip[1], s * 0.34, s * 0.34, rgba(pet.markings))
    elif kind in ("bear", "panda"):  # a short tail
        tip = (cx + body_l * 0.97, body_y - body_h * 0.2)
        _ellipse(draw, tip[0], tip[1], s * 0.2, s * 0.2, tail)
    elif kind == "hamster":  # no tail to speak of
        tip = (cx + body_l, body_y)
    else:
        tail_base = (cx + body_l * 0.95, body_y - body_h * 0.15)
        tip = (cx + body_l * 1.35, body_y - body_h * (1.2 if not cat else 1.5))
        _capsule(draw, tail_base, tip, s * (0.22 if not cat else 0.2), tail)
    _ellipse(draw, cx, body_y, body_l, body_h * 0.55, rgba(fur))
    draw.chord((cx - body_l, body_y - body_h * 0.55, cx + body_l, body_y + body_h * 0.55), 0, 180,
               fill=rgba(shade(fur, -0.08)))  # fmt: skip
    if panda:  # the black band over the shoulders
        _ellipse(draw, cx - body_l * 0.5, body_y - body_h * 0.02, body_l * 0.3, body_h * 0.56, rgba(pet.markings))
    if look.pattern in ("chest", "mask", "points"):
        _ellipse(
            draw,
            cx - body_l * 0.55,
            body_y + body_h * 0.15,
            body_l * 0.38,
            body_h * 0.38,
            rgba(pet.markings if look.pattern != "points" else fur),
        )
    if look.pattern == "saddle":
        draw.chord((cx - body_l * 0.7, body_y - body_h * 0.55, cx + body_l * 0.8, body_y + body_h * 0.3), 180, 360,
                   fill=rgba(pet.markings))  # fmt: skip
    if look.pattern == "spots":
        for fx, fy in ((-0.4, -0.1), (0.1, 0.1), (0.5, -0.2), (0.25, -0.3), (-0.1, -0.3)):
            _ellipse(draw, cx + fx * body_l, body_y + fy * body_h, s * 0.1, s * 0.1, rgba(pet.markings))
    if look.pattern == "stripes":
        for fx in (-0.3, 0.0, 0.3, 0.6):
            draw.line([(cx + fx * body_l, body_y - body_h * 0.5), (cx + fx * body_l - s * 0.1, body_y)],
                      fill=rgba(dark), width=max(1, round(0.1 * s)))  # fmt: skip
    if look.pattern == "patches":
        _ellipse(
            draw, cx + body_l * 0.3, body_y - body_h * 0.1, body_l * 0.3, body_h * 0.3, rgba(pet.markings)
        )
    paw = pet.markings if look.pattern in ("points", "chest") and _is_pet(look) else limb
    if kind == "hamster":
        paw = mix(fur, (240, 165, 170), 0.6)
    for dx, swing in ((-0.45, 0.2), (0.75, -0.2)):
        x = cx + dx * body_l
        _capsule(draw, (x, body_y), (x + swing * s, ground - s * 0.1), leg_w, rgba(shade(limb, -0.02)))
        _ellipse(draw, x + swing * s - s * 0.06, ground - s * 0.08, leg_w * 0.72, s * 0.1, rgba(paw))
    # Neck and head at the front, turned to camera.
    head_r = s * (0.64 if not look.young else 0.72) * (1.1 if look.build in ("chunky", "round") else 1.0)
    hx, hy = cx - body_l * 0.95, body_y - body_h * (0.85 if look.build != "round" else 0.55)
    _capsule(draw, (cx - body_l * 0.6, body_y - body_h * 0.1), (hx, hy + head_r * 0.3), s * 0.6, rgba(fur))
    if _is_pet(look):
        draw.rounded_rectangle((hx - head_r * 0.5, hy + head_r * 0.8, hx + head_r * 0.5, hy + head_r * 0.95),
                               radius=s * 0.05, fill=rgba(pet.collar))  # fmt: skip
    else:
        _neckerchief(draw, pet, hx, hy + head_r * 0.86, head_r * 0.6, s * 0.5)
    top = _animal_head(draw, pet, hx, hy, head_r, s)
    return (round(hx - head_r * 1.3), round(top), round(max(tip[0], cx + body_l) + s * 0.2), round(ground))


# ── products ────────────────────────────────────────────────────────────────────────────
