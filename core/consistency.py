"""The style bible's helpers: one palette, one light, fixed looks and seeds for every scene.

The planner uses these to build the bible; every image backend reads the same values back,
which is what keeps a character's hair and a product's label the same colour in every panel.
``consistency_report`` checks a rendered ad against the same bible: palette adherence and
colour drift on one frame from the middle of each shot, and where each entity appears (with
face identity when a face backend is given).
"""

from __future__ import annotations

import colorsys
import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

import numpy as np
from PIL import Image

from cutroom.core.backends import FaceEmbedder
from cutroom.core.models import (
    Brief,
    ConsistencyReport,
    Entity,
    EntityConsistency,
    Lighting,
    Plan,
    ShotConsistency,
    StyleBible,
)

RGB = tuple[int, int, int]


# ── colour ──────────────────────────────────────────────────────────────────────────────


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def rgb_hex(rgb: tuple[float, float, float]) -> str:
    r, g, b = (max(0, min(255, round(c))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def luminance(rgb: tuple[float, float, float]) -> float:
    """Relative luminance 0..1 (sRGB weights, no gamma: good enough to pick text colours)."""
    r, g, b = (c / 255 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def mix(a: tuple[float, float, float], b: tuple[float, float, float], t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def shade(rgb: tuple[float, float, float], amount: float) -> RGB:
    """Darker (amount < 0) or lighter (amount > 0), keeping the hue."""
    return mix(rgb, (0, 0, 0) if amount < 0 else (255, 255, 255), abs(amount))


def saturation(rgb: tuple[float, float, float]) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in rgb))[2]


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
        if all(_distance(hex_rgb(colour), hex_rgb(c)) > 60 for c in palette):
            palette.append(colour)
    while len(palette) < 3:
        palette.append(rgb_hex(shade(hex_rgb(palette[0]), 0.85 if len(palette) == 2 else 0.45)))
    return palette


_LIGHT_PRIORITY: list[Lighting] = ["golden", "neon", "moody", "studio", "bright", "soft"]


def lighting_for(tone: list[str]) -> Lighting:
    """The most characterful light any tone word asks for (warm + premium -> golden)."""
    wanted = {TONE_LIGHTING[w.lower()] for w in tone if w.lower() in TONE_LIGHTING}
    return next((light for light in _LIGHT_PRIORITY if light in wanted), "soft")


def _distance(a: RGB, b: RGB) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)


def roles(palette: list[str]) -> dict[str, RGB]:
    """Name the palette's colours by job: ``dark`` (ink, cards), ``accent`` (pops), ``light`` (paper)."""
    colours = [hex_rgb(c) for c in palette]
    by_light = sorted(colours, key=luminance)
    dark, light = by_light[0], by_light[-1]
    rest = [c for c in colours if c not in (dark, light)] or [colours[0]]
    accent = max(rest, key=saturation)
    if luminance(dark) > 0.35:
        dark = shade(dark, -0.55)
    if luminance(light) < 0.8:
        light = mix(light, (255, 255, 255), 0.75)
    return {"brand": colours[0], "dark": dark, "accent": accent, "light": light}


# ── seeds ───────────────────────────────────────────────────────────────────────────────


def stable_seed(*parts: object) -> int:
    """A 31-bit seed from any values, stable across processes (unlike ``hash``)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def rng(*parts: object) -> np.random.Generator:
    return np.random.default_rng(stable_seed(*parts))


def chooser(*parts: object) -> random.Random:
    """A seeded ``random.Random`` for choosing words and shots deterministically."""
    return random.Random(stable_seed(*parts))


def entity_seed(bible: StyleBible, entity_id: str) -> int:
    return bible.entity_seeds.get(entity_id, stable_seed(bible.base_seed, entity_id))


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
    outfits = sorted(OUTFIT_COLOURS, key=lambda c: -min(_distance(hex_rgb(c), b) for b in brand))
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
COATS: dict[str, tuple[str, str]] = {
    "golden": ("#d9a24e", "#f1dcae"),
    "yellow": ("#e6c07a", "#f6e6c4"),
    "cream": ("#efe0c2", "#fbf3e2"),
    "fawn": ("#d3ad78", "#3a2e28"),
    "tan": ("#c58a4a", "#f6efe2"),
    "red-brown": ("#9c5530", "#d9a077"),
    "brown": ("#7a4a2c", "#c99a6e"),
    "black": ("#2b2725", "#57504b"),
    "white": ("#f4f0e8", "#d8d1c6"),
    "grey": ("#8e929a", "#eceae6"),
    "orange": ("#e0893a", "#f6dcb8"),
    "brown tabby": ("#a07a52", "#5d4430"),
}

#: (breed words, species, breed, ears, coat, pattern, build), first match wins.
_BREEDS: list[tuple[str, str, str, str, str, str, str]] = [
    (r"black lab(?:rador)?", "dog", "black labrador", "floppy", "black", "solid", "normal"),
    (r"chocolate lab(?:rador)?", "dog", "chocolate labrador", "floppy", "brown", "solid", "normal"),
    (
        r"(?:yellow |golden |fox red )?lab(?:rador)?s?\b(?!\w)",
        "dog",
        "yellow labrador",
        "floppy",
        "yellow",
        "solid",
        "normal",
    ),
    (
        r"golden retriever|retriever|goldendoodle",
        "dog",
        "golden retriever",
        "floppy",
        "golden",
        "chest",
        "normal",
    ),
    (r"labradoodle|cockapoo|doodle|poodle", "dog", "poodle", "floppy", "cream", "solid", "normal"),
    (r"beagle", "dog", "beagle", "floppy", "tan", "chest", "normal"),
    (r"spaniel", "dog", "spaniel", "floppy", "brown", "chest", "normal"),
    (r"dachshund|sausage dog", "dog", "dachshund", "floppy", "red-brown", "solid", "short"),
    (r"basset|hound", "dog", "hound", "floppy", "tan", "chest", "normal"),
    (r"dalmatian", "dog", "dalmatian", "floppy", "white", "spots", "normal"),
    (r"bulldog", "dog", "bulldog", "floppy", "fawn", "chest", "short"),
    (r"pug", "dog", "pug", "floppy", "fawn", "mask", "small"),
    (r"collie|sheepdog", "dog", "border collie", "floppy", "black", "chest", "normal"),
    (r"rottweiler", "dog", "rottweiler", "floppy", "black", "points", "normal"),
    (r"greyhound|whippet", "dog", "greyhound", "floppy", "grey", "chest", "normal"),
    (r"corgi", "dog", "corgi", "pointy", "orange", "chest", "short"),
    (r"husk(?:y|ies)|malamute", "dog", "husky", "pointy", "grey", "mask", "normal"),
    (r"shepherd|alsatian", "dog", "german shepherd", "pointy", "tan", "saddle", "normal"),
    (r"samoyed|westie|pomeranian", "dog", "samoyed", "pointy", "white", "solid", "normal"),
    (r"shiba|akita", "dog", "shiba inu", "pointy", "orange", "chest", "normal"),
    (r"chihuahua", "dog", "chihuahua", "pointy", "fawn", "solid", "small"),
    (r"dobermann?", "dog", "dobermann", "pointy", "black", "points", "normal"),
    (r"terrier|schnauzer", "dog", "terrier", "pointy", "grey", "chest", "normal"),
    (r"siamese", "cat", "siamese", "pointy", "cream", "points", "normal"),
    (r"ragdoll", "cat", "ragdoll", "pointy", "cream", "points", "normal"),
    (r"maine coon", "cat", "maine coon", "pointy", "brown tabby", "stripes", "normal"),
    (r"sphynx", "cat", "sphynx", "pointy", "fawn", "solid", "normal"),
    (r"calico", "cat", "calico", "pointy", "white", "patches", "normal"),
    (r"tuxedo", "cat", "tuxedo", "pointy", "black", "chest", "normal"),
    (r"(?:orange|ginger) tabb(?:y|ies)", "cat", "ginger tabby", "pointy", "orange", "stripes", "normal"),
    (r"tabb(?:y|ies)", "cat", "tabby", "pointy", "brown tabby", "stripes", "normal"),
    # Mascot animals: the breeds and kinds whose coat differs from their species' usual one.
    (r"arctic fox(?:es)?", "fox", "arctic fox", "pointy", "white", "chest", "normal"),
    (r"red pandas?", "panda", "red panda", "round", "red-brown", "mask", "normal"),
    (r"polar bears?", "bear", "polar bear", "round", "white", "solid", "chunky"),
    (r"grizzl(?:y|ies)(?: bears?)?", "bear", "grizzly bear", "round", "brown", "solid", "chunky"),
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
        OUTFIT_COLOURS, key=lambda c: -min(_distance(hex_rgb(c), b) for b in [*brand, hex_rgb(fur)])
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
    return min(names, key=lambda n: _distance(rgb, hex_rgb(COLOUR_NAMES[n])))


# ── the consistency report ──────────────────────────────────────────────────────────────

#: A pixel is on palette when its nearest palette colour is within this CIELAB distance, with
#: lightness at half weight (the CMC 2:1 "acceptability" convention): light and shade change
#: how light a colour is far more than its hue, and ΔE 20 is about where two swatches stop
#: reading as the same colour family (ΔE 2 is a just-noticeable difference).
PALETTE_DELTA_E = 20.0
PALETTE_LIGHTNESS_WEIGHT = 0.5
#: A shot drifts when its mean colour is this far (plain CIELAB ΔE) from the ad's median shot:
#: about the gap between a daylight scene and the same scene at dusk. Different sets in one ad
#: (street, studio, kitchen) sit around 10-15 apart.
DRIFT_DELTA_E = 20.0
#: Mean face cosine from which a character reads as the same person (ArcFace puts the same
#: person across photos at about 0.5-0.8 and different people below about 0.3).
SAME_FACE = 0.5

_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_D65 = np.array([0.95047, 1.0, 1.08883])

Frame = Image.Image | np.ndarray


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255, any shape ending in 3) to CIELAB under D65: distances there track what eyes see."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _SRGB_TO_XYZ.T / _D65
    eps = (6 / 29) ** 3
    f = np.where(xyz > eps, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1
    )


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray, *, k_l: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference between CIELAB arrays (broadcasting, last axis L*, a*, b*).

    The CIE's current formula: it corrects plain CIELAB distance where eyes disagree with it
    (blues, greys, saturated colours). ``k_l`` = 2 halves lightness, the textile convention.
    Follows Sharma, Wu and Dalal (2005), whose test pairs the tests check.
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    d_l = l2 - l1
    d_c = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    l_bar = (l1 + l2) / 2
    cp_bar = (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(h_bar - 30))
        + 0.24 * np.cos(np.radians(2 * h_bar))
        + 0.32 * np.cos(np.radians(3 * h_bar + 6))
        - 0.20 * np.cos(np.radians(4 * h_bar - 63))
    )
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_c = 2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    r_t = -np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))) * r_c
    return np.asarray(
        np.sqrt(
            (d_l / (k_l * s_l)) ** 2
            + (d_c / s_c) ** 2
            + (d_h / s_h) ** 2
            + r_t * (d_c / s_c) * (d_h / s_h)
        )
    )


def _rgb_array(frame: Frame) -> np.ndarray:
    if isinstance(frame, Image.Image):
        return np.asarray(frame.convert("RGB"))
    array = np.asarray(frame)
    if array.ndim != 3 or array.shape[2] < 3:
        raise ValueError(f"A shot frame must be an RGB image, not an array of shape {array.shape}.")
    return array[:, :, :3].astype(np.uint8, copy=False)


def palette_share(lab: np.ndarray, palette: Sequence[str], *, threshold: float = PALETTE_DELTA_E) -> float:
    """Share of pixels (``lab``: (..., 3)) whose nearest palette colour is within ``threshold``."""
    pixels = lab.reshape(-1, 3)
    if pixels.size == 0:
        return 0.0
    weight = np.array([PALETTE_LIGHTNESS_WEIGHT, 1.0, 1.0])
    nearest = np.full(len(pixels), np.inf)
    # One palette colour at a time keeps memory at one distance per pixel.
    for colour in rgb_to_lab(np.array([hex_rgb(c) for c in palette], dtype=np.float64)):
        nearest = np.minimum(nearest, np.linalg.norm((pixels - colour) * weight, axis=1))
    return float(np.mean(nearest <= threshold))


def _shots_text(shots: Sequence[int]) -> str:
    if not shots:
        return "no shot"
    return f"shot {shots[0]}" if len(shots) == 1 else f"shots {', '.join(map(str, shots))}"


def _palette_verdict(share: float) -> str:
    percent = f"{share * 100:.0f}% of the picture is on the palette"
    if share >= 0.6:
        return f"{percent}: the ad reads as the brand's colours."
    if share >= 0.3:
        return f"{percent}: brand colours lead, with other colours in the sets and people."
    return f"{percent}: most of the picture is in colours outside the palette."


def _identity(
    plan: Plan, frames: Mapping[int, np.ndarray], face: FaceEmbedder
) -> dict[str, tuple[float | None, list[int]]]:
    """Per character: identity score and the shots whose face was measured.

    Same rule as ``identity_scores`` (only shots where the character is the one person in
    frame), but it keeps which shots had a face so the report can say so.
    """
    from cutroom.core.backends.face_identity import identity_consistency

    characters = {e.id for e in plan.bible.entities if e.kind == "character"}
    seen: dict[str, list[tuple[int, np.ndarray]]] = {}
    for shot in plan.shots:
        in_frame = [e for e in shot.entities if e in characters]
        if len(in_frame) != 1 or shot.index not in frames:
            continue
        vector = face.embed(Image.fromarray(frames[shot.index]))
        if vector is not None:
            seen.setdefault(in_frame[0], []).append((shot.index, vector))
    return {
        entity: (identity_consistency([v for _, v in found]), [i for i, _ in found])
        for entity, found in seen.items()
    }


def _entity_note(entity: EntityConsistency, measured: bool) -> str:
    """The bracketed part of an entity's summary: only for characters, where identity matters."""
    if entity.kind != "character" or not entity.shots:
        return ""
    if not measured:
        return " (identity not measured)"
    if entity.identity is None:
        return " (identity not measured: no face in two shots alone)"
    word = "same face" if entity.identity >= SAME_FACE else "face may change"
    return f" ({word}, {entity.identity:.2f})"


def _summary_line(
    shares: Sequence[float], drifting: Sequence[int], entities: Sequence[EntityConsistency], measured: bool
) -> str:
    low, high = round(min(shares) * 100), round(max(shares) * 100)
    parts = [f"palette {low}% on brand" if low == high else f"palette {low}–{high}% on brand"]
    parts.append(f"colour drift in {_shots_text(sorted(set(drifting)))}" if drifting else "no colour drift")
    # People first: whether a character stays the same person is what viewers notice most.
    ordered = sorted((e for e in entities if e.shots), key=lambda e: e.kind != "character")
    parts += [f"{e.name} in {_shots_text(e.shots)}{_entity_note(e, measured)}" for e in ordered]
    return " · ".join(parts)


def consistency_report(
    plan: Plan, shot_frames: Mapping[int, Frame], *, face: FaceEmbedder | None = None
) -> ConsistencyReport:
    """Check a rendered ad against its bible, from one frame in the middle of each shot.

    1. Palette: per shot, the share of pixels near a palette colour; the ad's share weights
       shots by their length, so it is a share of screen time.
    2. Drift: each shot's mean CIELAB colour against the median of the ad's shots. End cards
       are designed to differ (a brand-colour card), so they neither set the median nor drift.
    3. Entities: the shots the plan puts each bible entity in; with ``face``, how alike each
       character's face is across the shots where it is alone in frame. Without one, identity
       is reported as not measured, never guessed.
    """
    by_index = {shot.index: shot for shot in plan.shots}
    frames = {i: _rgb_array(f) for i, f in sorted(shot_frames.items()) if i in by_index}
    if not frames:
        raise ValueError("The consistency report needs at least one frame from a shot of the plan.")
    palette = list(plan.bible.palette)

    # 1. Palette adherence.
    labs = {i: rgb_to_lab(frame) for i, frame in frames.items()}
    shares = {i: palette_share(lab, palette) for i, lab in labs.items()}
    seconds = {i: by_index[i].duration_s for i in frames}
    overall = sum(shares[i] * seconds[i] for i in frames) / sum(seconds.values())

    # 2. Colour drift from the median shot.
    means = {i: lab.reshape(-1, 3).mean(axis=0) for i, lab in labs.items()}
    story = [i for i in frames if not by_index[i].is_end_card] or list(frames)
    centre = np.array([median(float(means[i][c]) for i in story) for c in range(3)])
    drift = {i: float(np.linalg.norm(means[i] - centre)) for i in frames}
    drifting = [i for i in story if drift[i] > DRIFT_DELTA_E and len(story) > 1]
    if drifting:
        worst = max(drifting, key=lambda i: drift[i])
        lighter = means[worst][0] > centre[0]
        drift_verdict = (
            f"{_shots_text(drifting).capitalize()} stray{'s' if len(drifting) == 1 else ''} from the ad's "
            f"colour (shot {worst} is ΔE {drift[worst]:.0f} off the median, "
            f"{'lighter' if lighter else 'darker'} by {abs(means[worst][0] - centre[0]):.0f} L*)."
        )
    else:
        drift_verdict = f"Every shot stays within ΔE {DRIFT_DELTA_E:g} of the ad's median colour."

    # 3. Recurring entities, and identity where a face backend can measure it.
    identity = _identity(plan, frames, face) if face is not None else {}
    entities = []
    for entity in plan.bible.entities:
        shots = [s.index for s in plan.shots if entity.id in s.entities]
        score, measured_in = identity.get(entity.id, (None, []))
        record = EntityConsistency(
            id=entity.id,
            name=entity.name,
            kind=entity.kind,
            shots=shots,
            identity=round(score, 4) if score is not None else None,
            identity_shots=measured_in,
            verdict="",
        )
        if not shots:
            verdict = f"{entity.name} is in the bible but in no shot."
        elif entity.kind == "product":
            verdict = (
                f"{entity.name} appears in {_shots_text(shots)}, drawn from the bible's colours and seed."
            )
        elif face is None:
            verdict = (
                f"{entity.name} appears in {_shots_text(shots)} with the bible's look and seed; "
                "identity not measured (no face backend configured)."
            )
        elif record.identity is None:
            verdict = (
                f"{entity.name} appears in {_shots_text(shots)}; identity not measured (a face was found "
                f"in fewer than two shots where {entity.name} is alone)."
            )
        else:
            kept = (
                "reads as the same person"
                if record.identity >= SAME_FACE
                else "may not read as the same person"
            )
            verdict = (
                f"{entity.name} appears in {_shots_text(shots)} and {kept} "
                f"(face similarity {record.identity:.2f} over {_shots_text(measured_in)})."
            )
        record.verdict = verdict
        entities.append(record)

    return ConsistencyReport(
        palette=palette,
        palette_share=round(overall, 4),
        palette_threshold=PALETTE_DELTA_E,
        palette_verdict=_palette_verdict(overall),
        drift_threshold=DRIFT_DELTA_E,
        drifting_shots=drifting,
        drift_verdict=drift_verdict,
        shots=[
            ShotConsistency(
                index=i,
                palette_share=round(shares[i], 4),
                mean_lab=(
                    round(float(means[i][0]), 2),
                    round(float(means[i][1]), 2),
                    round(float(means[i][2]), 2),
                ),
                drift=round(drift[i], 2),
                drifting=i in drifting,
            )
            for i in frames
        ],
        entities=entities,
        identity_measured=face is not None,
        summary=_summary_line([overall], drifting, entities, face is not None),
    )


def consistency_line(reports: Sequence[ConsistencyReport]) -> str | None:
    """One line for a render of several variants: the palette range, every drifting shot, each
    entity once (with its lowest identity score). None when no variant has a report."""
    if not reports:
        return None
    if len(reports) == 1:
        return reports[0].summary
    measured = any(r.identity_measured for r in reports)
    entities = []
    for entity in reports[0].entities:
        scores = [
            e.identity for r in reports for e in r.entities if e.id == entity.id and e.identity is not None
        ]
        entities.append(entity.model_copy(update={"identity": min(scores) if scores else None}))
    drifting = [i for r in reports for i in r.drifting_shots]
    return _summary_line([r.palette_share for r in reports], drifting, entities, measured)
