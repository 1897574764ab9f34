"""Font lookup shared by every drawing step: brand font name or path -> a PIL font.

A brand kit names a font loosely ("Playfair Display", "Inter Bold", or a path to a .ttf).
We look for it among the installed fonts, and fall back to DejaVu Sans (Bold), then to
PIL's built-in font, so a font that cannot be found changes the look but never crashes.
Also here: wrapping and shrink-to-fit, so panels and video text lay out the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
_FALLBACK = {
    (False, False): "DejaVuSans.ttf",
    (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSans-Oblique.ttf",
    (True, True): "DejaVuSans-BoldOblique.ttf",
}
_STYLE_WORDS = re.compile(r"(bold|black|heavy|semibold|medium|regular|light|italic|oblique|thin|book)")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=1)
def installed_fonts() -> dict[str, Path]:
    """Every .ttf/.otf under the usual folders, by normalised file stem."""
    found: dict[str, Path] = {}
    for root in FONT_DIRS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in (".ttf", ".otf"):
                found.setdefault(_norm(path.stem), path)
    return found


def _fallback_path(bold: bool, italic: bool) -> str | None:
    path = DEJAVU_DIR / _FALLBACK[(bold, italic)]
    if path.is_file():
        return str(path)
    other = installed_fonts().get(_norm(_FALLBACK[(bold, italic)].removesuffix(".ttf")))
    return str(other) if other else None


@lru_cache(maxsize=128)
def _brand_path(name: str, bold: bool, italic: bool) -> str | None:
    path = Path(name).expanduser()
    if path.suffix.lower() in (".ttf", ".otf"):
        if path.is_file():
            try:
                ImageFont.truetype(str(path), 12)
                return str(path)
            except OSError:
                return None
        return None
    wanted = _norm(name)
    if not wanted:
        return None
    family = _STYLE_WORDS.sub("", wanted) or wanted
    fonts = installed_fonts()
    candidates = [stem for stem in fonts if stem.startswith(family)]
    if not candidates:
        return None

    def rank(stem: str) -> tuple[int, int, int, int]:
        rest = stem[len(family) :]
        is_bold = any(w in rest for w in ("bold", "black", "heavy"))
        is_italic = any(w in rest for w in ("italic", "oblique"))
        return (stem != wanted, is_bold != bold, is_italic != italic, len(stem))

    return str(fonts[min(candidates, key=rank)])


def find_font(name: str | None, *, bold: bool = True, italic: bool = False) -> str | None:
    """Path of the brand font when installed (or given as a readable file), else DejaVu Sans.

    ``font_notice(name)`` says whether the brand font was missing (to tell the user).
    """
    if name:
        found = _brand_path(name, bold, italic)
        if found:
            return found
    return _fallback_path(bold, italic)


def fallback_font(*, bold: bool = True, italic: bool = False) -> str | None:
    """DejaVu Sans in the asked weight: clean, wide coverage, always installed here."""
    return _fallback_path(bold, italic)


def font_notice(name: str | None) -> str | None:
    """A sentence for the user when the brand font cannot be used, else None."""
    if not name or _brand_path(name, True, False):
        return None
    return f"The font \u201c{name}\u201d is not installed here, so a clean sans-serif was used instead."


@lru_cache(maxsize=512)
def load_font(name: str | None, size: int, *, bold: bool = True, italic: bool = False) -> Font:
    """The brand font at ``size`` px, or the fallback; never raises."""
    size = max(1, int(size))
    for path in (find_font(name, bold=bold, italic=italic), _fallback_path(bold, italic)):
        if path:
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


# ── measuring and fitting ───────────────────────────────────────────────────────────────

_PROBE = ImageDraw.Draw(Image.new("L", (1, 1)))


def text_width(font: Font, text: str) -> int:
    if not text:
        return 0
    left, _, right, _ = _PROBE.textbbox((0, 0), text, font=font)
    return int(right - left)


def line_height(font: Font) -> int:
    """A line's advance: ascent + descent plus a little air."""
    try:
        ascent, descent = font.getmetrics()  # type: ignore[union-attr]
    except AttributeError:
        ascent, descent = int(getattr(font, "size", 10)), 2
    return int((ascent + descent) * 1.08)


def wrap(text: str, font: Font, max_width: int, *, balance: bool = True) -> list[str]:
    """Word wrap with lines of similar length (no lonely last word); long words are broken."""
    lines = _greedy(text, font, max_width)
    if not balance or len(lines) < 2:
        return lines
    lo, hi = max(1, max_width // 3), max_width
    while lo < hi:  # the narrowest width that needs no more lines than the greedy wrap
        mid = (lo + hi) // 2
        if len(_greedy(text, font, mid)) <= len(lines):
            hi = mid
        else:
            lo = mid + 1
    return _greedy(text, font, hi)


def _greedy(text: str, font: Font, max_width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}".strip()
            if text_width(font, candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while text_width(font, word) > max_width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and text_width(font, word[:cut]) > max_width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return [line for line in lines if line] or [""]


@dataclass
class FittedText:
    """Lines laid out in a box: where each line goes, with the font they fit at."""

    font: Font
    size: int
    lines: list[str]
    line_height: int
    width: int
    height: int


def fit_text(
    text: str,
    font_name: str | None,
    max_width: int,
    max_height: int,
    *,
    max_size: int,
    min_size: int = 8,
    max_lines: int = 4,
    bold: bool = True,
    italic: bool = False,
) -> FittedText:
    """The largest size (<= max_size) at which ``text`` wraps into the box; shrinks, then clips lines."""
    max_width, max_height = max(1, max_width), max(1, max_height)
    size = max(min_size, max_size)
    while True:
        font = load_font(font_name, size, bold=bold, italic=italic)
        lines = wrap(text, font, max_width, balance=False)
        advance = line_height(font)
        height = advance * len(lines)
        widest = max(text_width(font, line) for line in lines)
        fits = len(lines) <= max_lines and height <= max_height and widest <= max_width
        if fits or size <= min_size:
            break
        size = max(min_size, int(size * 0.92))
    if fits:
        lines = wrap(text, font, max_width)  # the same number of lines, evened out
        widest = max(text_width(font, line) for line in lines)
    else:  # even the smallest size overflows: keep what fits, with an ellipsis
        keep = max(1, min(max_lines, max_height // max(1, advance)))
        if len(lines) > keep:
            lines = lines[:keep]
            lines[-1] = ellipsize(lines[-1], font, max_width)
        height = advance * len(lines)
        widest = max(text_width(font, line) for line in lines)
    return FittedText(font=font, size=size, lines=lines, line_height=advance, width=widest, height=height)


def ellipsize(line: str, font: Font, max_width: int) -> str:
    """The line cut to fit ``max_width`` with a trailing ellipsis (it continues elsewhere)."""
    line = line.rstrip(" .,;:") + "\u2026"
    while len(line) > 1 and text_width(font, line) > max_width:
        line = line[:-2].rstrip() + "\u2026"
    return line


@lru_cache(maxsize=256)
def load_font_file(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font file at ``size`` px (the compositor resolves the file once per render), else the default."""
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size)


def _split_long_word(word: str, font: Font, max_w: int) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and font.getlength(current + ch) > max_w:
            pieces.append(current)
            current = ch
        else:
            current += ch
    return [*pieces, current] if current else pieces


def wrap_greedy(text: str, font: Font, max_w: int) -> list[str]:
    """Greedy word wrap by advance width (the compositor's captions and titles); a word wider than the line is split so nothing runs off the frame."""
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


def font_and_notice(name: str | None, *, bold: bool = True) -> tuple[str | None, str | None]:
    """(font file, notice): the brand font when it can be found, else a clean sans with a notice."""
    return find_font(name, bold=bold), font_notice(name)
