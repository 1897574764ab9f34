"""Looks the bible fixes for every scene: palettes and light from the tone, people's skin,
hair and outfit, animals' breed and coat, the product's colours, and plain colour names.

Deterministic for a description and a seed, so every backend draws the same person, pet and
product in every shot. The breed and coat tables are data (core/data/animals.json).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from cutroom.core.graphics.colour import distance, hex_rgb, luminance, rgb_hex, roles, shade
from cutroom.core.models import Brief, Entity, Lighting
from cutroom.core.seeds import chooser

_ANIMALS = json.loads(resources.files("cutroom.core").joinpath("data/animals.json").read_text(encoding="utf-8"))


#: Tasteful palettes for briefs without brand colours, keyed by tone word.
TONE_PALETTES: dict[str, list[str]] = {
    "premium": ["#1c2333", "#c9a96e", "#f5f0e8"],
    "luxury": ["#161616", "#b8955a", "#f3ede4"],
    "warm": ["#7a3b2e", "#e8a87c", "#fbf3ea"],
    "playful": ["#ff6b6b", "#ffd166", "#fff8ec"],
    "fun": ["#5b3fd4", "#ffcc3f", "#fff9ef"],
    "bold": ["#111111", "#ff3b30", "#f7f7f7"],
    "energetic": ["#ff4d2e", "#1b1b3a", "#fff4e6"],
    "calm": ["#4f6d6a", "#b9cfc6", "#f4f1ea"],
    "natural": ["#3f5a3c", "#d9b77e", "#f6f1e7"],
    "fresh": ["#118a7e", "#ffd96a", "#f2fbf7"],
    "modern": ["#1d2b53", "#29adb2", "#f4f6fb"],
    "tech": ["#15193a", "#4c6fff", "#eef1ff"],
    "minimal": ["#222222", "#9a9a9a", "#f6f6f4"],
    "friendly": ["#2f6fdf", "#ffb547", "#f7f9ff"],
    "trustworthy": ["#1f4e79", "#6fb3d2", "#f3f7fb"],
    "edgy": ["#0d0d0d", "#d7ff3a", "#ececec"],
}
DEFAULT_PALETTE = ["#243b55", "#f2a65a", "#f8f4ee"]

#: Tone word -> light, first match wins (in the brief's tone order).
TONE_LIGHTING: dict[str, Lighting] = {
    "warm": "golden",
    "cozy": "golden",
    "nostalgic": "golden",
    "premium": "studio",
    "luxury": "moody",
    "elegant": "studio",
    "minimal": "studio",
    "clean": "studio",
    "moody": "moody",
    "dramatic": "moody",
    "serious": "moody",
    "edgy": "neon",
    "night": "neon",
    "futuristic": "neon",
    "tech": "neon",
    "playful": "bright",
    "fun": "bright",
    "energetic": "bright",
    "bold": "bright",
    "fresh": "bright",
    "friendly": "bright",
    "calm": "soft",
    "natural": "soft",
    "gentle": "soft",
    "trustworthy": "soft",
}


def palette_for(brief: Brief) -> list[str]:
    """The brand palette, topped up to three colours (dark, accent, light) from the tone."""
    tone_palette = next((TONE_PALETTES[t.lower()] for t in brief.tone if t.lower() in TONE_PALETTES), None)
    base = tone_palette or DEFAULT_PALETTE
    palette = list(dict.fromkeys(c.lower() for c in brief.brand.palette))
    if not palette:
        return list(base)
    for colour in base:
        if len(palette) >= 3:
            break
        if all(distance(hex_rgb(colour), hex_rgb(c)) > 60 for c in palette):
            palette.append(colour)
    while len(palette) < 3:
        palette.append(rgb_hex(shade(hex_rgb(palette[0]), 0.85 if len(palette) == 2 else 0.45)))
    return palette


_LIGHT_PRIORITY: list[Lighting] = ["golden", "neon", "moody", "studio", "bright", "soft"]


def lighting_for(tone: list[str]) -> Lighting:
    """The most characterful light any tone word asks for (warm + premium -> golden)."""
    wanted = {TONE_LIGHTING[w.lower()] for w in tone if w.lower() in TONE_LIGHTING}
    return next((light for light in _LIGHT_PRIORITY if light in wanted), "soft")


# ── looks ───────────────────────────────────────────────────────────────────────────────

SKIN_TONES = ["#f6d5bd", "#eec1a0", "#d9a27e", "#c68863", "#a86b47", "#8a5434", "#6b3f26", "#f1c7a5"]
HAIR_COLOURS = ["#2b1d16", "#3b2417", "#5a3825", "#1c1c1c", "#8a5a32", "#c79a5b", "#6e2f1f", "#47362b"]
OUTFIT_COLOURS = ["#e07a5f", "#3d5a80", "#81b29a", "#f2cc8f", "#6d597a", "#d4a373", "#2a9d8f", "#e76f51"]
HAIR_STYLES = ["long", "bob", "bun", "short", "curly", "ponytail"]
FEMININE_STYLES = ["long", "bob", "bun", "curly", "ponytail"]
MASCULINE_STYLES = ["short", "curly", "short"]


_FEMININE = re.compile(
    r"\b(woman|women|girl|female|mum|mom|mother|lady|wife|sister|grandma|daughter)\b", re.I
)
_MASCULINE = re.compile(r"\b(man|men|guy|male|dad|father|boy|husband|brother|grandpa|son)\b", re.I)


def gender_hint(description: str) -> str | None:
    """ "feminine", "masculine" or None, from nouns only: "his partner Lea" says nothing about Lea."""
    if _FEMININE.search(description):
        return "feminine"
    if _MASCULINE.search(description):
        return "masculine"
    return None


def character_look(description: str, seed: int, palette: list[str]) -> tuple[dict[str, str], str]:
    """Fixed colours (skin, hair, outfit, accent) and a hair style for one character.

    A dog or a cat gets its coat instead: (fur, markings, collar, accent) and the style "fur".
    """
    if species_of(description):
        return animal_colours(description, seed, palette), "fur"
    choose = chooser("character", seed)
    text = description.lower()
    hint = gender_hint(description)
    feminine, masculine = hint == "feminine", hint == "masculine"
    if feminine:
        style = choose.choice(FEMININE_STYLES)
    elif masculine:
        style = choose.choice(MASCULINE_STYLES)
    else:
        style = choose.choice(HAIR_STYLES)
    if any(w in text for w in ("grey", "gray", "older", "senior", "grand")):
        hair = "#b9b4ad"
    elif "blonde" in text or "blond" in text:
        hair = "#d9b46a"
    elif "red hair" in text or "redhead" in text:
        hair = "#a4452a"
    else:
        hair = choose.choice(HAIR_COLOURS)
    brand = [hex_rgb(c) for c in palette]
    # An outfit that stands apart from the brand colours so the person reads against the set.
    outfits = sorted(OUTFIT_COLOURS, key=lambda c: -min(distance(hex_rgb(c), b) for b in brand))
    outfit = choose.choice(outfits[:4])
    accent = roles(palette)["accent"]
    colours = {"skin": choose.choice(SKIN_TONES), "hair": hair, "outfit": outfit, "accent": rgb_hex(accent)}
    return colours, style


def product_colours(palette: list[str]) -> dict[str, str]:
    """The product wears the brand: body in the brand colour, a light label, an accent cap."""
    named = roles(palette)
    return {
        "body": rgb_hex(named["brand"]) if luminance(named["brand"]) < 0.85 else rgb_hex(named["dark"]),
        "label": rgb_hex(named["light"]),
        "cap": rgb_hex(named["accent"]),
    }


# ── animals ─────────────────────────────────────────────────────────────────────────────

#: Coats by name: (fur, markings). Markings are the chest, muzzle, spots or stripes.
COATS: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in _ANIMALS["coats"].items()}

#: (breed words, species, breed, ears, coat, pattern, build), first match wins.
_BREEDS: list[tuple[str, str, str, str, str, str, str]] = [
    (b["words"], b["species"], b["breed"], b["ears"], b["coat"], b["pattern"], b["build"]) for b in _ANIMALS["breeds"]
]
_BREED_RES: list[tuple[re.Pattern[str], str, str, str, str, str, str]] = [
    (re.compile(rf"\b(?:{p})", re.I), species, name, ears, coat, pattern, build)
    for p, species, name, ears, coat, pattern, build in _BREEDS
]
_DOG = re.compile(r"\b(?<!hot )(?:dogs?|pupp(?:y|ies)|pups?|doggos?|pooch(?:es)?|mutts?|canines?)\b", re.I)
_CAT = re.compile(r"\b(?:cats?|kittens?|kitt(?:y|ies)|felines?)\b", re.I)
#: The common mascot animals past dogs and cats, first match wins (a panda before a bear).
_MASCOTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bpandas?\b", re.I), "panda"),
    (re.compile(r"\b(?:fox(?:es)?|vixens?)\b", re.I), "fox"),
    (re.compile(r"\b(?:bears?|teddies)\b", re.I), "bear"),
    (re.compile(r"\b(?:bunn(?:y|ies)|rabbits?|hares?)\b", re.I), "rabbit"),
    (re.compile(r"\b(?:hamsters?|gerbils?|guinea pigs?)\b", re.I), "hamster"),
]
#: Per species: (ears, pattern, build, default coat; "" lets the seed choose).
_SPECIES_LOOK: dict[str, tuple[str, str, str, str]] = {
    "dog": ("floppy", "chest", "normal", ""),
    "cat": ("pointy", "solid", "normal", ""),
    "fox": ("pointy", "chest", "normal", "orange"),
    "bear": ("round", "solid", "chunky", "brown"),
    "panda": ("round", "panda", "chunky", "white"),
    "rabbit": ("long", "solid", "normal", ""),
    "hamster": ("round", "chest", "round", "golden"),
}
#: Every species ``species_of`` can name, dogs and cats first.
SPECIES = tuple(_SPECIES_LOOK)
#: Words after a pet word that make a person ("a dog owner"), or that end the character's own
#: words ("a woman with her dog": the woman is the character).
_PET_PERSON = re.compile(
    r"\b(?:dogs?|cats?|pet) (?:owners?|lovers?|parents?|people|person|walkers?|sitters?|groomers?|trainers?|"
    r"moms?|mums?|dads?|lady|guy)\b",
    re.I,
)
_HEAD_END = re.compile(
    r";|\s(?:with|holding|walking|beside|next to|and|&|who|in|on|at|wearing|hugging)\s", re.I
)
_COAT_WORDS: list[tuple[str, str]] = [
    (r"black-and-white", "black"),
    (r"golden|gold|blond(?:e)?|honey", "golden"),
    (r"yellow", "yellow"),
    (r"cream|beige|apricot", "cream"),
    (r"fawn|sandy", "fawn"),
    (r"chocolate|brown|liver", "brown"),
    (r"black|jet", "black"),
    (r"white|snowy", "white"),
    (r"grey|gray|silver|blue", "grey"),
    (r"orange|ginger|red", "orange"),
    (r"tan", "tan"),
]
_COAT_RES = [(re.compile(rf"\b(?:{p})\b", re.I), coat) for p, coat in _COAT_WORDS]
_DEFAULT_DOGS = ["golden retriever", "beagle", "corgi", "chocolate labrador", "border collie"]
_DEFAULT_CATS = ["ginger tabby", "tuxedo", "grey", "tabby"]


@dataclass(frozen=True)
class AnimalLook:
    """How a dog or cat is drawn: read from its description (or the look the planner wrote)."""

    species: str  # "dog", "cat", "fox", "bear", "panda", "rabbit" or "hamster"
    breed: str  # "golden retriever"; "" when none is named
    ears: str  # "floppy", "pointy", "round" (bears, hamsters) or "long" (rabbits)
    coat: str  # a COATS key
    pattern: str  # solid, chest, spots, patches, stripes, points, saddle, mask, panda
    build: str  # normal, short (corgi legs), small, chunky (bears), round (hamsters)
    young: bool  # a puppy, kitten or cub: a bigger head, shorter legs


def _head(description: str) -> str:
    text = re.sub(
        r"\b(black|brown|grey|gray|orange|ginger) and white\b", r"\1-and-white", description, flags=re.I
    )
    return _HEAD_END.split(f" {text} ", maxsplit=1)[0]


def species_of(description: str) -> str | None:
    """ "dog", "cat" or None: whether a character's own words name an animal ("a woman with her
    dog" is a woman; "Max, a golden retriever" and "a corgi puppy" are dogs).

    Mascot animals come after dogs and cats: "fox", "bear", "panda", "rabbit" (a bunny too) and
    "hamster" ("Max the fox", "a bear mascot"). A surname is not an animal ("Megan Fox").
    """
    head = _PET_PERSON.sub(" ", _head(description))
    if gender_hint(head):
        return None
    for pattern, species, *_ in _BREED_RES:
        if pattern.search(head):
            return species
    dog, cat = _DOG.search(head), _CAT.search(head)
    if dog and cat:
        return "dog" if dog.start() < cat.start() else "cat"
    if dog or cat:
        return "dog" if dog else "cat"
    for regex, species in _MASCOTS:
        for m in regex.finditer(head):
            before = head[: m.start()].rstrip()
            if m.group(0)[0].isupper() and re.search(r"\b(?!The\b)[A-Z][a-z]+$", before):
                continue  # "Megan Fox", "Gentle Ben Bear": a person's name
            return species
    return None


def animal_look(description: str) -> AnimalLook | None:
    """The animal a description names, breed and coat included; None for a person.

    Structured fields the planner writes ("ears: pointy; coat: golden; pattern: chest") win,
    so a look edited by hand or by a model is drawn as written.
    """
    species = species_of(description)
    if species is None:
        return None
    head = _head(description).lower()
    ears, pattern, build, coat = _SPECIES_LOOK[species]
    breed = ""
    for regex, kind, name, b_ears, b_coat, b_pattern, b_build in _BREED_RES:
        if kind == species and regex.search(head):
            breed, ears, coat, pattern, build = name, b_ears, b_coat, b_pattern, b_build
            break
    named = [
        c
        for regex, c in _COAT_RES
        if regex.search(re.sub(r"\b(?:golden retriever|tabb(?:y|ies))\b", "", head))
    ]
    if named and not (breed and named[0] == coat) and not (species == "panda" and not breed):
        coat = named[0]
        if re.search(r"-and-white", head) and species in ("dog", "cat"):
            pattern = "chest"
    text = description.lower()
    for key, options in (
        ("ears", ("floppy", "pointy", "round", "long")),
        ("pattern", _PATTERNS),
        ("build", ("normal", "short", "small", "chunky", "round")),
    ):
        m = re.search(rf"\b{key}:\s*([a-z-]+)", text)
        if m and m.group(1) in options:
            if key == "ears":
                ears = m.group(1)
            elif key == "pattern":
                pattern = m.group(1)
            else:
                build = m.group(1)
    m = re.search(r"\bcoat:\s*([a-z -]+?)\s*(?:[;,]|$)", text)
    if m and m.group(1) in COATS:
        coat = m.group(1)
    young = bool(re.search(r"\b(?:pupp(?:y|ies)|pups?|kittens?|kitt(?:y|ies)|cubs?|bab(?:y|ies))\b", head))
    return AnimalLook(species, breed, ears, coat or "", pattern, build, young)


_PATTERNS = ("solid", "chest", "spots", "patches", "stripes", "points", "saddle", "mask", "panda")


def default_pet(species: str, seed: int) -> str:
    """A tasteful stand-in for a pet product's brief that names no character: "a beagle"."""
    if species == "cat":
        kind = chooser("pet", seed).choice(_DEFAULT_CATS)
        return f"a {kind} cat"
    breed = chooser("pet", seed).choice(_DEFAULT_DOGS)
    return f"a {breed}"


def animal_colours(description: str, seed: int, palette: list[str]) -> dict[str, str]:
    """Fixed colours (fur, markings, collar, accent) for an animal, from its breed and coat words.

    A mascot's "collar" is the neckerchief it wears.

    A coat no word names is chosen by the seed, so the same brief gives the same dog.
    """
    look = animal_look(description)
    choose = chooser("animal", seed)
    coat = look.coat if look and look.coat else ""
    if not coat:
        coat = choose.choice(
            ["golden", "brown", "black", "cream", "tan"]
            if not look or look.species == "dog"
            else ["grey", "white", "tan", "brown"]
            if look.species == "rabbit"
            else ["orange", "grey", "black", "brown tabby"]
        )
    fur, markings = COATS[coat]
    species = look.species if look else "dog"
    if species == "fox" or species == "panda" and look and look.pattern == "mask":
        markings = COATS["white"][0]  # a fox's white chest, muzzle and tail tip; a red panda's face
    elif species == "panda":
        markings = "#1c1a19"  # the panda's black eye patches, ears and legs
    elif species == "bear" and coat == "black":
        markings = COATS["tan"][0]  # a black bear's tan muzzle
    elif species == "rabbit" and coat != "white":
        markings = COATS["white"][0]  # the cotton tail and belly
    elif look and look.breed == "calico":
        markings = COATS["orange"][0]
    elif look and look.pattern == "points":
        markings = "#4a3428" if coat == "cream" else COATS["tan"][0]
    elif look and look.pattern == "saddle" or look and look.pattern == "spots":
        markings = COATS["black"][0]
    elif (
        look
        and look.pattern == "mask"
        and coat == "grey"
        or look
        and (look.pattern == "chest" and coat == "black" or "-and-white" in _head(description))
    ):
        markings = COATS["white"][0]
    brand = [hex_rgb(c) for c in palette]
    # A collar that stands apart from both the coat and the brand colours, so it reads as a collar.
    collars = sorted(
        OUTFIT_COLOURS, key=lambda c: -min(distance(hex_rgb(c), b) for b in [*brand, hex_rgb(fur)])
    )
    return {
        "fur": fur,
        "markings": markings,
        "collar": choose.choice(collars[:3]),
        "accent": rgb_hex(roles(palette)["accent"]),
    }


def coat_name(entity_colors: Mapping[str, str], coat: str = "") -> str:
    """The plain name of a coat: its key in COATS when it is one, else the nearest colour name."""
    fur = entity_colors.get("fur", "")
    for name, (value, _) in COATS.items():
        if value == fur:
            return name
    return coat or colour_name(fur) if fur else coat


def hair_style(entity: Entity, seed: int) -> str:
    """The hair style named in the look ("hair: curly, ..."), else the one the seed picks."""
    look = entity.look.lower()
    match = re.search(r"hair:\s*(\w+)", look)
    if match and match.group(1) in HAIR_STYLES:
        return match.group(1)
    for style in HAIR_STYLES:
        if re.search(rf"\b{style}\b[^;]*\bhair\b", look):
            return style
    if re.search(r"\b(long|wavy)\b[^;]*\bhair\b", look):
        return "long"
    return chooser("hair", seed).choice(HAIR_STYLES)


#: Plain names for colours, so prompts (and people) read "teal", not "#2a9d8f".
COLOUR_NAMES: dict[str, str] = {
    "black": "#111111", "charcoal": "#36454f", "grey": "#8a8a8a", "silver": "#c0c0c0", "white": "#fafafa",
    "ivory": "#f8f2e2", "cream": "#fdf6ec", "beige": "#e8d8b8", "sand": "#d9c19a", "tan": "#c49a6c",
    "brown": "#6b4226", "dark brown": "#3b2417", "chestnut": "#8a5a32", "auburn": "#6e2f1f",
    "blonde": "#d9b46a", "navy": "#1f2f55", "blue": "#2f6fdf", "sky blue": "#7ec8f0", "indigo": "#3d3a8c",
    "purple": "#6d3fd4", "lavender": "#b9a7e8", "plum": "#6d597a", "pink": "#f29bb5", "coral": "#ff6b6b",
    "red": "#d7263d", "terracotta": "#e07a5f", "orange": "#ff7f2a", "peach": "#f6b98e", "gold": "#f4b942",
    "mustard": "#d4a72c", "yellow": "#ffd93d", "lime": "#c6ff3a", "green": "#3f9a4f", "sage": "#81b29a",
    "olive": "#6b7a3a", "teal": "#2a9d8f", "mint": "#9be3c4", "turquoise": "#29c0d0", "forest green": "#2d5a3c",
    "fair": "#f6d5bd", "light": "#eec1a0", "light-medium": "#d9a27e", "medium": "#c68863", "medium-deep": "#a86b47",
    "deep": "#7a4a2d",
}  # fmt: skip
_SKIN = {"fair", "light", "light-medium", "medium", "medium-deep", "deep"}


def colour_name(value: str, *, skin: bool = False) -> str:
    """The nearest plain name for a hex colour (skin tones only when ``skin``)."""
    rgb = hex_rgb(value)
    names = [n for n in COLOUR_NAMES if (n in _SKIN) == skin]
    return min(names, key=lambda n: distance(rgb, hex_rgb(COLOUR_NAMES[n])))
