"""Plan -> storyboard: one panel per shot and a sheet a client can read on a phone.

The sheet is one PNG: a header in the brand's colours (title, hook, brand, length, platforms,
palette and cast), then a grid of numbered panels, each with its timing, framing, camera move
and lens, the on-screen text and the voice-over line. Panels are drawn at the size they are
shown (crisp, and fast: a few hundred pixels wide), and the PNG stays under 2 MiB for chat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageOps

from cutroom.core.backends import ImageBackend, PanelArt
from cutroom.core.graphics import fonts
from cutroom.core.graphics.colour import RGB, hex_rgb, luminance, mix, roles, shade
from cutroom.core.graphics.encode import png_bytes
from cutroom.core.graphics.end_card import end_card_layer
from cutroom.core.graphics.mood import mood_for
from cutroom.core.graphics.text import draw_text_layer, layout_text
from cutroom.core.models import FRAME_SIZES, AspectRatio, CastMember, Plan, Shot
from cutroom.core.plan import LIGHT_PHRASES
from cutroom.core.progress import OnProgress, no_progress
from cutroom.core.qc.models import QcOptions, ShotQc

#: ``pay_retake(what, draw)``: reserve one paid picture, call ``draw``, settle; BudgetError when it won't fit.
PayRetake = Callable[[str, Callable[[], PanelArt]], PanelArt]

SHEET_WIDTH = 1800
MARGIN = 64
GUTTER = 40
MAX_SHEET_BYTES = 2 * 1024 * 1024
#: The cast row: one square reference picture per entity, this tall, under the header.
CAST_THUMB = 200
CAST_ROW_PAD = 28

_SIZE_LABELS = {
    "extreme_wide": "Extreme wide",
    "wide": "Wide",
    "medium": "Medium",
    "medium_close": "Medium close",
    "close_up": "Close-up",
    "extreme_close_up": "Extreme close-up",
}
_QUOTES = '\u201c\u201d"'
_ROLE_LABELS = {
    "hook": "HOOK",
    "problem": "PROBLEM",
    "reveal": "REVEAL",
    "benefit": "BENEFIT",
    "proof": "PROOF",
    "offer": "OFFER",
    "cta": "CALL TO ACTION",
}


@dataclass
class DrawnStoryboard:
    """Panels (flattened, with their on-screen text) and the sheet that shows them all."""

    panels: list[Image.Image]
    sheet: Image.Image
    #: Each keyframe's QC: its takes and scores (empty when QC is off).
    qc: list[ShotQc] = field(default_factory=list)


def columns_for(aspect: AspectRatio, n_panels: int) -> int:
    if aspect == "16:9":
        return 2 if n_panels <= 6 else 3
    if aspect == "1:1":
        return 3
    return 3 if n_panels <= 6 or n_panels == 9 else 4


def cell_width(aspect: AspectRatio, n_panels: int) -> int:
    cols = columns_for(aspect, n_panels)
    return (SHEET_WIDTH - 2 * MARGIN - (cols - 1) * GUTTER) // cols


def panel_size(aspect: AspectRatio, width: int) -> tuple[int, int]:
    """A panel ``width`` wide in the aspect's proportions (even pixels, for video tools)."""
    full_w, full_h = FRAME_SIZES[aspect]
    width = max(16, int(width) // 2 * 2)
    return width, max(16, round(width * full_h / full_w / 2) * 2)


def draw_storyboard(
    plan: Plan,
    image: ImageBackend,
    *,
    aspect: AspectRatio,
    seed: int,
    panel_width: int | None = None,
    on_progress: OnProgress = no_progress,
    cast: list[tuple[CastMember, Image.Image]] | None = None,
    given: dict[int, Image.Image] | None = None,
    qc: QcOptions | None = None,
    pay_retake: PayRetake | None = None,
) -> DrawnStoryboard:
    """Draw every shot with ``image`` and lay them out on a sheet.

    ``cast`` adds the cast row (each entity's reference picture); ``given`` holds panels
    already drawn (by shot index) that are kept as they are, e.g. after a recast.

    With ``qc`` enabled, each keyframe is scored (palette, sharpness, identity against the cast)
    before its text goes on, and one below a threshold is drawn again with a new seed: the
    render's retake rule, applied to stills. ``pay_retake(what, draw)`` holds a paid engine's
    budget around each retake (BudgetError before drawing: the best take so far is kept).
    """
    size = panel_size(aspect, panel_width or cell_width(aspect, len(plan.shots)))
    panels: list[Image.Image] = []
    records: list[ShotQc] = []
    total = len(plan.shots)
    check = _KeyframeQc(plan, qc, pay_retake) if qc is not None and qc.enabled else None
    for k, shot in enumerate(plan.shots):
        kept = (given or {}).get(shot.index)
        if kept is not None:
            panels.append(kept.convert("RGB"))
            continue
        on_progress("storyboard", k / total, f"Drawing panel {k + 1} of {total}")
        if check is None:
            art = image.draw(plan, shot, size=size, seed=seed)
        else:
            art, record = check.draw(image, shot, size=size, seed=seed)
            records.append(record)
        panels.append(panel_with_text(plan, shot, art, size))
    on_progress("storyboard", 0.95, "Laying out the sheet")
    sheet = render_sheet(plan, panels, aspect=aspect, cast=cast)
    on_progress("storyboard", 1.0, "Storyboard drawn")
    return DrawnStoryboard(panels=panels, sheet=sheet, qc=records)


class _KeyframeQc:
    """The retake rule for keyframes: a still scored as a one-frame shot."""

    def __init__(self, plan: Plan, options: QcOptions, pay_retake: PayRetake | None = None) -> None:
        from cutroom.core.qc.retake import RetakeBudget
        from cutroom.core.qc.setup import make_scorer

        self.plan = plan
        self.options = options
        self.scorer = make_scorer(plan, options)
        self.budget = RetakeBudget(max_retakes=options.max_retakes, max_cost=options.max_cost)
        self.pay_retake = pay_retake

    def draw(
        self, image: ImageBackend, shot: Shot, *, size: tuple[int, int], seed: int
    ) -> tuple[PanelArt, ShotQc]:
        import numpy as np

        from cutroom.core.qc.retake import keep_best
        from cutroom.core.qc.scores import Measured, ShotSamples, small

        def score(art: PanelArt) -> Measured:
            frame = np.asarray(art.flatten().convert("RGB"))
            samples = ShotSamples(windows=[[small(frame)]], key=small(frame, 640), full_size=size, still=True)
            return self.scorer.score(shot, samples)

        def make(take: int, take_seed: int) -> PanelArt:
            def draw() -> PanelArt:
                return image.draw(self.plan, shot, size=size, seed=take_seed)

            if take == 1 or self.pay_retake is None:
                return draw()
            return self.pay_retake(f"Retake {take} of shot {shot.index}'s keyframe", draw)

        kept = keep_best(
            shot.index, make, score, seed=seed, judge=self.scorer, options=self.options, budget=self.budget
        )
        return kept.value, kept.qc


def panel_with_text(plan: Plan, shot: Shot, art: PanelArt, size: tuple[int, int]) -> Image.Image:
    """The flattened panel with its on-screen text (drawn here when the backend gave none)."""
    out = art.flatten().convert("RGBA")
    if out.size != size:
        out = out.resize(size, Image.Resampling.LANCZOS)
    layer = art.extras.get("text_layer")
    if not isinstance(layer, Image.Image) or layer.size != size:
        font = plan.brief.brand.font
        if shot.is_end_card:
            layer, _ = end_card_layer(plan, size, mood_for(plan), font)
        else:
            named = roles(plan.bible.palette)
            card = named["dark"]
            ink = (255, 255, 255) if luminance(card) < 0.5 else (20, 20, 24)
            layer = draw_text_layer(
                layout_text(shot.on_screen_text, size, font_name=font), size, card=card, ink=ink
            )
    out.alpha_composite(layer.convert("RGBA"))
    return out.convert("RGB")


# ── the sheet ───────────────────────────────────────────────────────────────────────────


def _font(size: int, *, bold: bool = False, italic: bool = False) -> fonts.Font:
    """Sheet text is always DejaVu: the brand font goes on the panels, legibility comes first here."""
    return fonts.load_font(None, size, bold=bold, italic=italic)


def _text_block(
    draw: ImageDraw.ImageDraw | None,
    xy: tuple[float, float],
    text: str,
    font: fonts.Font,
    width: int,
    fill: RGB,
    *,
    max_lines: int = 4,
) -> int:
    """Wrapped text at ``xy`` (drawn when ``draw`` is given); returns the height used."""
    if not text:
        return 0
    lines = fonts.wrap(text, font, width, balance=False)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = fonts.ellipsize(lines[-1], font, width)
    advance = fonts.line_height(font)
    if draw is not None:
        x, y = xy
        for line in lines:
            draw.text((x, y), line, font=font, fill=fill)
            y += advance
    return advance * len(lines)


def _caption(
    draw: ImageDraw.ImageDraw | None,
    shot: Shot,
    x: float,
    y: float,
    width: int,
    colours: dict[str, RGB],
    lighting: str = "",
) -> int:
    """Everything under a panel; returns its height (measured without drawing when ``draw`` is None)."""
    ink, muted, accent = colours["ink"], colours["muted"], colours["accent"]
    start = y
    number = _font(34, bold=True)
    label = _font(24, bold=True)
    if draw is not None:
        badge = 54
        draw.rounded_rectangle((x, y, x + badge, y + badge), radius=12, fill=colours["badge"])
        text = f"{shot.index:02d}"
        tw = fonts.text_width(number, text)
        draw.text((x + (badge - tw) / 2, y + 7), text, font=number, fill=colours["badge_ink"])
        draw.text((x + badge + 16, y + 4), _ROLE_LABELS[shot.role], font=label, fill=accent)
        duration = f"{shot.duration_s:g} s"
        dur_font = _font(30, bold=True)
        draw.text(
            (x + width - fonts.text_width(dur_font, duration), y + 8), duration, font=dur_font, fill=ink
        )
        meta = f"{_SIZE_LABELS[shot.shot_size]} \u00b7 {shot.camera_move.replace('_', ' ')} \u00b7 {shot.lens_mm} mm"
        meta_fit = fonts.fit_text(
            meta, None, width - badge - 16, 30, max_size=23, min_size=14, max_lines=1, bold=False
        )
        draw.text((x + badge + 16, y + 32), meta_fit.lines[0], font=meta_fit.font, fill=muted)
    y += 72
    body = _font(29, bold=True)
    small = _font(24)
    vo_font = _font(28, italic=True)
    tag = _font(20, bold=True)
    text_italic = _font(29, bold=True, italic=True)
    rows: list[tuple[str, str, fonts.Font, RGB, int]] = []
    if shot.on_screen_text:
        text, guess = sheet_line(shot, "on_screen_text")
        rows.append(("TEXT", text, text_italic if guess else body, muted if guess else ink, 2))
    if shot.voice_over:
        text, guess = sheet_line(shot, "voice_over")
        rows.append(("VO", text, vo_font, muted if guess else ink, 4))
    rows.append(("SHOT", _without_size(shot.description, lighting), small, muted, 3))
    tag_w = 74
    for name, text, font, colour, max_lines in rows:
        if draw is not None:
            draw.text((x, y + 5), name, font=tag, fill=accent)
        y += _text_block(draw, (x + tag_w, y), text, font, width - tag_w, colour, max_lines=max_lines) + 14
    return int(y - start)


#: Marks a line the thread did not state (a stock line or a hosted planner's own claim).
SUGGESTED_MARK = "\u270e"


def sheet_line(shot: Shot, field: str) -> tuple[str, bool]:
    """A shot's line as the sheet prints it, and whether it is a suggestion (italic, muted,
    marked), so the approver sees what the thread did not say."""
    text = getattr(shot, field).strip()
    if field == "voice_over":
        text = f"\u201c{text.strip(_QUOTES)}\u201d"
    guess = shot.suggested(field)
    return (f"{SUGGESTED_MARK} {text} (suggested)" if guess else text), guess


def hook_line(plan: Plan) -> str:
    """The header's hook in quotes, marked when the thread did not say it."""
    source = plan.sources.get("hook")
    mark = f" {SUGGESTED_MARK}" if plan.sources and (source is None or source.suggested) else ""
    return f"\u201c{plan.hook}\u201d{mark}"


def _without_size(description: str, lighting: str = "") -> str:
    """The meta line names the framing and the header the light: keep the action only."""
    light = LIGHT_PHRASES.get(lighting)
    if light:
        description = description.replace(f"; {light}.", ".").replace(f"; {light}", "")
    head, sep, rest = description.partition(": ")
    if sep and len(head) <= 20 and rest:
        return rest[0].upper() + rest[1:]
    return description


def cast_row_height(cast: list[tuple[CastMember, Image.Image]] | None) -> int:
    """Height of the cast row (0 without a cast): thumbnails, names and a band above the grid."""
    return CAST_THUMB + 2 * CAST_ROW_PAD + 84 if cast else 0


def cast_row_boxes(cast: list[tuple[CastMember, Image.Image]], top: int) -> list[tuple[int, int, int, int]]:
    """Where each cast picture sits on the sheet (x0, y0, x1, y1); tests check these regions."""
    step = CAST_THUMB + 36
    per_row = max(1, (SHEET_WIDTH - 2 * MARGIN - 150) // step)
    x0 = MARGIN + 150
    y0 = top + CAST_ROW_PAD
    return [(x0 + k * step, y0, x0 + k * step + CAST_THUMB, y0 + CAST_THUMB) for k in range(min(len(cast), per_row))]


def _draw_cast_row(
    sheet: Image.Image,
    draw: ImageDraw.ImageDraw,
    cast: list[tuple[CastMember, Image.Image]],
    top: int,
    colours: dict[str, RGB],
    paper: RGB,
) -> None:
    """The approved looks: each entity's reference, its name and where the picture came from."""
    height = cast_row_height(cast)
    draw.rectangle((0, top, SHEET_WIDTH, top + height - 12), fill=shade(paper, -0.05))
    draw.text((MARGIN, top + CAST_ROW_PAD + 6), "CAST", font=_font(30, bold=True), fill=colours["accent"])
    draw.text(
        (MARGIN, top + CAST_ROW_PAD + 46), "approved with\nthe storyboard", font=_font(20), fill=colours["muted"]
    )
    name_font = _font(24, bold=True)
    note_font = _font(19)
    for (member, picture), box in zip(cast, cast_row_boxes(cast, top), strict=False):
        thumb = ImageOps.fit(picture.convert("RGB"), (CAST_THUMB, CAST_THUMB), Image.Resampling.LANCZOS)
        sheet.paste(thumb, box[:2], _rounded_mask(thumb.size, 14))
        name = member.name
        if fonts.text_width(name_font, name) > CAST_THUMB + 30:
            name = fonts.ellipsize(name, name_font, CAST_THUMB + 30)
        draw.text((box[0], box[3] + 10), name, font=name_font, fill=colours["ink"])
        origin = "your upload" if member.source == "upload" else ("packshot" if member.kind == "product" else "generated")
        draw.text((box[0], box[3] + 42), origin, font=note_font, fill=colours["muted"])


def render_sheet(
    plan: Plan,
    panels: list[Image.Image],
    *,
    aspect: AspectRatio,
    cast: list[tuple[CastMember, Image.Image]] | None = None,
) -> Image.Image:
    """The storyboard sheet: a branded header, the cast row, and a grid of numbered, annotated panels."""
    n = len(panels)
    cols = columns_for(aspect, n)
    cell_w = cell_width(aspect, n)
    named = roles(plan.bible.palette)
    dark, accent = named["dark"], named["accent"]
    paper = mix(mix(named["light"], (246, 245, 242), 0.6), (255, 255, 255), 0.3)
    head_ink = (255, 255, 255) if luminance(dark) < 0.5 else (20, 20, 24)
    colours = {
        "ink": (28, 30, 36),
        "muted": (104, 108, 118),
        "accent": shade(accent, -0.35) if luminance(accent) > 0.55 else accent,
        "badge": dark,
        "badge_ink": head_ink,
    }
    panel_h = round(cell_w * FRAME_SIZES[aspect][1] / FRAME_SIZES[aspect][0])
    rows = (n + cols - 1) // cols
    light = plan.bible.lighting
    row_heights = []
    for r in range(rows):
        shots = plan.shots[r * cols : (r + 1) * cols]
        row_heights.append(panel_h + 22 + max(_caption(None, s, 0, 0, cell_w, colours, light) for s in shots))

    # Header: brand line, title, hook; on the right, palette and cast.
    title_font = _font(58, bold=True)
    hook_font = _font(34, italic=True)
    header_text_w = int((SHEET_WIDTH - 2 * MARGIN) * 0.64)
    title_h = _text_block(None, (0, 0), plan.title, title_font, header_text_w, head_ink, max_lines=2)
    hook_h = _text_block(
        None, (0, 0), hook_line(plan), hook_font, header_text_w, head_ink, max_lines=2
    )
    header_h = max(300, 56 + 44 + title_h + 18 + hook_h + 52)
    footer_h = 90
    cast_row = cast  # the header reuses the name ``cast`` for its one-line character list
    cast_h = cast_row_height(cast_row)
    height = header_h + cast_h + 48 + sum(row_heights) + GUTTER * (rows - 1) + footer_h
    sheet = Image.new("RGB", (SHEET_WIDTH, height), paper)
    draw = ImageDraw.Draw(sheet)

    draw.rectangle((0, 0, SHEET_WIDTH, header_h), fill=dark)
    draw.rectangle((0, header_h - 8, SHEET_WIDTH, header_h), fill=accent)
    brief = plan.brief
    brand = (brief.brand.name or plan.bible.entities[0].name).upper()
    kicker = f"{brand}  \u00b7  {brief.goal.replace('_', ' ').upper()}  \u00b7  STORYBOARD"
    y = 56
    draw.text((MARGIN, y), kicker, font=_font(26, bold=True), fill=accent)
    y += 44
    y += _text_block(draw, (MARGIN, y), plan.title, title_font, header_text_w, head_ink, max_lines=2) + 18
    _text_block(
        draw,
        (MARGIN, y),
        hook_line(plan),
        hook_font,
        header_text_w,
        mix(head_ink, dark, 0.2),
        max_lines=2,
    )

    right_x = MARGIN + header_text_w + 48
    right_w = SHEET_WIDTH - MARGIN - right_x
    facts = [
        f"{brief.duration_s} s \u00b7 {aspect} \u00b7 {n} shots \u00b7 {plan.fps} fps \u00b7 {light} light",
        " \u00b7 ".join(brief.platforms) if brief.platforms else "",
        f"CTA: {plan.cta.text}" + (f" \u2192 {plan.cta.url}" if plan.cta.url else ""),
    ]
    fy = 60
    fact_font = _font(26)
    for fact in facts:
        if fact:
            fy += (
                _text_block(
                    draw, (right_x, fy), fact, fact_font, right_w, mix(head_ink, dark, 0.15), max_lines=2
                )
                + 6
            )
    fy += 14
    for k, colour in enumerate(plan.bible.palette[:6]):
        cx = right_x + 22 + k * 58
        draw.ellipse(
            (cx - 22, fy, cx + 22, fy + 44),
            fill=hex_rgb(colour),
            outline=mix(head_ink, dark, 0.5),
            width=2,
        )
    fy += 62
    people = [e for e in plan.bible.entities if e.kind == "character"]
    for entity in people[:2]:
        # People have skin and outfit colours; animals fur and a collar.
        skin = hex_rgb(entity.colors.get("skin") or entity.colors.get("fur") or "#e0b090")
        outfit = hex_rgb(entity.colors.get("outfit") or entity.colors.get("collar") or "#3d5a80")
        draw.ellipse((right_x, fy + 2, right_x + 26, fy + 28), fill=skin)
        draw.rectangle((right_x + 30, fy + 8, right_x + 42, fy + 22), fill=outfit)
        descr = entity.look.split(";")[0].strip()
        if descr.lower().startswith(entity.name.lower()):
            descr = descr[len(entity.name) :].lstrip(" ,:-")
        _text_block(
            draw,
            (right_x + 54, fy),
            f"{entity.name}: {descr}",
            _font(24),
            right_w - 54,
            mix(head_ink, dark, 0.15),
            max_lines=1,
        )
        fy += 36

    if cast_row:
        _draw_cast_row(sheet, draw, cast_row, header_h, colours, paper)

    # The grid.
    y = header_h + cast_h + 48
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c
            if k >= n:
                break
            x = MARGIN + c * (cell_w + GUTTER)
            panel = panels[k]
            if panel.width != cell_w:
                panel = panel.resize(
                    (cell_w, round(cell_w * panel.height / panel.width)), Image.Resampling.LANCZOS
                )
            draw.rounded_rectangle(
                (x + 4, y + 6, x + cell_w + 4, y + panel.height + 6), radius=16, fill=shade(paper, -0.1)
            )
            sheet.paste(panel, (x, y), _rounded_mask(panel.size, 16))
            _caption(draw, plan.shots[k], x, y + panel.height + 22, cell_w, colours, light)
        y += row_heights[r] + GUTTER

    footer_y = height - footer_h + 24
    draw.line((MARGIN, footer_y - 18, SHEET_WIDTH - MARGIN, footer_y - 18), fill=shade(paper, -0.12), width=2)
    left = f"{plan.title}  \u00b7  seed {plan.seed}"
    if any(shot.suggested(f) for shot in plan.shots for f in ("on_screen_text", "voice_over")):
        left += f"  \u00b7  {SUGGESTED_MARK} suggested: not said in the thread"
    draw.text((MARGIN, footer_y), left, font=_font(22), fill=colours["muted"])
    right = "Drawn by Cutroom \u00b7 animatic preview, not final frames"
    rf = _font(22)
    draw.text(
        (SHEET_WIDTH - MARGIN - fonts.text_width(rf, right), footer_y), right, font=rf, fill=colours["muted"]
    )
    return sheet


def _rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255)
    return mask


def sheet_png_bytes(sheet: Image.Image, *, limit: int = MAX_SHEET_BYTES) -> bytes:
    """A PNG under ``limit`` bytes: full colour if it fits, else a 256-colour palette, else smaller.

    zlib level 6 is within ~6% of level 9 on these flat illustrations and five times faster.
    """
    image = sheet.convert("RGB")
    while True:
        data = png_bytes(image)
        if len(data) <= limit:
            return data
        data = png_bytes(image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
        if len(data) <= limit or image.width < 400:
            return data
        image = image.resize((int(image.width * 0.85), int(image.height * 0.85)), Image.Resampling.LANCZOS)

