"""Casting: one reference look per recurring entity, made before any shot is drawn.

    Plan ──check_references──▶ Plan (planner-named references not in the store dropped)
         ──cast_plan──▶ Cast (upload, or a picture the image engine draws from the look and seed)
         ──plan_with_cast──▶ Plan whose entities point at their cast picture (what every shot is drawn from)

Every picture is stored once under ``cast/<sha256>.png`` (content-addressed), and each member
carries a ``key`` hashed from what decided its look (look, colours, seed, engine), so a recast
of one entity leaves every other member, and a scene redo leaves the whole cast, as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

from cutroom.core.backends import CastingBackend, FaceEmbedder, ImageBackend, images
from cutroom.core.errors import InputError
from cutroom.core.limits import MAX_REFERENCE_BYTES
from cutroom.core.models import Cast, CastMember, CastView, Entity, Plan
from cutroom.core.progress import OnProgress, no_progress
from cutroom.core.store import ArtifactStore

CAST_PREFIX = "cast"
#: Size the cast pictures are generated at (engines may work at their own size and are fitted to it).
CAST_SIZE = (768, 768)
#: An upload larger than this (bytes, or pixels on a side) is refused rather than decoded.
MAX_UPLOAD_BYTES = MAX_REFERENCE_BYTES
MAX_UPLOAD_SIDE = 8192
#: Uploads are kept at most this large on a side: enough for every engine's reference input.
KEEP_SIDE = 1536

_VIEWS: set[str] = {"front", "three_quarter", "side", "packshot"}


@dataclass
class CastResult:
    """The cast, and what was done to get it (for progress lines and the job's record)."""

    cast: Cast
    generated: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


def is_store_key(store: ArtifactStore, value: str) -> bool:
    """True for a value naming an object in this store; URLs and odd names are never looked up."""
    if "://" in value or value.startswith(("/", "~", "\\")) or ".." in value:
        return False
    try:
        return store.exists(value)
    except (OSError, ValueError, InputError):
        return False


def check_references(plan: Plan, store: ArtifactStore) -> tuple[Plan, list[str]]:
    """``plan`` without the references that are not uploads in ``store``, and a note for each.

    A planner (or a pasted plan) may name a URL or a file it invented; nothing is fetched:
    the entity is cast from its look instead, and the note says so.
    """
    notes: list[str] = []
    entities = []
    for entity in plan.bible.entities:
        ref = entity.reference_image
        if ref and not is_store_key(store, ref):
            notes.append(
                f"The reference picture named for {entity.name} ({ref[:60]}) is not an upload in this "
                "session, so it was not used: Cutroom drew a reference from the description instead."
            )
            entity = entity.model_copy(update={"reference_image": None})
        entities.append(entity)
    if not notes:
        return plan, notes
    bible = plan.bible.model_copy(update={"entities": entities})
    return plan.model_copy(update={"bible": bible}), notes


def read_upload(data: bytes, *, what: str) -> Image.Image:
    """An uploaded reference as RGB, or an InputError that says what is wrong with the file."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"The picture for {what} is {len(data) / 1e6:.0f} MB; send one under {MAX_UPLOAD_BYTES // 2**20} MB."
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            w, h = probe.size
            if max(w, h) > MAX_UPLOAD_SIDE:
                raise InputError(
                    f"The picture for {what} is {w}x{h} pixels; send one under {MAX_UPLOAD_SIDE} pixels a side."
                )
            probe.load()
            image = ImageOps.exif_transpose(probe).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise InputError(f"The file for {what} is not a picture Cutroom can read (PNG, JPEG or WebP).") from exc
    image.thumbnail((KEEP_SIDE, KEEP_SIDE), Image.Resampling.LANCZOS)
    return image


def put_picture(store: ArtifactStore, image: Image.Image) -> str:
    """Store ``image`` as PNG under a key made from its bytes: the same picture is stored once."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=6)
    data = buffer.getvalue()
    key = f"{CAST_PREFIX}/{hashlib.sha256(data).hexdigest()[:32]}.png"
    if not store.exists(key):
        store.put_bytes(key, data, content_type="image/png")
    return key


def artist_of(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}:{getattr(backend, 'version', '')}:{getattr(backend, 'model', '')}"


def look_key(plan: Plan, entity: Entity, artist: str, upload: str | None = None) -> str:
    """What decides an entity's reference: its look, colours, seed and the engine (or the upload)."""
    seed = plan.bible.entity_seeds.get(entity.id, 0)
    basis = {
        "kind": entity.kind,
        "name": entity.name,
        "look": entity.look,
        "category": entity.category,
        "colors": entity.colors,
        "seed": seed,
        "palette": plan.bible.palette,
        "artist": artist,
        "upload": upload,
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:24]


def _caster(image: ImageBackend) -> CastingBackend:
    """The engine's own casting, or the animatic drawings for engines that have none."""
    if isinstance(image, CastingBackend):
        return image
    caster = images.create("animatic")  # every install has the animatic artist
    assert isinstance(caster, CastingBackend)
    return caster


def images_to_cast(
    plan: Plan, store: ArtifactStore, *, image: ImageBackend, previous: Cast | None = None
) -> tuple[int, float]:
    """How many pictures casting ``plan`` would ask the engine for, and their estimated cost (USD).

    Uploads and looks already cast (in ``previous`` or in the store) cost nothing.
    """
    from cutroom.core.cost import price_of

    caster = _caster(image)
    artist = artist_of(caster)
    count = 0
    for entity in plan.bible.entities:
        if entity.reference_image and is_store_key(store, entity.reference_image):
            continue
        key = look_key(plan, entity, artist)
        old = previous.member(entity.id) if previous else None
        if old is not None and old.key == key:
            continue
        if store.exists(f"{CAST_PREFIX}/members/{key}.json"):
            continue
        per_entity = getattr(caster, "images_for_cast", None)
        count += int(per_entity(entity)) if callable(per_entity) else 1
    return count, count * price_of(caster)


def cast_entity(
    plan: Plan,
    entity: Entity,
    store: ArtifactStore,
    *,
    image: ImageBackend,
    face: FaceEmbedder | None = None,
    previous: Cast | None = None,
) -> tuple[CastMember, bool]:
    """One entity's cast member, and whether it had to be made (False when reused)."""
    ref = entity.reference_image
    if ref and is_store_key(store, ref):
        key = look_key(plan, entity, "upload", upload=ref)
        old = previous.member(entity.id) if previous else None
        if old is not None and old.key == key:
            return old, False
        picture = read_upload(store.get_bytes(ref), what=entity.name)
        notes = []
        person = entity.kind == "character" and not _is_animal(entity)
        if face is not None and person and face.embed(picture) is None:
            notes.append(
                f"No face was found in the picture for {entity.name}; shots follow it as well as they can. "
                "Send a clear, front-facing photo to recast."
            )
        view: CastView = "packshot" if entity.kind == "product" else "front"
        member = CastMember(
            entity_id=entity.id,
            name=entity.name,
            kind=entity.kind,
            views={view: put_picture(store, picture)},
            source="upload",
            key=key,
            notes=notes,
        )
        return member, True

    caster = _caster(image)
    key = look_key(plan, entity, artist_of(caster))
    old = previous.member(entity.id) if previous else None
    if old is not None and old.key == key and all(store.exists(k) for k in old.views.values()):
        return old, False
    # The same look drawn before (another run, a crash before the storyboard was saved): reuse it,
    # so a paid engine is never asked twice for the same reference.
    record = f"{CAST_PREFIX}/members/{key}.json"
    if store.exists(record):
        done = CastMember.model_validate_json(store.get_bytes(record))
        if all(store.exists(k) for k in done.views.values()):
            return done.model_copy(update={"entity_id": entity.id, "name": entity.name}), False
    seed = plan.bible.entity_seeds.get(entity.id, 0)
    drawn = caster.cast(plan, entity, size=CAST_SIZE, seed=seed)
    views: dict[CastView, str] = {}
    for name, picture in drawn.items():
        if name in _VIEWS:
            views[name] = put_picture(store, picture)  # type: ignore[index]
    if not views:
        raise InputError(f"The image engine drew no reference for {entity.name}.")
    member = CastMember(
        entity_id=entity.id, name=entity.name, kind=entity.kind, views=views, source="generated", key=key
    )
    store.put_bytes(record, member.model_dump_json().encode(), content_type="application/json")
    return member, True


def _is_animal(entity: Entity) -> bool:
    from cutroom.core import looks

    return looks.species_of(entity.look) is not None


def cast_plan(
    plan: Plan,
    store: ArtifactStore,
    *,
    image: ImageBackend,
    face: FaceEmbedder | None = None,
    previous: Cast | None = None,
    notes: Sequence[str] = (),
    on_progress: OnProgress = no_progress,
) -> CastResult:
    """A reference for every bible entity: reused from ``previous`` where nothing about it changed."""
    result = CastResult(cast=Cast(notes=list(notes)))
    members: list[CastMember] = []
    total = max(1, len(plan.bible.entities))
    for k, entity in enumerate(plan.bible.entities):
        on_progress("cast", k / total, f"Casting {entity.name}")
        member, made = cast_entity(plan, entity, store, image=image, face=face, previous=previous)
        members.append(member)
        (result.generated if made else result.reused).append(entity.id)
    result.cast = Cast(members=members, notes=list(notes))
    on_progress("cast", 1.0, "Cast ready")
    return result


def plan_with_cast(plan: Plan, cast: Cast | None) -> Plan:
    """A copy of ``plan`` whose entities' ``reference_image`` is their cast picture's store key.

    This is how every engine receives the references of the entities in a shot: through the
    bible it already reads, turned into local files by ``pipeline.with_local_assets``.
    """
    if cast is None or not cast.members:
        return plan
    entities = []
    for entity in plan.bible.entities:
        member = cast.member(entity.id)
        ref = member.reference if member else None
        entities.append(entity.model_copy(update={"reference_image": ref}) if ref else entity)
    return plan.model_copy(update={"bible": plan.bible.model_copy(update={"entities": entities})})


def cast_digest(cast: Cast | None) -> str:
    """A short digest of the cast's looks, part of a storyboard's id."""
    if cast is None:
        return ""
    keys = sorted((m.entity_id, m.key) for m in cast.members)
    return hashlib.sha256(json.dumps(keys).encode()).hexdigest()[:12]


def cast_pictures(cast: Cast | None, store: ArtifactStore) -> list[tuple[CastMember, Image.Image]]:
    """The cast's main pictures, loaded, for the storyboard sheet's cast row."""
    out: list[tuple[CastMember, Image.Image]] = []
    if cast is None:
        return out
    for member in cast.members:
        ref = member.reference
        if not ref or not store.exists(ref):
            continue
        with Image.open(io.BytesIO(store.get_bytes(ref))) as image:
            out.append((member, image.convert("RGB")))
    return out


def with_look(plan: Plan, entity_id: str, *, look: str | None = None, upload: str | None = None) -> Plan:
    """``plan`` with one entity's look rewritten or its reference replaced by a new upload."""
    entity = plan.bible.entity(entity_id)
    update: dict[str, object] = {}
    if look is not None:
        update["look"] = look
    if upload is not None:
        update["reference_image"] = upload
    entities = [entity.model_copy(update=update) if e.id == entity_id else e for e in plan.bible.entities]
    return plan.model_copy(update={"bible": plan.bible.model_copy(update={"entities": entities})})


_RECAST = (
    # "make Ava older", "make Ava look older", "make the dog smaller"
    r"^(?:please\s+|can you\s+|could you\s+)?make\s+{name}\s+(?:look\s+)?(?P<change>.+)$",
    # "Ava should be older", "Ava should look more formal", "Ava needs to be taller"
    r"^{name}\s+(?:should|needs to|must)\s+(?:be|look)\s+(?P<change>.+)$",
    # "recast Ava as an older woman", "recast Ava: grey hair"
    r"^recast\s+{name}\s*(?:as|:|with|-)\s*(?P<change>.+)$",
)


def recast_request(text: str, plan: Plan) -> tuple[str, str] | None:
    """(entity id, new look) when ``text`` asks to change one cast member's look, else None.

    Only the entity's own name (or the word after "the" in its look, such as "the dog") counts,
    so "make it punchier" stays a brief edit. The change is added to the look the bible had.
    """
    import re

    line = " ".join(text.strip().rstrip(".!").split())
    if not line or len(line) > 300:
        return None
    for entity in plan.bible.entities:
        names = [re.escape(entity.name)]
        species = _is_animal(entity) and entity.look.split(",")[0].split()[-1:]
        if species:
            names.append(rf"the\s+{re.escape(species[0])}")
        name = "(?:" + "|".join(names) + ")"
        for pattern in _RECAST:
            found = re.match(pattern.format(name=name), line, flags=re.IGNORECASE)
            if found:
                change = found.group("change").strip(" ,.")
                look = f"{entity.look}; now {change}" if entity.look else change
                return entity.id, look[:400]
    return None


def entity_named(text: str, plan: Plan) -> str | None:
    """The id of the one bible entity whose name ``text`` mentions as a word (a photo's caption)."""
    import re

    found = [
        e.id for e in plan.bible.entities if re.search(rf"(?<!\w){re.escape(e.name)}(?!\w)", text, flags=re.IGNORECASE)
    ]
    return found[0] if len(found) == 1 else None


__all__ = [
    "CAST_PREFIX",
    "CastResult",
    "cast_digest",
    "cast_entity",
    "cast_pictures",
    "cast_plan",
    "check_references",
    "entity_named",
    "is_store_key",
    "plan_with_cast",
    "put_picture",
    "read_upload",
    "recast_request",
    "with_look",
]
