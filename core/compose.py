"""The compositor: what goes on top of the moving panels, and how shots meet.

    clip frames ──transition-in (cut, crossfade, dip to colour, whip pan)──▶
        on-screen text (animated, inside the safe area) ──▶ caption ──▶ logo bug ──▶ frame

Everything that does not change per frame is drawn once per shot as a ``Sprite``
(premultiplied RGB + alpha): text, captions, the logo, the end card's layers. Per frame only
warps, fades and blends of small regions run, with OpenCV on whole arrays.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from cutroom.core.audio import Cue
from cutroom.core.backends import PanelArt
from cutroom.core.backends.animatic_clip import ease_in_out, ease_out, over
from cutroom.core.models import Plan, Shot

# ── safe areas ──────────────────────────────────────────────────────────────────────────

#: (left, top, right, bottom) margins as fractions of the frame, where apps draw no buttons.
SAFE_MARGINS: dict[str, tuple[float, float, float, float]] = {
    "9:16": (0.07, 0.11, 0.14, 0.22),  # TikTok/Reels: right-hand buttons, caption bar below
    "4:5": (0.06, 0.08, 0.06, 0.12),
    "1:1": (0.07, 0.08, 0.07, 0.1),
    "16:9": (0.06, 0.09, 0.06, 0.1),
}


def safe_box(aspect: str, size: tuple[int, int]) -> tuple[int, int, int, int]:
    width, height = size
    left, top, right, bottom = SAFE_MARGINS.get(aspect, (0.08, 0.08, 0.08, 0.1))
    return round(width * left), round(height * top), round(width * (1 - right)), round(height * (1 - bottom))


# ── colour ──────────────────────────────────────────────────────────────────────────────


def hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (c / 255 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def brand_colour(plan: Plan) -> tuple[int, int, int]:
    palette = plan.brief.brand.palette or plan.bible.palette
    return hex_rgb(palette[0])


def accent_colour(plan: Plan) -> tuple[int, int, int]:
    """A second colour that stands out against the brand colour (for the CTA button)."""
    base = brand_colour(plan)
    palette = (plan.brief.brand.palette or []) + plan.bible.palette
    best, best_gap = None, 0.0
    for value in palette:
        rgb = hex_rgb(value)
        gap = (
            abs(luminance(rgb) - luminance(base))
            + 0.3 * sum(abs(a - b) for a, b in zip(rgb, base, strict=True)) / 765
        )
        if gap > best_gap:
            best, best_gap = rgb, gap
    if best is None or best_gap < 0.35:
        return (255, 255, 255) if luminance(base) < 0.55 else (24, 24, 28)
    return best


def plate_colour(plan: Plan) -> tuple[int, int, int]:
    """The card behind on-screen text: the palette's dark role, as the storyboard draws it."""
    try:
        from cutroom.core.consistency import roles

        return tuple(roles(plan.bible.palette)["dark"])  # type: ignore[return-value]
    except Exception:  # older core without consistency roles: a deep shade of the brand colour
        r, g, b = brand_colour(plan)
        return (int(r * 0.3), int(g * 0.3), int(b * 0.3))


def text_side_for(art: PanelArt, width: int) -> str:
    """Which side the panel artist left free for text in wide frames ("left" or "right")."""
    boxes = art.extras.get("text_boxes") if art.extras else None
    if boxes:
        x0, _, x1, _ = boxes[0]
        return "right" if (x0 + x1) / 2 > width / 2 else "left"
    if art.subject is not None:
        return "right" if (art.subject[0] + art.subject[2]) / 2 < width * 0.45 else "left"
    return "left"


def grade_lut(plan: Plan) -> np.ndarray:
    """A light grade toward the brand palette: tinted shadows, a gentle S-curve, a warm lift.

    A (256, 1, 3) table for ``cv2.LUT``: applied once to each shot's layers, free per frame.
    """
    x = np.arange(256, dtype=np.float32) / 255
    curve = x + 0.06 * np.sin(2 * np.pi * x) * -0.5  # soft S: deeper shadows, brighter highs
    curve = np.clip(curve, 0, 1)
    tint = np.array(brand_colour(plan), dtype=np.float32) / 255
    weight = 0.09 * (1 - x) ** 1.5  # the tint lives in the shadows and mids
    out = np.empty((256, 1, 3), dtype=np.uint8)
    for ch in range(3):
        value = curve * (1 - weight) + tint[ch] * weight
        out[:, 0, ch] = np.clip(np.round(value * 255), 0, 255).astype(np.uint8)
    return out


def grade_art(art: PanelArt, lut: np.ndarray) -> PanelArt:
    background = Image.fromarray(cv2.LUT(np.asarray(art.background.convert("RGB")), lut))
    foreground = None
    if art.foreground is not None:
        rgba = np.asarray(art.foreground.convert("RGBA")).copy()
        rgba[:, :, :3] = cv2.LUT(np.ascontiguousarray(rgba[:, :, :3]), lut)
        foreground = Image.fromarray(rgba)
    return PanelArt(
        background=background, foreground=foreground, subject=art.subject, extras=dict(art.extras)
    )


# ── fonts ───────────────────────────────────────────────────────────────────────────────

_FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
_DEFAULT_BOLD = ["DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "FreeSansBold.ttf", "Arial Bold.ttf"]
_DEFAULT_REGULAR = ["DejaVuSans.ttf", "LiberationSans-Regular.ttf", "FreeSans.ttf", "Arial.ttf"]


@lru_cache(maxsize=64)
def _font_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in _FONT_DIRS:
        if root.is_dir():
            for path in root.rglob("*"):
                if path.suffix.lower() in (".ttf", ".otf"):
                    found.setdefault(path.name.lower(), path)
    return found


@lru_cache(maxsize=64)
def find_font(name: str | None, *, bold: bool = True) -> tuple[str | None, str | None]:
    """(font file, notice): the brand font when it can be found, else a clean sans with a notice."""
    try:  # the shared lookup (core.fonts), so panels and video agree on the brand font
        from cutroom.core import fonts as shared

        return shared.find_font(name, bold=bold), shared.font_notice(name)
    except ImportError:  # pragma: no cover - core.fonts not there yet: the local lookup below
        pass
    notice = None
    if name:
        path = Path(name).expanduser()
        if path.is_file() and path.suffix.lower() in (".ttf", ".otf"):
            try:
                ImageFont.truetype(str(path), 20)
                return str(path), None
            except OSError:
                notice = (
                    f"The brand font file {path.name} could not be read; a clean sans-serif was used instead."
                )
        else:
            wanted = name.lower().replace(" ", "")
            files = _font_files()
            ranked = sorted(
                (
                    p
                    for key, p in files.items()
                    if key.replace(" ", "").replace("-", "").startswith(wanted.replace("-", ""))
                ),
                key=lambda p: (("bold" in p.name.lower()) != bold, len(p.name)),
            )
            if ranked:
                return str(ranked[0]), None
            notice = (
                f"The font \u201c{name}\u201d is not installed here; a clean sans-serif was used instead."
            )
    files = _font_files()
    for candidate in _DEFAULT_BOLD if bold else _DEFAULT_REGULAR:
        if candidate.lower() in files:
            return str(files[candidate.lower()]), notice
    return None, notice


@lru_cache(maxsize=256)
def load_font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size)


# ── sprites ─────────────────────────────────────────────────────────────────────────────


@dataclass
class Sprite:
    """A premultiplied RGBA image, to blend anywhere in an RGBA frame."""

    rgba: np.ndarray  # uint8 (h, w, 4), colour premultiplied by alpha

    @property
    def size(self) -> tuple[int, int]:
        return self.rgba.shape[1], self.rgba.shape[0]

    @classmethod
    def from_image(cls, image: Image.Image) -> Sprite:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.uint8).copy()
        alpha = np.ascontiguousarray(rgba[:, :, 3])
        rgba[:, :, :3] = cv2.multiply(
            np.ascontiguousarray(rgba[:, :, :3]), cv2.cvtColor(alpha, cv2.COLOR_GRAY2RGB), scale=1 / 255
        )
        return cls(rgba=rgba)

    def faded(self, opacity: float) -> Sprite:
        return Sprite(rgba=cv2.multiply(self.rgba, (opacity, opacity, opacity, opacity)))  # type: ignore[call-overload]  # a per-channel scalar, as OpenCV takes it

    def scaled(self, width: int, height: int) -> Sprite:
        return Sprite(rgba=cv2.resize(self.rgba, (width, height), interpolation=cv2.INTER_AREA))


def blend(frame: np.ndarray, sprite: Sprite, x: int, y: int, opacity: float = 1.0) -> None:
    """Draw ``sprite`` at (x, y) on the RGBA ``frame`` in place; whatever falls outside is clipped."""
    if opacity <= 0.003:
        return
    over(frame, sprite.rgba if opacity >= 0.997 else sprite.faded(opacity).rgba, x, y)


def _split_long_word(word: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_w: int) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and font.getlength(current + ch) > max_w:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return [*pieces, current] if current else pieces


def wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_w: int) -> list[str]:
    """Greedy word wrap; a word wider than the line is split so nothing runs off the frame."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            parts = _split_long_word(word, font, max_w) if font.getlength(word) > max_w else [word]
            for part in parts:
                trial = f"{current} {part}".strip()
                if current and font.getlength(trial) > max_w:
                    lines.append(current)
                    current = part
                else:
                    current = trial
        if current:
            lines.append(current)
    return lines


@dataclass
class TextStyle:
    size: int  # the starting font size: shrunk until the text fits
    colour: tuple[int, int, int] = (255, 255, 255)
    box: tuple[int, int, int, int] | None = None  # RGBA of a rounded plate behind, or None
    shadow: bool = True
    max_lines: int = 3
    align: str = "center"
    min_size: int = 12


def text_sprite(text: str, font_path: str | None, max_w: int, max_h: int, style: TextStyle) -> Sprite | None:
    """Wrap and shrink ``text`` until it fits ``max_w`` x ``max_h``; never wider or taller."""
    text = " ".join(text.split())
    if not text or max_w < 8 or max_h < 8:
        return None
    size = max(style.min_size, style.size)
    while True:
        font = load_font(font_path, size)
        lines = wrap(text, font, max_w - (size if style.box else 0))
        ascent, descent = font.getmetrics() if hasattr(font, "getmetrics") else (size, size // 4)
        line_h = int((ascent + descent) * 1.08)
        pad = int(size * 0.45) if style.box else int(size * 0.15) + 2
        total_h = line_h * len(lines) + 2 * pad
        widest = max(int(font.getlength(line)) for line in lines) + 2 * pad
        if (total_h <= max_h and widest <= max_w and len(lines) <= style.max_lines) or size <= style.min_size:
            break
        size = max(style.min_size, int(size * 0.9))
    if len(lines) > style.max_lines or total_h > max_h:
        # Even the smallest size overflows: keep what fits and end with an ellipsis.
        fit = max(1, min(style.max_lines, (max_h - 2 * pad) // max(1, line_h)))
        lines = lines[:fit]
        lines[-1] = lines[-1].rstrip(".,;: ") + "\u2026"
        while font.getlength(lines[-1]) > max_w - 2 * pad and len(lines[-1]) > 2:
            lines[-1] = lines[-1][:-2] + "\u2026"
        total_h = min(max_h, line_h * len(lines) + 2 * pad)
    widest = min(max_w, max(int(font.getlength(line)) for line in lines) + 2 * pad)
    image = Image.new("RGBA", (widest, total_h), (0, 0, 0, 0))
    if style.box is not None:
        plate = ImageDraw.Draw(image)
        plate.rounded_rectangle((0, 0, widest - 1, total_h - 1), radius=int(size * 0.4), fill=style.box)
    if style.shadow:
        shadow = Image.new("L", image.size, 0)
        sdraw = ImageDraw.Draw(shadow)
        offset = max(1, size // 18)
        for i, line in enumerate(lines):
            x = _line_x(font, line, widest, pad, style.align)
            sdraw.text((x + offset, pad + i * line_h + offset), line, font=font, fill=200)
        shadow = shadow.filter(ImageFilter.GaussianBlur(max(1, size // 10)))
        black = Image.new("RGBA", image.size, (0, 0, 0, 0))
        black.putalpha(shadow)
        image = Image.alpha_composite(image, black)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        x = _line_x(font, line, widest, pad, style.align)
        draw.text((x, pad + i * line_h), line, font=font, fill=(*style.colour, 255))
    return Sprite.from_image(image)


def _line_x(
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont, line: str, width: int, pad: int, align: str
) -> int:
    if align == "left":
        return pad
    return int((width - font.getlength(line)) / 2)


# ── the logo ────────────────────────────────────────────────────────────────────────────


def load_logo(path: str | None) -> tuple[Image.Image | None, str | None]:
    """(logo, notice): a missing or unreadable logo is skipped with a notice, never a crash."""
    if not path:
        return None, None
    file = Path(path).expanduser()
    if not file.is_file():
        return None, f"The logo file {file.name} was not found, so the ad has no logo."
    try:
        with Image.open(file) as opened:
            opened.load()
            logo = opened.convert("RGBA")
    except Exception:
        return None, f"The logo file {file.name} could not be read as an image, so the ad has no logo."
    if logo.width < 2 or logo.height < 2:
        return None, f"The logo file {file.name} is too small to show, so the ad has no logo."
    return logo, None


def logo_digest(path: str | None) -> str:
    if not path or not Path(path).expanduser().is_file():
        return "none"
    return hashlib.sha256(Path(path).expanduser().read_bytes()).hexdigest()[:16]


def fit_image(image: Image.Image, max_w: int, max_h: int) -> Image.Image:
    scale = min(max_w / image.width, max_h / image.height)
    return image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS
    )


# ── the end card ────────────────────────────────────────────────────────────────────────


def end_card_art(plan: Plan, art: PanelArt | None, size: tuple[int, int], aspect: str) -> PanelArt:
    """Brand-colour backdrop with soft light, and the product (if drawn) as a parallax layer."""
    width, height = size
    base = np.array(brand_colour(plan), dtype=np.float32)
    darker = base * 0.55
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (yy / max(1, height - 1))[:, :, None]
    glow = np.exp(
        -(((xx - width * 0.5) / (width * 0.55)) ** 2 + ((yy - height * 0.32) / (height * 0.45)) ** 2)
    )[:, :, None]
    pixels = base * (1 - ramp) + darker * ramp
    pixels = pixels + (255 - pixels) * glow * 0.22
    background = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    foreground = None
    subject = (width // 4, height // 4, 3 * width // 4, height // 2)
    if art is not None and art.foreground is not None:
        layer = art.foreground.convert("RGBA")
        box = layer.getbbox()
        if box:
            product = layer.crop(box)
            left, top, right, bottom = safe_box(aspect, size)
            area_h = int((bottom - top) * (0.38 if height >= width else 0.55))
            area_w = int((right - left) * (0.55 if height >= width else 0.4))
            product = fit_image(product, area_w, area_h)
            foreground = Image.new("RGBA", size, (0, 0, 0, 0))
            if height >= width:
                px, py = (width - product.width) // 2, top + int((bottom - top) * 0.17)
            else:
                px, py = left + int((right - left) * 0.06), (height - product.height) // 2
            foreground.alpha_composite(product, (px, py))
            subject = (px, py, px + product.width, py + product.height)
    return PanelArt(background=background, foreground=foreground, subject=subject)


@dataclass
class Placed:
    """A sprite, where it sits, and when it animates in (and out) within its shot."""

    sprite: Sprite
    x: int
    y: int
    appear_s: float = 0.0
    fade_in_s: float = 0.35
    rise: int = 0  # pixels it slides up while appearing
    leave_s: float | None = None  # when it starts fading out, or stays
    fade_out_s: float = 0.25
    pop: bool = False  # scale up from 90% while appearing (the CTA button)

    def draw(self, frame: np.ndarray, t: float) -> None:
        if t < self.appear_s:
            return
        p = ease_out((t - self.appear_s) / max(1e-3, self.fade_in_s))
        opacity = p
        if self.leave_s is not None and t > self.leave_s:
            opacity *= max(0.0, 1.0 - (t - self.leave_s) / max(1e-3, self.fade_out_s))
        if opacity <= 0.003:
            return
        dy = int(round(self.rise * (1 - p)))
        if self.pop and p < 0.999:
            scale = 0.9 + 0.1 * p
            w, h = self.sprite.size
            nw, nh = max(1, int(w * scale)), max(1, int(h * scale))
            small = self.sprite.scaled(nw, nh)
            blend(frame, small, self.x + (w - nw) // 2, self.y + (h - nh) // 2 + dy, opacity)
            return
        blend(frame, self.sprite, self.x, self.y + dy, opacity)


@dataclass
class Overlays:
    """Everything drawn over one shot's frames, prepared once for that shot."""

    items: list[Placed] = field(default_factory=list)
    captions: list[tuple[float, float, Placed]] = field(
        default_factory=list
    )  # (start, end, sprite) shot-relative
    logo: Placed | None = None

    def draw(self, frame: np.ndarray, t: float) -> None:
        for item in self.items:
            item.draw(frame, t)
        for start, end, placed in self.captions:
            if start <= t < end:
                fade = min(1.0, (t - start) / 0.08, (end - t) / 0.08)
                blend(frame, placed.sprite, placed.x, placed.y, max(0.0, fade))
        if self.logo is not None:
            self.logo.draw(frame, t)


@dataclass
class Layout:
    """Per-aspect sizes and positions: each frame is recomposed, never letterboxed."""

    aspect: str
    size: tuple[int, int]
    font: str | None
    body_font: str | None

    @property
    def safe(self) -> tuple[int, int, int, int]:
        return safe_box(self.aspect, self.size)

    @property
    def unit(self) -> int:
        """A type unit that reads the same on a phone for every aspect."""
        width, height = self.size
        return max(8, int(min(width, height) * (0.06 if height > width else 0.05)))


def shot_overlays(
    plan: Plan,
    shot: Shot,
    *,
    on_screen_text: str,
    cues: list[Cue],
    shot_start_s: float,
    layout: Layout,
    logo: Image.Image | None,
    is_last: bool,
    next_transition: str,
    text_side: str = "left",
) -> Overlays:
    """Lay out the shot's on-screen text, captions and logo bug for this aspect."""
    overlays = Overlays()
    left, top, right, bottom = layout.safe
    width, height = layout.size
    unit = layout.unit
    area_w = right - left
    duration = shot.duration_s
    hook = shot.index == 1 or shot.role == "hook"

    if on_screen_text.strip() and not shot.is_end_card:
        # The storyboard's look: a card in the palette's darkest colour with light ink,
        # legible on any panel, where the panel artist placed it when it says.
        card = plate_colour(plan)
        ink = (255, 255, 255) if luminance(card) < 0.55 else (20, 20, 24)
        landscape = width > height
        style = TextStyle(
            size=int(unit * (1.3 if hook else 1.1)),
            colour=ink,
            box=(*card, 228),
            shadow=False,
            max_lines=3,
            min_size=max(10, unit // 2),
            align="left" if landscape else "center",
        )
        box_w = int(area_w * (0.55 if landscape else 1.0))
        box_h = int((bottom - top) * (0.34 if landscape else 0.26))
        sprite = text_sprite(on_screen_text, layout.font, box_w, box_h, style)
        if sprite is not None:
            sw, sh = sprite.size
            if landscape:
                # Lower third, on the side away from the subject (as the storyboard panel has it).
                on_right = text_side == "right"
                x, y = (right - sw if on_right else left), bottom - sh - int(unit * 1.6)
            else:
                x, y = left + (area_w - sw) // 2, top + int(unit * 0.3)
            appear = min(0.25, duration * 0.1) if shot.transition_in == "cut" else min(0.45, duration * 0.2)
            leave = None if is_last or next_transition != "cut" else max(appear + 0.5, duration - 0.35)
            overlays.items.append(Placed(sprite, x, y, appear_s=appear, rise=int(unit * 0.6), leave_s=leave))

    caption_style = TextStyle(
        size=int(unit * 0.72), box=(10, 10, 14, 170), shadow=False, max_lines=2, min_size=max(9, unit // 3)
    )
    cap_h = int((bottom - top) * 0.2)
    for cue in cues:
        sprite = text_sprite(cue.text, layout.body_font, area_w, cap_h, caption_style)
        if sprite is None:
            continue
        sw, sh = sprite.size
        placed = Placed(sprite, left + (area_w - sw) // 2, bottom - sh)
        overlays.captions.append((cue.start_s - shot_start_s, cue.end_s - shot_start_s, placed))

    if logo is not None and not shot.is_end_card:
        # A small bug in the top-left corner, above the text area and clear of app buttons.
        side = int(min(width, height) * 0.1)
        sprite = Sprite.from_image(fit_image(logo, side * 2, side))
        sprite = sprite.faded(0.9)
        y = max(int(height * 0.025), top - sprite.size[1] - unit // 3)
        overlays.logo = Placed(sprite, left, y, appear_s=0.0, fade_in_s=0.01)
    return overlays


def end_card_overlays(
    plan: Plan, shot: Shot, *, layout: Layout, logo: Image.Image | None, has_product: bool
) -> Overlays:
    """The CTA end card: logo, the call to action on a button, the URL, in the brand's colours."""
    overlays = Overlays()
    left, top, right, bottom = layout.safe
    width, height = layout.size
    unit = layout.unit
    area_w = right - left
    base = brand_colour(plan)
    ink = (255, 255, 255) if luminance(base) < 0.6 else (20, 20, 24)
    accent = accent_colour(plan)
    button_ink = (255, 255, 255) if luminance(accent) < 0.6 else (20, 20, 24)
    portrait = height >= width
    # Text column: under the product in portrait, beside it in landscape.
    if portrait or not has_product:
        col_x, col_w = left, area_w
        y = top + int((bottom - top) * (0.6 if has_product else 0.28))
    else:
        col_x, col_w = left + int(area_w * 0.5), int(area_w * 0.5)
        y = top + int((bottom - top) * 0.22)
    column_bottom = bottom
    appear = min(0.3, shot.duration_s * 0.1)

    if logo is not None:
        logo_h = int(min(width, height) * (0.13 if has_product else 0.2))
        image = fit_image(logo, col_w, logo_h)
        mark = Sprite.from_image(image)
        lx = col_x + (col_w - mark.size[0]) // 2
        ly = top if has_product and portrait else max(top, y - mark.size[1] - unit)
        overlays.items.append(Placed(mark, lx, ly, appear_s=0.0, fade_in_s=0.4))
    name = plan.brief.brand.name or plan.brief.product or ""
    if name and logo is None:
        sprite = text_sprite(
            name,
            layout.font,
            col_w,
            int(unit * 2.4),
            TextStyle(size=int(unit * 1.3), colour=ink, max_lines=2),
        )
        if sprite is not None:
            ny = top if has_product and portrait else max(top, y - sprite.size[1] - unit // 2)
            overlays.items.append(
                Placed(sprite, col_x + (col_w - sprite.size[0]) // 2, ny, appear_s=0.0, fade_in_s=0.4)
            )
    cta = plan.cta.text or "Learn more"
    button = text_sprite(
        cta,
        layout.font,
        col_w,
        int((column_bottom - y) * 0.45),
        TextStyle(size=int(unit * 1.15), colour=button_ink, box=(*accent, 255), shadow=False, max_lines=2),
    )
    if button is not None:
        bw, bh = button.size
        overlays.items.append(
            Placed(button, col_x + (col_w - bw) // 2, y, appear_s=appear, fade_in_s=0.35, pop=True)
        )
        y += bh + int(unit * 0.6)
    url = plan.cta.url or plan.brief.url
    if url:
        link = text_sprite(
            url,
            layout.body_font,
            col_w,
            max(unit, column_bottom - y),
            TextStyle(size=int(unit * 0.8), colour=ink, max_lines=2, min_size=8),
        )
        if link is not None:
            overlays.items.append(
                Placed(link, col_x + (col_w - link.size[0]) // 2, y, appear_s=appear + 0.25, rise=unit // 3)
            )
    return overlays


# ── transitions ─────────────────────────────────────────────────────────────────────────

TRANSITION_S = {"cut": 0.0, "crossfade": 0.5, "dip_to_color": 0.6, "whip_pan": 0.36}


def transition_frames(kind: str, fps: int, shot_frames: int) -> int:
    """How many of the incoming shot's first frames the transition takes (at most a third)."""
    return min(int(round(TRANSITION_S.get(kind, 0.0) * fps)), shot_frames // 3)


def apply_transition(
    kind: str, outgoing: np.ndarray, incoming: np.ndarray, p: float, *, colour: tuple[int, int, int]
) -> np.ndarray:
    """Frame ``p`` (0..1) of a transition from ``outgoing`` to ``incoming``."""
    if kind == "crossfade":
        a = ease_in_out(p)
        return cv2.addWeighted(outgoing, 1 - a, incoming, a, 0)
    if kind == "dip_to_color":
        solid = np.empty_like(incoming)
        solid[:] = (*colour, 255)[: incoming.shape[2]]
        if p < 0.5:
            return cv2.addWeighted(outgoing, 1 - ease_in_out(p * 2), solid, ease_in_out(p * 2), 0)
        a = ease_in_out((p - 0.5) * 2)
        return cv2.addWeighted(solid, 1 - a, incoming, a, 0)
    if kind == "whip_pan":
        height, width = incoming.shape[:2]
        e = ease_in_out(p)
        shift = int(round(e * width))
        out = np.empty_like(incoming)
        # The old shot leaves to the left as the new one arrives from the right.
        out[:, : width - shift] = outgoing[:, shift:]
        out[:, width - shift :] = incoming[:, :shift]
        speed = math.sin(math.pi * p)
        k = int(width * 0.12 * speed) | 1
        if k > 2:
            out = cv2.blur(out, (k, 1))
        return out
    return incoming
