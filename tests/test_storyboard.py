"""The animatic image backend and the storyboard sheet: sizes, layers, text, determinism, bytes."""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFont

from cutroom.core.backends import ImageBackend, PanelArt, images
from cutroom.core.backends.animatic import AnimaticImageBackend, place_of
from cutroom.core.graphics import fonts
from cutroom.core.graphics.mood import mood_for
from cutroom.core.graphics.safe_area import safe_box
from cutroom.core.graphics.text import layout_text
from cutroom.core.models import FRAME_SIZES, AspectRatio, BrandKit, Brief, Plan, ProductCategory, Shot
from cutroom.core.plan import plan_ad, sample_brief
from cutroom.core.storyboard import (
    MAX_SHEET_BYTES,
    DrawnStoryboard,
    draw_storyboard,
    panel_size,
    render_sheet,
    sheet_png_bytes,
)
from tests.support.threads import thread_path, thread_paths

ASPECTS: list[AspectRatio] = ["9:16", "16:9", "1:1", "4:5"]
LONG_TEXT = (
    "This on-screen line is far too long for any phone screen and keeps going with "
    "Supercalifragilisticexpialidocious words so it must wrap and shrink"
)


def _digest(image: Image.Image) -> str:
    return hashlib.sha256(image.tobytes()).hexdigest()


def _board(
    seed: int = 0, aspect: AspectRatio = "9:16", width: int = 160, brief: Brief | None = None
) -> DrawnStoryboard:
    plan = plan_ad(brief or sample_brief(), seed=seed)
    return draw_storyboard(plan, AnimaticImageBackend(), aspect=aspect, seed=seed, panel_width=width)


def test_the_backend_is_registered_and_fits_the_protocol() -> None:
    backend = images.create("animatic")
    assert isinstance(backend, ImageBackend)
    assert isinstance(backend, AnimaticImageBackend)


@pytest.mark.parametrize("aspect", ASPECTS)
def test_every_aspect_gives_layers_of_the_asked_size(aspect: AspectRatio) -> None:
    plan = plan_ad(sample_brief(), seed=1)
    size = panel_size(aspect, 200)
    full_w, full_h = FRAME_SIZES[aspect]
    assert abs(size[0] / size[1] - full_w / full_h) < 0.02
    for shot in plan.shots:
        art = AnimaticImageBackend().draw(plan, shot, size=size, seed=1)
        assert art.background.size == size and art.background.mode == "RGB"
        assert art.foreground is not None and art.foreground.size == size and art.foreground.mode == "RGBA"
        assert art.extras["text_layer"].size == size
        assert art.subject is not None
        x0, y0, x1, y1 = art.subject
        assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]
        # The text is kept out of the art: the compositor animates it itself.
        text_alpha = np.asarray(art.extras["text_layer"])[:, :, 3]
        assert text_alpha.max() == 255
        assert art.flatten().size == size


def test_storyboard_panels_have_the_aspect_size_and_the_sheet_is_small() -> None:
    for aspect in ASPECTS:
        board = _board(aspect=aspect, width=150)
        want = panel_size(aspect, 150)
        assert [p.size for p in board.panels] == [want] * len(board.panels)
        assert 1600 <= board.sheet.width <= 2000
        data = sheet_png_bytes(board.sheet)
        assert len(data) < MAX_SHEET_BYTES
        assert Image.open(io.BytesIO(data)).size == board.sheet.size


def test_default_panels_fill_the_sheet_cells_and_the_sheet_stays_under_2_mib() -> None:
    plan = plan_ad(sample_brief(), seed=0)
    board = draw_storyboard(plan, AnimaticImageBackend(), aspect="9:16", seed=0)
    assert 400 <= board.panels[0].width <= 600
    data = sheet_png_bytes(board.sheet)
    assert len(data) < MAX_SHEET_BYTES


def test_same_seed_same_pixels_other_seed_other_pixels() -> None:
    first, again, other = _board(seed=5), _board(seed=5), _board(seed=6)
    assert [_digest(p) for p in first.panels] == [_digest(p) for p in again.panels]
    assert sheet_png_bytes(first.sheet) == sheet_png_bytes(again.sheet)
    assert _digest(first.sheet) != _digest(other.sheet)
    # The same plan drawn with another seed changes the sets, not the plan.
    plan = plan_ad(sample_brief(), seed=5)
    a = AnimaticImageBackend().draw(plan, plan.shots[0], size=(160, 284), seed=5)
    b = AnimaticImageBackend().draw(plan, plan.shots[0], size=(160, 284), seed=9)
    assert _digest(a.background) != _digest(b.background)


@pytest.mark.parametrize("aspect", ASPECTS)
def test_long_on_screen_text_stays_inside_the_safe_area(aspect: AspectRatio) -> None:
    for width in (120, 540, 1080):
        size = panel_size(aspect, width)
        placement = layout_text(LONG_TEXT, size, font_name=None)
        assert placement is not None
        x0, y0, x1, y1 = placement.box
        sx0, sy0, sx1, sy1 = safe_box(size)
        assert sx0 <= x0 < x1 <= sx1 and sy0 <= y0 < y1 <= sy1, (size, placement.box)
        fitted = placement.fitted
        assert all(fonts.text_width(fitted.font, line) <= x1 - x0 for line in fitted.lines)
    plan = plan_ad(sample_brief(), seed=0)
    shot = plan.shots[1].model_copy(update={"on_screen_text": LONG_TEXT})
    size = panel_size(aspect, 300)
    art = AnimaticImageBackend().draw(plan, shot, size=size, seed=0)
    for x0, y0, x1, y1 in art.extras["text_boxes"]:
        assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]
    alpha = np.asarray(art.extras["text_layer"])[:, :, 3]
    ys, xs = np.nonzero(alpha)
    sx0, sy0, sx1, sy1 = safe_box(size)
    assert xs.min() >= sx0 and xs.max() < sx1 and ys.min() >= sy0 and ys.max() < sy1


def test_unknown_font_falls_back_without_crashing() -> None:
    font = fonts.load_font("Definitely Not A Font", 24)
    assert isinstance(font, ImageFont.FreeTypeFont)
    assert "DejaVuSans-Bold" in str(font.path)
    assert fonts.find_font("/nowhere/brand.ttf") == fonts.find_font(None) == fonts.fallback_font()
    assert "DejaVuSans.ttf" in (fonts.fallback_font(bold=False) or "")
    assert "not installed" in (fonts.font_notice("Definitely Not A Font") or "")
    assert fonts.font_notice(None) is None
    assert "Liberation" in (fonts.find_font("Liberation Sans") or "")
    brief = sample_brief().model_copy(
        update={"brand": BrandKit(name="Lumen", palette=["#1f3a5f"], font="Definitely Not A Font")}
    )
    board = _board(brief=brief, width=120)
    assert len(board.panels) == 6


def test_fitting_shrinks_then_wraps_then_ellipsizes() -> None:
    fitted = fonts.fit_text("Short", None, 400, 100, max_size=40)
    assert fitted.size == 40 and fitted.lines == ["Short"]
    squeezed = fonts.fit_text(LONG_TEXT, None, 100, 30, max_size=40, min_size=8, max_lines=2)
    assert squeezed.size == 8 and len(squeezed.lines) <= 2 and squeezed.lines[-1].endswith("\u2026")
    assert all(fonts.text_width(squeezed.font, line) <= 100 for line in squeezed.lines)
    # Balanced wrapping: no lonely last word.
    lines = fonts.wrap("Tired skin by 3 pm?", fonts.load_font(None, 40), 260)
    assert len(lines) == 2 and len(lines[1].split()) >= 2


@pytest.mark.parametrize("category", ["bottle", "box", "can", "phone", "shoe", "food", "generic"])
def test_every_product_category_is_drawn_in_its_colours(category: ProductCategory) -> None:
    brief = sample_brief().model_copy(update={"product_category": category, "tone": ["calm"]})
    plan = plan_ad(brief, seed=0)
    product = plan.bible.entity("product")
    plan = plan.model_copy(
        update={
            "bible": plan.bible.model_copy(
                update={
                    "entities": [product.model_copy(update={"category": category}), *plan.bible.entities[1:]]
                }
            )
        }
    )
    reveal = next(s for s in plan.shots if s.role == "reveal")
    art = AnimaticImageBackend().draw(plan, reveal, size=(270, 480), seed=0)
    assert art.foreground is not None
    pixels = np.asarray(art.foreground)
    opaque = pixels[pixels[:, :, 3] == 255][:, :3].astype(int)
    body = np.array([int(product.colors["body"][i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(opaque - body).sum(axis=1) < 12).sum() > 200, "the body colour is on screen"


def test_a_character_keeps_their_colours_in_every_panel() -> None:
    plan = plan_ad(sample_brief(), seed=2)
    lead = next(e for e in plan.bible.entities if e.kind == "character")
    ambient = np.array(mood_for(plan).ambient)
    for part in ("hair", "skin"):
        rgb = np.array([int(lead.colors[part][i : i + 2], 16) for i in (1, 3, 5)])
        expected = np.clip(np.round(rgb * ambient), 0, 255)
        for shot in plan.shots:
            if lead.id not in shot.entities:
                continue
            art = AnimaticImageBackend().draw(plan, shot, size=(270, 480), seed=2)
            assert art.foreground is not None
            pixels = np.asarray(art.foreground)
            opaque = pixels[pixels[:, :, 3] == 255][:, :3].astype(int)
            assert (np.abs(opaque - expected).sum(axis=1) <= 6).sum() > 30, (part, shot.index)


def test_end_card_foreground_is_the_product_and_the_text_layer_has_the_cta() -> None:
    plan = plan_ad(sample_brief(), seed=0)
    end = plan.shots[-1]
    assert place_of(end) == "endcard"
    art = AnimaticImageBackend().draw(plan, end, size=(270, 480), seed=0)
    assert art.foreground is not None
    box = art.foreground.getbbox()
    assert box is not None and box[3] <= 480 * 0.6  # the product sits above the CTA area
    text_boxes = art.extras["text_boxes"]
    assert len(text_boxes) == 3  # brand, CTA button, URL
    assert all(b[1] >= box[3] - 10 for b in text_boxes)


def test_places_follow_the_description() -> None:
    plan = plan_ad(sample_brief(), seed=0)
    shot = plan.shots[1]
    for words, place in [
        ("in a green park", "park"),
        ("on a city street", "city"),
        ("at her office desk", "office"),
        ("in the bathroom mirror", "bathroom"),
    ]:
        assert place_of(shot.model_copy(update={"description": f"Medium: Ava waits {words}."})) == (
            "nature" if place == "park" else place
        )


def test_a_full_hd_panel_is_fast() -> None:
    plan = plan_ad(sample_brief(), seed=0)
    backend = AnimaticImageBackend()
    backend.draw(plan, plan.shots[0], size=(270, 480), seed=0)  # warm font caches
    started = time.perf_counter()
    for shot in plan.shots:
        backend.draw(plan, shot, size=(1080, 1920), seed=0)
    per_panel = (time.perf_counter() - started) / len(plan.shots)
    assert per_panel < 1.5, per_panel  # ~0.3 s on an idle core; generous for a shared machine


def test_progress_is_reported_and_the_sheet_renders_from_given_panels() -> None:
    seen: list[float] = []
    plan = plan_ad(sample_brief(), seed=0)
    board = draw_storyboard(
        plan,
        AnimaticImageBackend(),
        aspect="1:1",
        seed=0,
        panel_width=100,
        on_progress=lambda s, f, m="": seen.append(f),
    )
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= len(plan.shots)
    again = render_sheet(plan, board.panels, aspect="1:1")
    assert _digest(again) == _digest(board.sheet)


class _FlatBackend:
    """Another image backend (no text layer): the storyboard draws the text itself."""

    def draw(self, plan: Plan, shot: object, *, size: tuple[int, int], seed: int) -> PanelArt:
        return PanelArt(background=Image.new("RGB", size, (90, 90, 90)))


def test_backends_without_a_text_layer_still_get_on_screen_text() -> None:
    plan = plan_ad(sample_brief(), seed=0)
    board = draw_storyboard(plan, _FlatBackend(), aspect="9:16", seed=0, panel_width=200)
    first = np.asarray(board.panels[0])
    assert (first != 90).any(), "the hook text is drawn on the flat panel"


def test_oversized_sheets_fall_back_to_a_palette_png_under_the_limit() -> None:
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (500, 500, 3), dtype=np.uint8))
    data = sheet_png_bytes(noise, limit=200_000)
    assert len(data) <= 200_000
    assert Image.open(io.BytesIO(data)).mode in ("P", "RGB")


def test_the_end_card_panel_shows_the_brand_logo_when_there_is_one(tmp_path: Path) -> None:
    logo_path = tmp_path / "logo.png"
    Image.new("RGBA", (400, 100), (12, 200, 90, 255)).save(logo_path)
    brief = sample_brief().model_copy(
        update={"brand": BrandKit(name="Lumen", palette=["#1f3a5f", "#f4b942"], logo=str(logo_path))}
    )
    plan = plan_ad(brief, seed=0)
    art = AnimaticImageBackend().draw(plan, plan.shots[-1], size=(270, 480), seed=0)
    x0, y0, x1, y1 = art.extras["text_boxes"][0]
    assert abs((x1 - x0) / (y1 - y0) - 4.0) < 0.2  # the logo, in its own proportions
    layer = np.asarray(art.extras["text_layer"])
    assert (np.abs(layer[y0:y1, x0:x1, :3].astype(int) - (12, 200, 90)).sum(axis=2) < 10).mean() > 0.9
    # A logo that cannot be read falls back to the brand name.
    broken = brief.model_copy(
        update={"brand": brief.brand.model_copy(update={"logo": str(tmp_path / "nope.png")})}
    )
    plan = plan_ad(broken, seed=0)
    assert AnimaticImageBackend().draw(plan, plan.shots[-1], size=(270, 480), seed=0).extras["text_boxes"]


@pytest.mark.parametrize("style", ["long", "bob", "bun", "short", "curly", "ponytail"])
def test_every_hair_style_draws_symmetric_strands_in_every_pose(style: str) -> None:
    plan = plan_ad(sample_brief(), seed=0)
    lead = next(e for e in plan.bible.entities if e.kind == "character")
    styled = lead.model_copy(update={"look": f"a young professional woman; hair: {style}, auburn"})
    entities = [styled if e.id == lead.id else e for e in plan.bible.entities]
    plan = plan.model_copy(update={"bible": plan.bible.model_copy(update={"entities": entities})})
    hair = np.array([int(lead.colors["hair"][i : i + 2], 16) for i in (1, 3, 5)])
    ambient = np.array(mood_for(plan).ambient)
    for shot in plan.shots:
        if lead.id not in shot.entities or shot.shot_size not in ("close_up", "medium_close", "medium"):
            continue
        art = AnimaticImageBackend().draw(plan, shot, size=(270, 480), seed=0)
        assert art.foreground is not None
        pixels = np.asarray(art.foreground)
        is_hair = (np.abs(pixels[:, :, :3].astype(int) - np.round(hair * ambient)).sum(axis=2) <= 6) & (
            pixels[:, :, 3] == 255
        )
        ys, xs = np.nonzero(is_hair)
        assert xs.size > 50, (style, shot.index)
        if style in ("long", "bob"):  # hair on both sides of the face
            x0, _, x1, _ = art.subject
            centre = (x0 + x1) / 2
            assert (xs < centre - 5).sum() > 20 and (xs > centre + 5).sum() > 20, (style, shot.index)




@pytest.mark.parametrize("name", sorted(p.stem for p in thread_paths()))
def test_each_fixture_thread_plans_validly_and_draws_the_same_pixels_twice(name: str) -> None:
    """Thread to brief to plan to storyboard, end to end on every realistic fixture."""
    from cutroom.core.extract import extract_brief, parse_thread

    brief = extract_brief(parse_thread(thread_path(name).read_text())).brief
    plan = plan_ad(brief, seed=3)
    assert plan.total_frames == brief.duration_s * plan.fps  # exact, at frame precision
    assert all(3 <= s.duration_s <= 8 for s in plan.shots if not s.is_end_card)
    assert plan.shots[-1].is_end_card and plan.shots[-1].role == "cta"
    known = {e.id for e in plan.bible.entities}
    assert all(set(s.entities) <= known for s in plan.shots)
    product = [e.id for e in plan.bible.entities if e.kind == "product"]
    reveal = [s for s in plan.shots if s.role == "reveal"]
    assert not product or not reveal or product[0] in reveal[0].entities
    aspect = brief.aspect_ratios[0]
    first = draw_storyboard(plan, AnimaticImageBackend(), aspect=aspect, seed=3, panel_width=160)
    again = draw_storyboard(plan, AnimaticImageBackend(), aspect=aspect, seed=3, panel_width=160)
    assert [_digest(p) for p in first.panels] == [_digest(p) for p in again.panels]
    assert _digest(first.sheet) == _digest(again.sheet)


PAWSOME = (
    "a 15-second ad for Pawsome dog treats, warm and funny, for dog owners, show a golden retriever, "
    "CTA order at pawsome.example"
)


def _pet_plan(character: str = "a golden retriever") -> Plan:
    brief = sample_brief().model_copy(update={"characters": [character]})
    return plan_ad(brief, seed=1)


def _animal_panels(plan: Plan, size: tuple[int, int], character: str) -> list[tuple[Shot, PanelArt]]:
    """Every shot with the plan's animal, drawn twice: the same pixels, the subject box inside
    the frame, and the coat (under the mood's light) in over a fifth of the opaque foreground."""
    pet = next(e for e in plan.bible.entities if e.kind == "character")
    ambient = np.array(mood_for(plan).ambient)
    fur = np.array([int(pet.colors["fur"][i : i + 2], 16) for i in (1, 3, 5)])
    expected = np.clip(np.round(fur * ambient), 0, 255)
    shots = [s for s in plan.shots if pet.id in s.entities]
    assert shots
    drawn = []
    for shot in shots:
        art = AnimaticImageBackend().draw(plan, shot, size=size, seed=1)
        again = AnimaticImageBackend().draw(plan, shot, size=size, seed=1)
        assert art.foreground is not None and again.foreground is not None
        assert _digest(art.foreground) == _digest(again.foreground)
        x0, y0, x1, y1 = art.subject
        assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]
        pixels = np.asarray(art.foreground)
        opaque = pixels[pixels[:, :, 3] == 255][:, :3].astype(int)
        share = (np.abs(opaque - expected).sum(axis=1) <= 6).mean()
        assert share > 0.2, (character, shot.index, share)
        drawn.append((shot, art))
    return drawn


@pytest.mark.parametrize("aspect", ["9:16", "16:9", "1:1"])
@pytest.mark.parametrize("character", ["a golden retriever", "a black cat", "a corgi puppy", "a tabby cat"])
def test_an_animal_is_drawn_in_its_fur_inside_the_frame_and_deterministically(
    aspect: AspectRatio, character: str
) -> None:
    plan = _pet_plan(character)
    person_plan = plan_ad(sample_brief(), seed=1)
    size = panel_size(aspect, 240)
    for shot, art in _animal_panels(plan, size, character):
        if shot.index in {s.index for s in person_plan.shots}:
            person = AnimaticImageBackend().draw(
                person_plan, person_plan.shots[shot.index - 1], size=size, seed=1
            )
            assert person.foreground is not None and _digest(person.foreground) != _digest(art.foreground)


def test_an_animal_with_the_product_sets_it_beside_them() -> None:
    plan = _pet_plan()
    pet = next(e for e in plan.bible.entities if e.kind == "character")
    shot = next(s for s in plan.shots if pet.id in s.entities and "product" in s.entities)
    product = plan.bible.entity("product")
    body = np.array([int(product.colors["body"][i : i + 2], 16) for i in (1, 3, 5)])
    for aspect in ("9:16", "16:9", "1:1"):
        size = panel_size(aspect, 300)
        art = AnimaticImageBackend().draw(plan, shot, size=size, seed=0)
        assert art.foreground is not None
        pixels = np.asarray(art.foreground)
        opaque = pixels[pixels[:, :, 3] == 255][:, :3].astype(int)
        assert (np.abs(opaque - body).sum(axis=1) < 40).sum() > 100, aspect


def test_the_pawsome_brief_draws_a_dog_not_a_person() -> None:
    from cutroom.core.extract import extract_brief
    from cutroom.core.models import Message

    brief = extract_brief([Message(author="maya", text=PAWSOME)]).brief
    plan = plan_ad(brief, seed=0)
    (dog,) = [e for e in plan.bible.entities if e.kind == "character"]
    assert "skin" not in dog.colors
    first = draw_storyboard(plan, AnimaticImageBackend(), aspect="9:16", seed=0, panel_width=160)
    again = draw_storyboard(plan, AnimaticImageBackend(), aspect="9:16", seed=0, panel_width=160)
    assert [_digest(p) for p in first.panels] == [_digest(p) for p in again.panels]


def test_a_full_hd_animal_panel_is_fast() -> None:
    plan = _pet_plan()
    backend = AnimaticImageBackend()
    started = time.perf_counter()
    for shot in plan.shots:
        backend.draw(plan, shot, size=(1080, 1920), seed=0)
    assert (time.perf_counter() - started) / len(plan.shots) < 1.5


@pytest.mark.parametrize(("product", "kind"), [("Pawsome dog treats", "bones"), ("Whisker cat food", "kibble")])
def test_pet_food_is_drawn_as_pet_food_not_fruit(product: str, kind: str) -> None:
    """A bowl of dog treats holds biscuit-brown bones, cat food kibble; other food keeps its fruit."""
    from cutroom.core.backends.animatic.products import _BISCUIT

    def biscuit_share(name: str, category: ProductCategory = "food") -> float:
        brief = sample_brief().model_copy(update={"product": name, "product_category": category})
        plan = plan_ad(brief, seed=0)
        reveal = next(s for s in plan.shots if s.role == "reveal")
        art = AnimaticImageBackend().draw(plan, reveal, size=(270, 480), seed=0)
        pixels = np.asarray(art.foreground)[:, :, :3].astype(int)
        near = np.zeros(pixels.shape[:2], dtype=bool)
        for colour in _BISCUIT:
            near |= np.abs(pixels - np.array(colour)).sum(axis=2) <= 60  # after the light tint
        return float(near.mean())

    assert biscuit_share(product) > 0.01, kind
    assert biscuit_share("Sunny fruit salad") < 0.002


@pytest.mark.parametrize("aspect", ["9:16", "16:9", "1:1"])
@pytest.mark.parametrize("character", ["Max the fox", "a bear mascot", "a panda", "a bunny", "a golden hamster"])
def test_a_mascot_animal_is_drawn_in_its_coat_not_as_a_dog(aspect: AspectRatio, character: str) -> None:
    plan = _pet_plan(character)
    pet = next(e for e in plan.bible.entities if e.kind == "character")
    assert "skin" not in pet.colors
    dog_plan = _pet_plan()
    size = panel_size(aspect, 240)
    for shot, art in _animal_panels(plan, size, character):
        dog = AnimaticImageBackend().draw(dog_plan, dog_plan.shots[shot.index - 1], size=size, seed=1)
        assert dog.foreground is not None and _digest(dog.foreground) != _digest(art.foreground)
