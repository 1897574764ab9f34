"""The animatic image backend: framing by shot size, composition per aspect, cast views."""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageDraw

from cutroom.core import looks, seeds
from cutroom.core.backends import PanelArt, images
from cutroom.core.backends.animatic.animals import _ANIMAL_FILL, ANIMAL_SIT_H, animal_for, draw_animal
from cutroom.core.backends.animatic.paint import Box, _ellipse
from cutroom.core.backends.animatic.people import draw_figure, figure_for
from cutroom.core.backends.animatic.products import draw_product
from cutroom.core.backends.animatic.sets import _VISIBLE_HEADS, _backdrop, place_of
from cutroom.core.graphics.colour import luminance, mix, rgba, roles, shade
from cutroom.core.graphics.end_card import end_card_layer
from cutroom.core.graphics.mood import Mood, mood_for
from cutroom.core.graphics.text import draw_text_layer, layout_text
from cutroom.core.models import Entity, Plan, Shot

#: Product height as a fraction of the frame height, per shot size, when it is the subject.
#: Head heights visible across the frame, per shot size (limits tall frames).
_VISIBLE_WIDTH: dict[str, float] = {
    "extreme_wide": 8.0,
    "wide": 4.6,
    "medium": 3.1,
    "medium_close": 2.5,
    "close_up": 2.0,
    "extreme_close_up": 1.45,
}
_PRODUCT_HEIGHT: dict[str, float] = {
    "extreme_wide": 0.16,
    "wide": 0.24,
    "medium": 0.34,
    "medium_close": 0.4,
    "close_up": 0.46,
    "extreme_close_up": 0.6,
}



# ── the backend ─────────────────────────────────────────────────────────────────────────


def _product_height(shot_size: str, width: int, height: int) -> float:
    """The product's height as a fraction of the frame: bigger in wide frames, kept narrow in tall ones."""
    fraction = _PRODUCT_HEIGHT[shot_size]
    if width > height:
        return min(0.66, fraction * 1.25)
    return min(fraction, 0.95 * width / height, 0.42)


def _composition(shot: Shot, landscape: bool) -> float:
    """Where the main subject sits across the frame (0..1), varied by the shot's wording."""
    key = seeds.stable_seed("composition", shot.description, shot.camera_move)
    if landscape:
        return (0.36, 0.64, 0.5)[key % 3]
    return (0.5, 0.44, 0.56)[key % 3]


class AnimaticImageBackend:
    """Illustrated panels; deterministic, CPU only, fast enough to draw a storyboard in seconds."""

    #: Bump when the drawings change, so storyboards cached by an older release are redrawn.
    version = "4"

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt:
        width, height = int(size[0]), int(size[1])
        size = (width, height)
        rng = seeds.rng("panel", seed, plan.bible.base_seed, shot.index, shot.description)
        mood = mood_for(plan)
        place = place_of(shot)
        font_name = plan.brief.brand.font
        landscape = width > height
        across = _composition(shot, landscape)
        kinds = [plan.bible.entity(i).kind for i in shot.entities]
        focus = None
        if "product" in kinds and "character" not in kinds and not shot.is_end_card:
            ph = _product_height(shot.shot_size, width, height)
            focus = (across, (0.74 if landscape else 0.76) - ph * 0.55)
        background = _backdrop(place, mood, size, shot, rng, focus)

        ss = 3 if max(size) <= 720 else 2
        # Premultiplied ("RGBa"): PIL reduces it without converting twice at supersampled size.
        # Opaque fills are the same either way; translucent ones are premultiplied by hand.
        canvas = Image.new("RGBa", (width * ss, height * ss), (0, 0, 0, 0))
        draw = ImageDraw.Draw(canvas)
        W, H = width * ss, height * ss
        people = [e for e in (plan.bible.entity(i) for i in shot.entities) if e.kind == "character"]
        products = [e for e in (plan.bible.entity(i) for i in shot.entities) if e.kind == "product"]
        brand = plan.brief.brand.name or (products[0].name if products else plan.title)
        subject: Box | None = None

        if shot.is_end_card:
            ph = H * (0.28 if not landscape else 0.5)
            cx = W * (0.5 if not landscape else 0.3)
            bottom = H * (0.47 if not landscape else 0.74)
            if products:
                self._shadow(draw, cx, bottom, ph * 0.45, ph * 0.05)
                subject = draw_product(draw, products[0], brand, cx, bottom, ph, font_name)
        elif people and all(looks.species_of(e.look) for e in people):
            subject = self._animals(draw, plan, shot, people, products, brand, font_name, (W, H), across)
        elif people:
            visible = _VISIBLE_HEADS[shot.shot_size]
            # Tall frames are limited by their width: the crop point then sits at the frame's
            # bottom and the space above becomes headroom, as a phone camera frames people.
            # Tall and square frames keep a top band clear of faces for the on-screen text.
            room = 0.0 if landscape else 0.22
            u = min(H * (1 - room) / visible, W / _VISIBLE_WIDTH[shot.shot_size])
            if shot.shot_size in ("extreme_wide", "wide"):
                ground = H * (0.88 if shot.shot_size == "wide" else 0.8)
                u = min(u, (ground - H * (room + 0.02)) / 6.4)
                top = ground - 6.4 * u
            else:
                top = max(H * (0.06 + room), H - (visible - 0.1) * u)
            pose, face = _pose(shot, bool(products))
            xs = (
                [across]
                if len(people) == 1
                else ([across - 0.16, across + 0.16] if not landscape else [across - 0.12, across + 0.12])
            )
            boxes = []
            for k, entity in enumerate(people[:2]):
                scale = 1.0 if k == 0 else 0.94
                cx = W * xs[k]
                pet = animal_for(plan, entity, pose="sit", face=face)
                if pet is not None:  # a person with their dog: the dog sits at their feet
                    boxes.append(draw_animal(draw, pet, cx, top + 6.4 * u, u * 0.95))
                    continue
                fig = figure_for(plan, entity, pose=pose if k == 0 else "relaxed", face=face)
                if shot.shot_size in ("extreme_wide", "wide"):
                    self._shadow(draw, cx, top + 6.4 * u, 0.9 * u * scale, 0.14 * u)
                hand = draw_figure(draw, fig, cx, top + (1 - scale) * u * 2, u * scale)
                # The camera moves about the face in closer shots, the whole figure in wide ones.
                reach = 6.5 if shot.shot_size in ("extreme_wide", "wide") else 1.9
                boxes.append(
                    (int(cx - 0.8 * u), int(top - 0.1 * u), int(cx + 0.8 * u), int(min(H, top + reach * u)))
                )
                if k == 0 and products and pose == "hold":
                    ph = u * (0.95 if products[0].category not in ("shoe", "food") else 0.6)
                    box = draw_product(draw, products[0], brand, hand[0], hand[1] + 0.08 * u, ph, font_name)
                    _ellipse(draw, hand[0], hand[1] + 0.02 * u, 0.12 * u, 0.1 * u, rgba(fig.skin))
                    boxes.append(box)
            x0 = min(b[0] for b in boxes)
            y0 = min(b[1] for b in boxes)
            x1 = max(b[2] for b in boxes)
            y1 = max(b[3] for b in boxes)
            subject = (round(x0), round(y0), round(x1), round(y1))
            if products and pose != "hold":  # the product on a side surface, in frame
                ph = min(H * 0.22, u * 1.1)
                px = (
                    W * (across + (0.3 if across < 0.5 else -0.3))
                    if landscape
                    else W * (0.8 if across <= 0.5 else 0.2)
                )
                draw_product(draw, products[0], brand, px, H * 0.93, ph, font_name)
        elif products:
            ph = H * _product_height(shot.shot_size, width, height)
            cx = W * across
            bottom = H * (0.76 if not landscape else 0.74)
            self._plinth(draw, cx, bottom, ph * 0.62, mood)
            self._shadow(draw, cx, bottom, ph * 0.32, ph * 0.04)
            subject = draw_product(draw, products[0], brand, cx, bottom, ph, font_name)
            # Light glints around the reveal.
            for _ in range(5):
                gx = cx + float(rng.uniform(-0.6, 0.6)) * ph
                gy = bottom - float(rng.uniform(0.2, 1.1)) * ph
                r = ph * float(rng.uniform(0.01, 0.025))
                glint = mix(mix(mood.accent, (255, 255, 255), 0.6), (0, 0, 0), 1 - 180 / 255)
                _ellipse(draw, gx, gy, r, r, rgba(glint, 180))

        foreground = canvas.reduce(ss).convert("RGBA")
        foreground = _tint(foreground, mood.ambient)
        if subject is not None:
            subject = _clip_box(tuple(v // ss for v in subject), size)  # type: ignore[arg-type]
        named = roles(plan.bible.palette)
        card = named["dark"]
        ink = (255, 255, 255) if luminance(card) < 0.5 else (20, 20, 24)
        text_boxes: list[Box] = []
        if shot.is_end_card:
            text_layer, text_boxes = end_card_layer(plan, size, mood, font_name)
        else:
            side = "right" if subject is not None and (subject[0] + subject[2]) / 2 < width * 0.45 else "left"
            placement = layout_text(shot.on_screen_text, size, font_name=font_name, side=side)
            text_layer = draw_text_layer(placement, size, card=card, ink=ink)
            if placement is not None:
                text_boxes = [placement.box]
        return PanelArt(
            background=background,
            foreground=foreground if foreground.getbbox() else None,
            subject=subject or (width // 4, height // 4, 3 * width // 4, 3 * height // 4),
            extras={"text_layer": text_layer, "text_boxes": text_boxes, "place": place},
        )

    def cast(self, plan: Plan, entity: Entity, *, size: tuple[int, int], seed: int) -> dict[str, Image.Image]:
        """The entity's reference drawing: a front view (people, animals) or a packshot (products)."""
        view = "packshot" if entity.kind == "product" else "front"
        return {view: draw_cast_view(plan, entity, size)}

    def _animals(
        self,
        draw: ImageDraw.ImageDraw,
        plan: Plan,
        shot: Shot,
        pets: list[Entity],
        products: list[Entity],
        brand: str,
        font_name: str | None,
        canvas: tuple[int, int],
        across: float,
    ) -> Box:
        """One or two dogs or cats framed by shot size, the product set down beside them."""
        W, H = canvas
        landscape = W > H
        room = 0.0 if landscape else 0.2
        pose, face = _pose(shot, bool(products))
        standing = pose == "walk"
        fill = _ANIMAL_FILL[shot.shot_size]
        # The whole animal (plus its tail, or its length when standing) fits across the frame.
        span = (4.4 if standing else 3.6) + (2.4 if products else 0.0) + (2.6 if len(pets) > 1 else 0.0)
        s = min(H * fill * (1.25 if standing else 1.0) / ANIMAL_SIT_H, W * (0.94 if fill < 1 else 1.3) / span)
        if fill <= 1.0:
            ground = H * (0.9 if shot.shot_size in ("medium", "medium_close") else 0.86)
            ground = max(ground, H * (room + 0.04) + ANIMAL_SIT_H * s)
        else:  # closer: the head stays below the text band, the body runs out of frame
            ground = H * (room + 0.06) + ANIMAL_SIT_H * s
        side = -1 if across > 0.5 else 1  # the product goes on the open side
        cx = W * across - side * (s * 1.0 if products else 0.0)
        boxes: list[Box] = []
        for k, entity in enumerate(pets[:2]):
            pet = animal_for(plan, entity, pose=pose if k == 0 else "sit", face=face)
            if pet is None:
                continue
            x = cx if k == 0 else cx - side * s * 2.6
            if ground <= H * 1.02:
                self._shadow(draw, x, ground, s * (2.0 if pet.pose == "stand" else 1.3), s * 0.16)
            boxes.append(draw_animal(draw, pet, x, ground, s * (1.0 if k == 0 else 0.9)))
        if products:
            ph = min(s * 1.9, H * 0.42)
            px = cx + side * s * (3.0 if standing else 2.1)
            bottom = min(ground, H * 0.97)
            self._shadow(draw, px, bottom, ph * 0.32, ph * 0.04)
            boxes.append(draw_product(draw, products[0], brand, px, bottom, ph, font_name))
        # The camera moves about the head in close shots, the whole animal in wider ones.
        x0 = min(b[0] for b in boxes)
        y0 = min(b[1] for b in boxes)
        x1 = max(b[2] for b in boxes)
        y1 = max(b[3] for b in boxes)
        if fill > 1.0:
            y1 = min(y1, round(y0 + s * 2.4))
        return x0, y0, x1, min(round(H), y1)

    @staticmethod
    def _shadow(draw: ImageDraw.ImageDraw, cx: float, y: float, rx: float, ry: float) -> None:
        for k in range(4):
            f = 1 - k * 0.2
            _ellipse(draw, cx, y, rx * f * 1.1, ry * f, (0, 0, 0, 22))

    @staticmethod
    def _plinth(draw: ImageDraw.ImageDraw, cx: float, top: float, radius: float, mood: Mood) -> None:
        stone = (
            mix(mood.light, mood.brand, 0.12) if not mood.night else mix(mood.light, mood.sky_bottom, 0.55)
        )
        ry = radius * 0.2
        draw.rectangle((cx - radius, top, cx + radius, top + radius * 2.2), fill=rgba(shade(stone, -0.12)))
        draw.rectangle(
            (cx + radius * 0.35, top, cx + radius, top + radius * 2.2), fill=rgba(shade(stone, -0.22))
        )
        _ellipse(draw, cx, top, radius, ry, rgba(shade(stone, 0.1)))


def draw_cast_view(plan: Plan, entity: Entity, size: tuple[int, int]) -> Image.Image:
    """One entity alone on a plain, light background in neutral light: its reference picture."""
    width, height = int(size[0]), int(size[1])
    ss = 3 if max(width, height) <= 720 else 2
    W, H = width * ss, height * ss
    paper = mix(roles(plan.bible.palette)["light"], (238, 238, 236), 0.7)
    canvas = Image.new("RGBa", (W, H), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    ground = H * 0.92
    if entity.kind == "product":
        ph = H * 0.62
        AnimaticImageBackend._shadow(draw, W / 2, ground, ph * 0.3, ph * 0.035)
        brand = plan.brief.brand.name or entity.name
        draw_product(draw, entity, brand, W / 2, ground, ph, plan.brief.brand.font)
    else:
        pet = animal_for(plan, entity, pose="sit", face="smile")
        if pet is not None:
            draw_animal(draw, pet, W / 2, ground, min(W, H) * 0.34)
        else:
            u = min(H * 0.86 / 6.4, W / 3.2)
            top = ground - 6.4 * u
            AnimaticImageBackend._shadow(draw, W / 2, ground, 0.9 * u, 0.14 * u)
            draw_figure(draw, figure_for(plan, entity, pose="relaxed", face="smile"), W / 2, top, u)
    out = Image.new("RGBA", size, paper + (255,))
    out.alpha_composite(canvas.reduce(ss).convert("RGBA"))
    return out.convert("RGB")


def _pose(shot: Shot, with_product: bool) -> tuple[str, str]:
    if shot.role == "problem":
        return "worried", "flat"
    if shot.role == "hook" and shot.shot_size in ("extreme_wide", "wide"):
        return "walk", "smile"
    if with_product and shot.role in ("benefit", "proof", "offer"):
        return "hold", "smile"
    if shot.role == "proof":
        return "relaxed", "laugh"
    return "relaxed", "smile"


def _tint(layer: Image.Image, ambient: tuple[float, float, float]) -> Image.Image:
    """Colour the people and product by the scene's light (a per-channel lookup table: fast)."""
    if all(abs(a - 1.0) < 1e-3 for a in ambient):
        return layer
    table: list[int] = []
    for gain in (*ambient, 1.0):
        table.extend(min(255, round(v * gain)) for v in range(256))
    return layer.point(table)


def _clip_box(box: tuple[int, int, int, int], size: tuple[int, int]) -> Box:
    x0, y0, x1, y1 = box
    w, h = size
    x0, x1 = max(0, min(w - 1, x0)), max(1, min(w, x1))
    y0, y1 = max(0, min(h - 1, y0)), max(1, min(h, y1))
    return x0, y0, max(x0 + 1, x1), max(y0 + 1, y1)


def flatten_with_text(art: PanelArt) -> Image.Image:
    """The panel as a storyboard shows it: set, people and product, then on-screen text."""
    out = art.flatten().convert("RGBA")
    layer = art.extras.get("text_layer")
    if isinstance(layer, Image.Image) and layer.size == out.size:
        out.alpha_composite(layer.convert("RGBA"))
    return out.convert("RGB")


@images.register("animatic")
def _animatic(**options: Any) -> AnimaticImageBackend:
    return AnimaticImageBackend()
