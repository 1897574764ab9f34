"""The embedded planner: a brief becomes a shot list, a script and a style bible, offline.

Deterministic for a brief and a seed. The plan follows a narrative arc chosen by the goal
(hook -> problem -> reveal -> benefit -> proof -> call to action), opens wide, reveals the
product in close-up, and ends on a brand end card. Every shot lasts a whole number of
frames, the shots add up exactly to the brief's length, voice-over lines fit a natural
speaking rate, and on-screen text stays short enough to read at a glance.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from cutroom.core import looks, seeds
from cutroom.core.backends import planners
from cutroom.core.errors import PlanError, explain
from cutroom.core.models import (
    BrandKit,
    Brief,
    CallToAction,
    CameraMove,
    Entity,
    Goal,
    LineSource,
    Message,
    Plan,
    ProductCategory,
    Shot,
    ShotRole,
    ShotSize,
    StyleBible,
    Transition,
)
from cutroom.core.planning.arcs import arc_beats, load
from cutroom.core.planning.claims import attach_thread, supported
from cutroom.core.planning.copywriter import ShotCopy, goal_default_cta, naming, write_copy

MIN_SHOT_S = 3.0
MAX_SHOT_S = 8.0
#: Words per second of voice-over: ~150 wpm is 2.5/s; 2.1 leaves room to breathe.
WORDS_PER_S = 2.1
MAX_TEXT_WORDS = 6

# ── arcs ────────────────────────────────────────────────────────────────────────────────


def arc_for(goal: Goal, n_shots: int) -> list[ShotRole]:
    """The roles of the goal's arc (``core/planning/data/arcs.json``) stretched or trimmed to
    ``n_shots``: hook first, call to action last."""
    return [beat.role for beat in arc_beats(goal, n_shots)]


def shot_count(duration_s: int) -> int:
    """About 4 s a shot for short ads, about 6 s for a minute; always 3..8 s a shot."""
    n = round(duration_s / (3.2 + duration_s / 20))
    return max(math.ceil(duration_s / MAX_SHOT_S), min(math.floor(duration_s / MIN_SHOT_S), max(3, n)))


def frame_quantum(fps: int) -> float:
    """The step durations snap to: half-seconds when whole frames allow, else seconds."""
    for step in (0.5, 1.0):
        if abs(step * fps - round(step * fps)) < 1e-9:
            return step
    return 1.0


def allocate(weights: list[float], total_s: int, fps: int) -> list[float]:
    """Split ``total_s`` by weight into 3..8 s pieces, each a whole number of frames, summing exactly."""
    step = frame_quantum(fps)
    units = round(total_s / step)
    lo, hi = math.ceil(MIN_SHOT_S / step), math.floor(MAX_SHOT_S / step)
    n = len(weights)
    if not lo * n <= units <= hi * n:
        raise PlanError(
            f"{total_s} s cannot be split into {n} shots of {MIN_SHOT_S:g} to {MAX_SHOT_S:g} s each."
        )
    total_w = sum(weights)
    ideal = [units * w / total_w for w in weights]
    alloc = [min(hi, max(lo, int(x))) for x in ideal]
    # Hand out the remainder by largest shortfall, taking back from the largest excess.
    while sum(alloc) < units:
        i = max((j for j in range(n) if alloc[j] < hi), key=lambda j: ideal[j] - alloc[j])
        alloc[i] += 1
    while sum(alloc) > units:
        i = max((j for j in range(n) if alloc[j] > lo), key=lambda j: alloc[j] - ideal[j])
        alloc[i] -= 1
    return [a * step for a in alloc]


# ── words ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Domain:
    """A kind of product: how to draw it and where its scenes take place (copy lives in data)."""

    name: str
    keywords: tuple[str, ...]
    category: ProductCategory
    places: dict[str, tuple[str, ...]] = field(default_factory=dict)


DOMAINS: list[Domain] = [
    Domain(
        name=d["name"],
        keywords=tuple(d["keywords"]),
        category=d["category"],
        places={k: tuple(v) for k, v in d["places"].items()},
    )
    for d in load("categories.json")["domains"]
]
GENERIC = Domain(name="generic", keywords=(), category="box")


# ── pictures and names (data: core/planning/data/shots.json) ────────────────────────────

_SHOTS = load("shots.json")
ROLE_SIZES: dict[str, tuple[ShotSize, ...]] = {k: tuple(v) for k, v in _SHOTS["role_sizes"].items()}
ROLE_MOVES: dict[str, tuple[CameraMove, ...]] = {k: tuple(v) for k, v in _SHOTS["role_moves"].items()}
SIZE_LENSES: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in _SHOTS["size_lenses"].items()}
SIZE_LABELS: dict[str, str] = _SHOTS["size_labels"]
LIGHT_PHRASES: dict[str, str] = _SHOTS["light_phrases"]
#: Every place names a keyword the animatic renderer recognises (city, office, home, park, studio, cafe).
PLACES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _SHOTS["places"].items()}
FEMININE_NAMES: tuple[str, ...] = tuple(_SHOTS["names"]["feminine"])
MASCULINE_NAMES: tuple[str, ...] = tuple(_SHOTS["names"]["masculine"])
NEUTRAL_NAMES: tuple[str, ...] = tuple(_SHOTS["names"]["neutral"])
#: Capitalised words that are not names ("a Golden Retriever", "Our", "Gen Z").
_NOT_NAMES = frozenset(_SHOTS["names"]["not_names"])
PET_NAMES: tuple[str, ...] = tuple(_SHOTS["names"]["pets"])


@dataclass
class _Context:
    """What every shot needs to know, derived once from the brief and bible."""

    brief: Brief
    product: str
    brand: str
    domain: Domain
    product_id: str
    characters: list[Entity]
    cta: CallToAction
    lighting: str
    avoid: list[str]


# ── the planner ─────────────────────────────────────────────────────────────────────────


class EmbeddedPlanner:
    """Brief -> Plan with no model and no network; the same brief and seed give the same plan."""

    def plan(self, brief: Brief, *, seed: int = 0, fps: int = 30) -> Plan:
        return plan_ad(brief, seed=seed, fps=fps)


@planners.register("embedded")
def _embedded(**options: Any) -> EmbeddedPlanner:
    return EmbeddedPlanner()


def plan_ad(brief: Brief, *, seed: int = 0, fps: int = 30, thread: Sequence[Message] | None = None) -> Plan:
    """The whole plan: arc, timings, bible, copy from the brief, and shots.

    With ``thread``, lines built from the brief point at the message that states them.
    """
    if not 12 <= fps <= 60:
        raise PlanError(f"{fps} frames per second is not supported; choose between 12 and 60.")
    choose = seeds.chooser("plan", seed, brief.model_dump_json())
    domain = _domain(brief)
    bible = _bible(brief, seed, domain)
    ctx = _context(brief, bible, domain)

    beats = arc_beats(brief.goal, shot_count(brief.duration_s))
    roles = [beat.role for beat in beats]
    durations = allocate([beat.share for beat in beats], brief.duration_s, fps)
    words = write_copy(brief, beats, durations, choose)
    shots: list[Shot] = []
    for index, (slot, duration) in enumerate(zip(words.shots, durations, strict=True), start=1):
        shot = _compose_shot(
            ctx,
            slot.beat.role,
            index,
            duration,
            entities=_entities_for(ctx, slot.beat.role, index, roles),
            choose=choose,
            last=index == len(beats),
        )
        shots.append(_with_copy(shot, slot))
    shots = _place_must_include(ctx, shots)
    plan = _validated(
        title=words.title.text,
        hook=words.hook.text,
        brief=brief,
        shots=shots,
        cta=words.cta,
        bible=bible,
        aspect_ratios=list(brief.aspect_ratios),
        fps=fps,
        seed=seed,
        sources={"title": words.title.source, "hook": words.hook.source, "cta": words.cta_source},
        notices=words.notices,
    )
    return _only_what_the_thread_says(attach_thread(plan, thread), thread) if thread else plan


def _only_what_the_thread_says(plan: Plan, thread: Sequence[Message]) -> Plan:
    """Lines whose figures no message states (a brief read wrong: "rate 7" for "7.5p") are left
    out and said, so the embedded planner never puts an unstated claim on screen."""
    texts = [m.text for m in thread]
    notices = list(plan.notices)
    shots = []
    for shot in plan.shots:
        update: dict[str, Any] = {}
        sources = dict(shot.sources)
        for name in ("on_screen_text", "voice_over"):
            line = getattr(shot, name)
            if line and not shot.is_end_card and not supported(line, texts):
                update[name] = ""
                sources.pop(name, None)
                notices.append(f"\u201c{line}\u201d was left out: no message of the thread says it so.")
        shots.append(shot.model_copy(update=update | {"sources": sources}) if update else shot)
    return plan.model_copy(update={"shots": shots, "notices": list(dict.fromkeys(notices))})


def _with_copy(shot: Shot, slot: ShotCopy) -> Shot:
    sources: dict[str, LineSource] = {}
    update: dict[str, Any] = {"beat": slot.beat.beat}
    for field_name, line in (("on_screen_text", slot.screen), ("voice_over", slot.voice)):
        update[field_name] = line.text if line else ""
        if line:
            sources[field_name] = line.source
    update["sources"] = sources
    return shot.model_copy(update=update)


def redo_shot(plan: Plan, index: int, *, seed: int) -> Plan:
    """A fresh take on one shot (composition, camera, lens, words) in the same role and length."""
    if not 1 <= index <= len(plan.shots):
        raise PlanError(f"There is no scene {index}; this plan has {len(plan.shots)} scenes.")
    old = plan.shots[index - 1]
    ctx = _context(plan.brief, plan.bible, _domain(plan.brief))
    best: Shot | None = None
    for attempt in range(12):
        choose = seeds.chooser("redo", plan.seed, index, seed, attempt)
        candidate = _compose_shot(
            ctx,
            old.role,
            index,
            old.duration_s,
            entities=list(old.entities),
            choose=choose,
            last=old.is_end_card,
            first=index == 1,
        )
        # The words are the thread's (facts, names, the CTA): a redo reframes the shot, it
        # does not drop a must-include fact or invent a new line.
        candidate = candidate.model_copy(
            update={
                "transition_in": old.transition_in,
                "is_end_card": old.is_end_card,
                "on_screen_text": old.on_screen_text,
                "voice_over": old.voice_over,
                "sources": dict(old.sources),
                "beat": old.beat,
            }
        )
        best = candidate
        changed = sum(
            getattr(candidate, f) != getattr(old, f)
            for f in ("description", "camera_move", "lens_mm", "shot_size")
        )
        if candidate.description != old.description and changed >= 2:
            break
    assert best is not None
    shots = [best if s.index == index else s for s in plan.shots]
    return _validated(**(plan.model_dump() | {"shots": shots, "brief": plan.brief, "bible": plan.bible}))


def retime(plan: Plan, durations: list[float]) -> Plan:
    """The same plan with new shot lengths, checked shot by shot before anything changes."""
    if len(durations) != len(plan.shots):
        raise PlanError(
            f"The plan has {len(plan.shots)} shots but {len(durations)} durations were given; give one per shot."
        )
    fps = plan.fps
    for shot, value in zip(plan.shots, durations, strict=True):
        if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise PlanError(f"Shot {shot.index} needs a positive length in seconds, not {value!r}.")
        if value > 20:
            raise PlanError(f"Shot {shot.index} lasts {value:g} s; a shot can last at most 20 s.")
        frames = value * fps
        if abs(frames - round(frames)) > 1e-6:
            nearest = round(frames) / fps
            raise PlanError(
                f"Shot {shot.index} lasts {value:g} s, which is not a whole number of frames at {fps} fps; "
                f"try {nearest:g} s."
            )
    total_frames = sum(round(v * fps) for v in durations)
    wanted = plan.brief.duration_s * fps
    if total_frames != wanted:
        total = total_frames / fps
        diff = plan.brief.duration_s - total
        raise PlanError(
            f"The shots add up to {total:g} s but the ad lasts {plan.brief.duration_s} s; "
            f"{'add' if diff > 0 else 'remove'} {abs(diff):g} s (for example on shot {len(plan.shots)})."
        )
    shots = [
        s.model_copy(update={"duration_s": round(v * fps) / fps})
        for s, v in zip(plan.shots, durations, strict=True)
    ]
    return _validated(**(plan.model_dump() | {"shots": shots, "brief": plan.brief, "bible": plan.bible}))


def sample_brief() -> Brief:
    """The demo brief: a DTC skincare serum launch, as a marketer would give it."""
    return Brief(
        product="Lumen Glow Serum",
        product_category="bottle",
        audience="busy professionals in their 30s",
        goal="launch",
        tone=["premium", "warm"],
        duration_s=30,
        platforms=["TikTok", "Instagram Reels"],
        aspect_ratios=["9:16"],
        call_to_action="Shop now",
        url="lumen.example/glow",
        brand=BrandKit(name="Lumen", palette=["#1f3a5f", "#f4b942", "#fdf6ec"]),
        characters=["a young professional woman"],
    )


# ── the pieces ──────────────────────────────────────────────────────────────────────────


def _validated(**fields: Any) -> Plan:
    try:
        return Plan(**fields)
    except ValidationError as err:
        raise PlanError(explain(err)) from None


def _domain(brief: Brief) -> Domain:
    text = " ".join([brief.product or "", *brief.notes, *brief.must_include, brief.audience or ""]).lower()
    product_text = (brief.product or "").lower()
    for source in (product_text, text):
        source = re.sub(r"\bhot ?dogs?\b|\bcorn ?dogs?\b", "snack", source)  # food, not pets
        for domain in DOMAINS:
            if any(re.search(rf"\b{re.escape(k)}", source) for k in domain.keywords):
                return domain
    by_category = {d.category: d for d in DOMAINS}
    return by_category.get(brief.product_category, GENERIC)


def _bible(brief: Brief, seed: int, domain: Domain) -> StyleBible:
    palette = looks.palette_for(brief)
    lighting = looks.lighting_for(brief.tone)
    category: ProductCategory = brief.product_category
    if category == "generic" and domain is not GENERIC:
        category = domain.category
    named = naming(brief)
    product_name = named.name
    brand = named.brand or product_name
    colours = looks.product_colours(palette)
    entities = [
        Entity(
            id="product",
            name=product_name,
            kind="product",
            category=category,
            colors=colours,
            look=(
                f"{category} in {looks.colour_name(colours['body'])} with a "
                f"{looks.colour_name(colours['label'])} label and a "
                f"{looks.colour_name(colours['cap'])} cap; the {brand} name on the label"
            ),
        )
    ]
    descriptions = list(brief.characters) or [_default_protagonist(brief, seed)]
    taken: set[str] = {"product"}
    for position, description in enumerate(descriptions[:3]):
        entity_seed = seeds.stable_seed("character", seed, position, description)
        name = _character_name(description, entity_seed, taken)
        cid = _slug(name, taken)
        taken.add(cid)
        animal = looks.animal_look(description)
        if animal is not None:
            colours_a = looks.animal_colours(description, entity_seed, palette)
            entities.append(
                Entity(
                    id=cid,
                    name=name,
                    kind="character",
                    colors=colours_a,
                    look=_animal_text(description, animal, colours_a),
                )
            )
            continue
        colours_c, style = looks.character_look(description, entity_seed, palette)
        entities.append(
            Entity(
                id=cid,
                name=name,
                kind="character",
                colors=colours_c,
                look=(
                    f"{description.strip()}; hair: {style}, {looks.colour_name(colours_c['hair'])}; "
                    f"skin: {looks.colour_name(colours_c['skin'], skin=True)}; "
                    f"outfit: {looks.colour_name(colours_c['outfit'])} top, dark trousers; "
                    f"flat illustration"
                ),
            )
        )
    tones = [t.lower() for t in brief.tone][:3]
    style_words = list(dict.fromkeys([*tones, "flat illustration", "cinematic framing", "clean composition"]))
    return StyleBible(
        palette=palette,
        lighting=lighting,
        style_words=style_words,
        base_seed=seed,
        entities=entities,
        entity_seeds={e.id: seeds.stable_seed("entity", seed, e.id) for e in entities},
    )


def _animal_text(description: str, animal: looks.AnimalLook, colours: dict[str, str]) -> str:
    """ "a golden retriever; golden retriever dog, golden coat with cream chest; ears: floppy; ..." """
    kind = (
        f"{animal.breed} {animal.species}"
        if animal.breed and animal.species not in animal.breed
        else animal.breed
    )
    young = {"dog": "puppy", "cat": "kitten", "rabbit": "baby rabbit", "hamster": "baby hamster"}
    kind = kind or (young.get(animal.species, f"{animal.species} cub") if animal.young else animal.species)
    pet = animal.species in ("dog", "cat")
    coat = looks.coat_name(colours, animal.coat)
    marks = looks.colour_name(colours["markings"])
    a = "an" if marks[:1] in ("a", "e", "i", "o", "u") else "a"
    detail = {
        "chest": f" with {a} {marks} chest",
        "spots": f" with {marks} spots",
        "patches": f" with {marks} patches",
        "stripes": f" with {marks} stripes",
        "points": f" with {marks} points",
        "saddle": f" with {a} {marks} saddle",
        "mask": f" with {a} {marks} face mask",
        "panda": f" with {marks} eye patches, ears and legs",
    }.get(animal.pattern, "")
    detail += {
        "fox": f", a slim {marks} muzzle and a bushy {marks}-tipped tail",
        "bear": ", a round muzzle, a chunky build and a short tail",
        "panda": ", a chunky build and a short tail" if animal.pattern == "panda" else ", a bushy tail",
        "rabbit": f", long upright ears and a round {marks} tail",
        "hamster": ", a round body, small round ears and full cheeks",
    }.get(animal.species, "")
    # A pet wears a collar; a mascot animal a neckerchief in the same colour.
    worn = "collar" if pet else "neckerchief"
    return (
        f"{description.strip()}; {kind}, {coat} coat{detail}; ears: {animal.ears}; coat: {coat}; "
        f"pattern: {animal.pattern}; build: {animal.build}; {worn}: {looks.colour_name(colours['collar'])}; "
        f"flat illustration"
    )


#: A product for pets: the dog or cat it is for is the star when the brief names no one.
_FOR_DOGS = re.compile(r"\b(?<!hot )(?:dogs?|pupp(?:y|ies)|pups?|canines?|doggy|doggie|k9)\b", re.I)
_FOR_CATS = re.compile(r"\b(?:cats?|kittens?|kitty|kitties|felines?)\b", re.I)
_FOR_PETS = re.compile(r"\b(?-i:pets?|Pets?)\b|\bpaws?\b", re.I)


def pet_species(brief: Brief) -> str | None:
    """ "dog" or "cat" when the product or its audience is clearly about pets, else None."""
    for text in (brief.product or "", brief.audience or ""):
        dog, cat = _FOR_DOGS.search(text), _FOR_CATS.search(text)
        if dog or cat:
            return "dog" if dog and (not cat or dog.start() < cat.start()) else "cat"
    if any(_FOR_PETS.search(t) for t in (brief.product or "", brief.audience or "")):
        return "dog"
    return None


def _default_protagonist(brief: Brief, seed: int) -> str:
    species = pet_species(brief)
    if species:
        return looks.default_pet(species, seed)
    audience = (brief.audience or "").strip()
    gender = seeds.chooser("protagonist", seed).choice(["woman", "man"])
    if audience:
        the = "" if audience.lower().startswith(("the ", "our ")) else "the "
        return f"a {gender}, one of {the}{audience}"
    return f"a {gender} in everyday clothes"


def _character_name(description: str, seed: int, taken: set[str]) -> str:
    for match in re.finditer(r"\b([A-Z][a-z]{1,14})\b", description):
        if match.group(1) not in _NOT_NAMES:
            return match.group(1)
    hint = looks.gender_hint(description)
    pool: tuple[str, ...] = (
        PET_NAMES
        if looks.species_of(description)
        else FEMININE_NAMES
        if hint == "feminine"
        else MASCULINE_NAMES
        if hint == "masculine"
        else NEUTRAL_NAMES
    )
    options = [n for n in pool if n.lower() not in taken] or list(pool)
    return random.Random(seed).choice(options)


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30] or "character"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _context(brief: Brief, bible: StyleBible, domain: Domain) -> _Context:
    product = next((e for e in bible.entities if e.kind == "product"), None)
    named = naming(brief)
    product_name = product.name if product else named.name
    cta_text = (brief.call_to_action or goal_default_cta(brief.goal)).strip()
    return _Context(
        brief=brief,
        product=product_name,
        brand=named.brand or product_name,
        domain=domain,
        product_id=product.id if product else "",
        characters=[e for e in bible.entities if e.kind == "character"],
        cta=CallToAction(text=_short(cta_text, MAX_TEXT_WORDS), url=brief.url),
        lighting=bible.lighting,
        avoid=[a.strip() for a in brief.avoid if a.strip()],
    )


def _entities_for(ctx: _Context, role: str, index: int, roles: list[ShotRole]) -> list[str]:
    lead = [ctx.characters[0].id] if ctx.characters else []
    second = [ctx.characters[1].id] if len(ctx.characters) > 1 else []
    product = [ctx.product_id] if ctx.product_id else []
    if role in ("reveal", "offer", "cta"):
        return product
    if role == "benefit":
        return lead + product
    if role == "proof":
        return (second or lead) + (product if ctx.brief.goal == "testimonial" else [])
    return lead or product


def _compose_shot(
    ctx: _Context,
    role: ShotRole,
    index: int,
    duration: float,
    *,
    entities: list[str],
    choose: random.Random,
    last: bool,
    first: bool | None = None,
) -> Shot:
    """The pictures of a shot: size, move, lens, place, action, transition (its words are set
    by the copywriter)."""
    first = index == 1 if first is None else first
    size: ShotSize = choose.choice(ROLE_SIZES[role])
    move: CameraMove = choose.choice(ROLE_MOVES[role])
    lens = choose.choice(SIZE_LENSES[size])
    place = choose.choice(ctx.domain.places.get(role, PLACES[role]))
    description = _describe(ctx, role, size, place, entities, choose)
    transition: Transition = "cut"
    if role == "reveal":
        transition = choose.choice(["whip_pan", "crossfade"])
    elif last:
        transition = "dip_to_color"
    elif not first and role in ("benefit", "proof"):
        transition = choose.choice(["cut", "crossfade"])
    return Shot(
        index=index,
        duration_s=duration,
        role=role,
        description=_scrub(description, ctx.avoid),
        shot_size=size,
        camera_move=move,
        lens_mm=lens,
        entities=entities,
        transition_in=transition,
        is_end_card=last,
    )


def _describe(
    ctx: _Context, role: str, size: ShotSize, place: str, entities: list[str], choose: random.Random
) -> str:
    names = {e.id: e.name for e in ctx.characters}
    person = next((names[e] for e in entities if e in names), "our lead")
    product = ctx.product
    light = LIGHT_PHRASES.get(ctx.lighting, "soft light")
    lead = next((e for e in ctx.characters if e.id in entities), None)
    if lead is not None and looks.species_of(lead.look):
        pet = person
        happy = {
            "dog": "wags and grins",
            "cat": "blinks slowly, purring,",
            "fox": "flicks a bushy tail and grins",
            "bear": "gives a big bear grin",
            "panda": "gives a big, round grin",
            "rabbit": "twitches a nose and grins",
            "hamster": "puffs out full cheeks and grins",
        }.get(looks.species_of(lead.look) or "", "grins")
        pet_actions: dict[str, tuple[str, ...]] = {
            "hook": (
                f"{pet} bounds across {place}, ears flying, then stops and looks straight to camera",
                f"{pet} trots into frame across {place}, tail going",
            ),
            "problem": (
                f"{pet} waits with a sad look at {place}, chin on paws",
                f"{pet} sighs at {place}, ears down, watching the door",
            ),
            "benefit": (
                f"{pet} sits proudly beside {product} in {place}, tail wagging",
                f"{pet} perks up at {product} in {place}, happy and bright-eyed",
            ),
            "proof": (
                f"{pet} looks up to camera in {place}, clearly happy",
                f"{pet} {happy} to camera in {place}",
            ),
        }
        if role in pet_actions:
            return f"{SIZE_LABELS[size]}: {choose.choice(pet_actions[role])}; {light}."
    actions: dict[str, tuple[str, ...]] = {
        "hook": (
            f"{person} strides through {place}, then glances straight to camera",
            f"{person} steps into frame across {place}, the day already moving fast",
            f"{person} pauses in {place} as everything rushes past",
        ),
        "problem": (
            f"{person} rubs tired eyes at {place}",
            f"{person} sighs and checks the time at {place}",
            f"{person} slumps for a second at {place}, the day catching up",
        ),
        "reveal": (
            f"{product} turns slowly on a plinth in {place}, the {ctx.brand} label catching the light",
            f"{product} rises into a pool of light in {place}",
            f"A hand sets {product} down in {place}; the label glints",
        ),
        "benefit": (
            f"{person} uses {product} in {place}, relaxed and smiling",
            f"{person} holds up {product} in {place}, visibly lighter",
            f"{person} moves easily through {place} with {product} in hand",
        ),
        "proof": (
            f"{person} smiles to camera in {place}, confident",
            f"{person} laughs with a friend at {place}",
            f"{person} nods to camera in {place}, clearly convinced",
        ),
        "offer": (
            f"{product} centre frame in {place} with the offer badge popping on",
            f"{product} on a plinth in {place}, a price tag flips into view",
        ),
        "cta": (
            f"End card: {product} on the {ctx.brand} brand colour with logo and call to action",
            f"End card: {product} centred on a {ctx.brand} colour card, call to action below",
        ),
    }
    action = choose.choice(actions[role])
    if role == "cta":
        return f"{action}."
    return f"{SIZE_LABELS[size]}: {action}; {light}."



def _short(text: str, max_words: int) -> str:
    words = text.split()
    if len(words) <= max_words:
        return text
    return " ".join(words[:max_words]).rstrip(",;:")


def _mentions(text: str, avoid: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(a)}(?!\w)", text, re.I) for a in avoid)


def _scrub(text: str, avoid: list[str]) -> str:
    """Drop avoided words from a line that has no better alternative."""
    for word in avoid:
        text = re.sub(rf"\s*(?<!\w){re.escape(word)}(?!\w)", "", text, flags=re.I)
    return re.sub(r"\s{2,}", " ", text).strip() or "\u2026"


def _place_must_include(ctx: _Context, shots: list[Shot]) -> list[Shot]:
    """Each must-include item that can be seen (no figures: "the gold dropper") also goes into a
    shot's description, benefit/reveal/proof first; its words are on screen or said already."""
    items = [
        m.strip()
        for m in ctx.brief.must_include
        if m.strip() and not _mentions(m, ctx.avoid) and not re.search(r"\d", m)
    ]
    if not items:
        return shots
    order = {"benefit": 0, "reveal": 1, "proof": 2, "offer": 3, "problem": 4, "hook": 5, "cta": 6}
    slots = sorted((s for s in shots), key=lambda s: (order[s.role], s.index))
    out = {s.index: s for s in shots}
    for i, item in enumerate(items):
        slot = slots[i % len(slots)]
        current = out[slot.index]
        out[slot.index] = current.model_copy(
            update={"description": f"{current.description.rstrip('.')}. Featuring {item}."}
        )
    return [out[s.index] for s in shots]
