"""The few functions that chain the steps. Surfaces decide when to call them and where results go.

    thread ──extract──▶ Brief ──plan──▶ Plan ──draw──▶ Storyboard ──render──▶ Variant × N

Each step's output is saved in the artifact store before the next starts, under
``runs/<storyboard id>/``, and ids derive from content, so a repeated request finds its
work done and a redo redoes only what changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PIL import Image

from cutroom.core.backends import Backends, Planner
from cutroom.core.errors import InputError
from cutroom.core.graphics.encode import png_bytes
from cutroom.core.models import (
    AspectRatio,
    Brief,
    Cast,
    Extraction,
    Message,
    Panel,
    Plan,
    Storyboard,
    Variant,
)
from cutroom.core.progress import OnProgress, no_progress, scaled
from cutroom.core.qc.models import QcOptions, ShotQc
from cutroom.core.store import ArtifactStore, safe_key

if TYPE_CHECKING:  # core.render pulls in the encoder; imported where a render runs
    from cutroom.core.backends import PanelArt
    from cutroom.core.render import RenderOptions
    from cutroom.core.storyboard import PayRetake

RUNS = "runs"


def extract(thread: Sequence[Message], *, backends: Backends, base: Brief | None = None) -> Extraction:
    """Thread to brief, keeping ``base`` where the new messages say nothing."""
    return backends.extractor.extract(thread, base=base)


def plan(
    brief: Brief,
    *,
    backends: Backends,
    seed: int = 0,
    fps: int = 30,
    thread: Sequence[Message] | None = None,
) -> Plan:
    """Brief to plan. With the ``thread``, every line's source is checked against it: lines
    built from the brief point at the message that states them, and a claim no message states
    is marked suggested, whichever planner wrote it; the embedded planner leaves out (and names
    in ``notices``) the lines whose figures no message states."""
    from cutroom.core.plan import EmbeddedPlanner, plan_ad

    if thread and isinstance(backends.planner, EmbeddedPlanner):
        the_plan = plan_ad(brief, seed=seed, fps=fps, thread=thread)
    else:
        the_plan = backends.planner.plan(brief, seed=seed, fps=fps)
    if thread:
        from cutroom.core.planning.claims import attach_thread, check_sources

        the_plan = check_sources(attach_thread(the_plan, thread), thread)
    return the_plan


def storyboard_id(plan: Plan, aspect: AspectRatio, seed: int, artist: str = "") -> str:
    """Content-derived id: the same plan, aspect, seed and artist always name the same storyboard.

    ``artist`` names the image backend and its drawing version, so a new release (or another
    backend) draws afresh instead of serving panels cached by the old one.
    """
    digest = hashlib.sha256(
        json.dumps([plan.model_dump(mode="json"), aspect, seed, artist], sort_keys=True).encode()
    ).hexdigest()
    return f"sb_{digest[:16]}"


def run_prefix(sb_id: str) -> str:
    return safe_key(RUNS, sb_id)


def make_storyboard(
    source: Brief | Plan,
    store: ArtifactStore,
    *,
    backends: Backends,
    aspect: AspectRatio | None = None,
    seed: int = 0,
    fps: int = 30,
    version: int = 1,
    on_progress: OnProgress = no_progress,
    previous_cast: Cast | None = None,
    keep_panels: dict[int, str] | None = None,
    thread: Sequence[Message] | None = None,
    keep_qc: Sequence[ShotQc] = (),
) -> Storyboard:
    """Plan (unless given one), cast, and draw a storyboard, saving plan, cast, panels and sheet.

    Returns at once when a storyboard with the same content is already in the store.
    ``previous_cast`` keeps every member whose look did not change (a scene redo keeps the
    cast); ``keep_panels`` (shot index to panel key) keeps panels that need no redraw.
    ``thread``: the messages a brief came from, so the plan's lines cite them (see ``plan``).
    ``keep_qc``: the earlier keyframe records, kept for the panels kept (their retake seeds).
    """
    from cutroom.core.cast import check_references, images_to_cast
    from cutroom.core.clips.ledger import open_ledger
    from cutroom.core.cost import SpendLedger, price_of

    on_progress("plan", 0.0, "Writing the shot list")
    if isinstance(source, Plan):
        the_plan = source
    else:
        the_plan = plan(source, backends=backends, seed=seed, fps=fps, thread=thread)
    the_plan, ref_notes = check_references(the_plan, store)
    the_aspect: AspectRatio = aspect or the_plan.aspect_ratios[0]
    ledger = SpendLedger(
        store,
        daily_budget_usd=backends.image_daily_budget_usd,
        counter=open_ledger(backends.spend_ledger) if backends.spend_ledger else None,
    )
    n_cast, cast_cost = images_to_cast(the_plan, store, image=backends.image, previous=previous_cast)
    kept = {i for i, key in (keep_panels or {}).items() if store.exists(key)}
    n_panels = len([s for s in the_plan.shots if s.index not in kept])
    price = price_of(backends.image)
    estimate = cast_cost + n_panels * price
    # Held before anything is sent (BudgetError here: nothing sent); settled with what the engine
    # was actually paid for (cache hits are free), or released when it bought nothing.
    reservation = ledger.reserve(estimate, f"This storyboard ({n_cast} reference pictures and {n_panels} panels)")
    bought_before = _images_bought(backends.image)

    retakes = [0.0]  # what keyframe retakes cost, each under its own reservation

    def spent(drew: bool = True) -> float:
        """Everything this storyboard paid for so far, retakes included."""
        if not _counts_images(backends.image):  # an engine that does not count: the estimate
            return (estimate if drew else cast_cost) + retakes[0]
        return round((_images_bought(backends.image) - bought_before) * price, 6)

    def pay_retake(what: str, draw: Callable[[], PanelArt]) -> PanelArt:
        """A QC retake of a keyframe is one more paid picture: held first (BudgetError: not retaken)."""
        before = _images_bought(backends.image)
        with ledger.reserve(price, what) as hold:
            art = draw()
            cost = (_images_bought(backends.image) - before) * price if _counts_images(backends.image) else price
            retakes[0] += hold.settle(cost)
        return art

    try:
        board, drew = _cast_and_draw(
            the_plan, store, backends, the_aspect, seed, version, on_progress,
            previous_cast, keep_panels, keep_qc, ref_notes, spent, pay_retake if price > 0 else None,
        )  # fmt: skip
    except BaseException:
        paid = spent() - retakes[0] if _counts_images(backends.image) else 0.0
        if paid > 0:
            reservation.settle(paid)  # bought before the failure: it stays spent
        else:
            reservation.release()
        raise
    reservation.settle(spent(drew) - retakes[0])
    return board


def _images_bought(engine: object) -> int:
    """Pictures a paid engine has been paid for so far (cache hits excluded); 0 for engines that do not say."""
    method = getattr(engine, "images_bought", None)
    return int(method()) if callable(method) else 0


def _counts_images(engine: object) -> bool:
    return callable(getattr(engine, "images_bought", None))


def _cast_and_draw(
    the_plan: Plan,
    store: ArtifactStore,
    backends: Backends,
    the_aspect: AspectRatio,
    seed: int,
    version: int,
    on_progress: OnProgress,
    previous_cast: Cast | None,
    keep_panels: dict[int, str] | None,
    keep_qc: Sequence[ShotQc],
    ref_notes: list[str],
    spent: Callable[[], float],
    pay_retake: PayRetake | None,
) -> tuple[Storyboard, bool]:
    """Cast and draw; the caller holds the budget for both, ``spent()`` says what was paid so far.
    False with a storyboard already in the store (nothing drawn)."""
    from cutroom.core.cast import cast_digest, cast_pictures, cast_plan, plan_with_cast
    from cutroom.core.storyboard import draw_storyboard, sheet_png_bytes

    on_progress("cast", 0.0, f"Casting {len(the_plan.bible.entities)} characters and products")
    the_cast = cast_plan(
        the_plan,
        store,
        image=backends.image,
        face=backends.face,
        previous=previous_cast,
        notes=ref_notes,
        on_progress=scaled(on_progress, 0.0, 0.05),
    ).cast
    drawer = type(backends.image)
    artist = f"{drawer.__module__}.{drawer.__qualname__}:{getattr(backends.image, 'version', '')}"
    sb_id = storyboard_id(the_plan, the_aspect, seed, f"{artist}:{cast_digest(the_cast)}")
    existing = _load_if_present(store, sb_id)
    if existing is not None:
        on_progress("storyboard", 1.0, "Storyboard ready")
        return existing, False

    given = {
        index: Image.open(io.BytesIO(store.get_bytes(key))).convert("RGB")
        for index, key in (keep_panels or {}).items()
        if store.exists(key)
    }
    n_draw = len([s for s in the_plan.shots if s.index not in given])
    on_progress("storyboard", 0.05, f"Drawing {n_draw} panels")
    with tempfile.TemporaryDirectory(prefix="cutroom-assets-") as assets:
        drawable = with_local_assets(plan_with_cast(the_plan, the_cast), store, Path(assets))
        drawn = draw_storyboard(
            drawable,
            backends.image,
            aspect=the_aspect,
            seed=seed,
            on_progress=scaled(on_progress, 0.05, 0.9),
            cast=cast_pictures(the_cast, store),
            given=given,
            qc=qc_with_cast(
                backends.qc if backends.qc is not None else QcOptions(),
                the_plan,
                the_cast,
                store,
                Path(assets) / "qc",
            ),
            pay_retake=pay_retake,
        )
    prefix = run_prefix(sb_id)
    panels: list[Panel] = []
    for shot, image in zip(the_plan.shots, drawn.panels, strict=True):
        key = store.put_bytes(f"{prefix}/panels/{shot.index:02d}.png", png_bytes(image), content_type="image/png")
        panels.append(Panel(shot_index=shot.index, image=key, width=image.width, height=image.height))
    sheet_key = store.put_bytes(f"{prefix}/sheet.png", sheet_png_bytes(drawn.sheet), content_type="image/png")
    store.put_bytes(
        f"{prefix}/plan.json", the_plan.model_dump_json(indent=2).encode(), content_type="application/json"
    )
    board = Storyboard(
        id=sb_id,
        plan=the_plan,
        aspect_ratio=the_aspect,
        panels=panels,
        sheet=sheet_key,
        version=version,
        cast=the_cast,
        spend_usd=round(spent(), 4),
        keyframe_qc=sorted(
            [*drawn.qc, *(r for r in keep_qc if r.index in given)], key=lambda r: r.index
        ),
    )
    # Written last: its presence means the run folder is complete.
    store.put_bytes(
        f"{prefix}/storyboard.json", board.model_dump_json(indent=2).encode(), content_type="application/json"
    )
    on_progress("storyboard", 1.0, "Storyboard ready")
    return board, True


def load_storyboard(store: ArtifactStore, sb_id: str) -> Storyboard:
    board = _load_if_present(store, sb_id)
    if board is None:
        raise InputError(f"There is no storyboard called {sb_id[:40]!r}.")
    return board


def redraw_shot(
    board: Storyboard,
    index: int,
    store: ArtifactStore,
    *,
    backends: Backends,
    seed: int,
    on_progress: OnProgress = no_progress,
) -> Storyboard:
    """A fresh take on one scene, by the configured planner; every other scene stays exactly as it was."""
    if not 1 <= index <= len(board.plan.shots):
        raise InputError(f"There is no scene {index}; this storyboard has {len(board.plan.shots)} scenes.")
    new_plan = redo_plan_shot(board.plan, index, planner=backends.planner, seed=seed)
    return _next_version(board, new_plan, store, backends=backends, on_progress=on_progress)


def recast(
    board: Storyboard,
    entity_id: str,
    store: ArtifactStore,
    *,
    backends: Backends,
    look: str | None = None,
    upload: str | None = None,
    on_progress: OnProgress = no_progress,
) -> Storyboard:
    """A new look (``look``: "Ava, older, grey hair...") or a new picture (``upload``: a store key)
    for one entity: only that entity is recast and only the shots it appears in are redrawn."""
    from cutroom.core.cast import with_look

    known = {e.id: e for e in board.plan.bible.entities}
    if entity_id not in known:
        names = ", ".join(e.name for e in board.plan.bible.entities) or "nobody"
        raise InputError(f"There is no {entity_id[:40]!r} in this storyboard's cast (it has {names}).")
    if look is None and upload is None:
        raise InputError(f"Say how {known[entity_id].name} should look, or send a picture.")
    new_plan = with_look(board.plan, entity_id, look=look, upload=upload)
    keep = {panel.shot_index: panel.image for panel in board.panels}
    for shot in new_plan.shots:
        if entity_id in shot.entities:
            keep.pop(shot.index, None)
    return _next_version(
        board, new_plan, store, backends=backends, on_progress=on_progress, keep_panels=keep, keep_qc=board.keyframe_qc
    )


def _next_version(
    board: Storyboard,
    plan: Plan,
    store: ArtifactStore,
    *,
    backends: Backends,
    on_progress: OnProgress,
    keep_panels: dict[int, str] | None = None,
    keep_qc: Sequence[ShotQc] = (),
) -> Storyboard:
    """``board``'s next version drawn from ``plan``: the same aspect, seed and cast."""
    return make_storyboard(
        plan,
        store,
        backends=backends,
        aspect=board.aspect_ratio,
        seed=board_seed(board),
        version=board.version + 1,
        on_progress=on_progress,
        previous_cast=board.cast,
        keep_panels=keep_panels,
        keep_qc=keep_qc,
    )


def redo_plan_shot(plan: Plan, index: int, *, planner: Planner, seed: int) -> Plan:
    """One shot redone by ``planner``: its own ``redo_shot`` when it has one, the embedded
    planner's shot-level redo for the embedded planner, and otherwise a fresh plan from the same
    planner whose shot in the same role (nearest that position) takes the old shot's place, at the
    old length and transition, with only entities the storyboard's bible already has."""
    from cutroom.core.plan import EmbeddedPlanner, redo_shot

    own = getattr(planner, "redo_shot", None)
    if callable(own):
        return cast(Plan, own(plan, index, seed=seed))
    if isinstance(planner, EmbeddedPlanner):
        return redo_shot(plan, index, seed=seed)
    old = plan.shots[index - 1]
    fresh = planner.plan(plan.brief, seed=seed, fps=plan.fps)
    same_role = [s for s in fresh.shots if s.role == old.role] or list(fresh.shots)
    pick = min(same_role, key=lambda s: (abs(s.index - index), s.description == old.description))
    known = {e.id for e in plan.bible.entities}
    new = pick.model_copy(
        update={
            "index": index,
            "duration_s": old.duration_s,
            "transition_in": old.transition_in,
            "is_end_card": old.is_end_card,
            "entities": [e for e in pick.entities if e in known] or list(old.entities),
        }
    )
    shots = [new if s.index == index else s for s in plan.shots]
    return Plan.model_validate(plan.model_dump() | {"shots": [s.model_dump() for s in shots]})


def redo_all(
    board: Storyboard,
    store: ArtifactStore,
    *,
    backends: Backends,
    seed: int,
    on_progress: OnProgress = no_progress,
    thread: Sequence[Message] | None = None,
) -> Storyboard:
    """A new plan for the same brief, drawn with a new seed (its lines checked against ``thread``)."""
    new_plan = plan(board.plan.brief, backends=backends, seed=seed, fps=board.plan.fps, thread=thread)
    return make_storyboard(
        new_plan,
        store,
        backends=backends,
        aspect=board.aspect_ratio,
        seed=seed,
        version=board.version + 1,
        on_progress=on_progress,
    )


def board_seed(board: Storyboard) -> int:
    return board.plan.seed


def render_storyboard(
    board: Storyboard,
    store: ArtifactStore,
    *,
    aspects: list[AspectRatio] | None = None,
    n_variants: int = 1,
    options: RenderOptions | None = None,
    cache_dir: Path | None = None,
    on_progress: OnProgress = no_progress,
    should_cancel: Callable[[], bool] = lambda: False,
    scale: float = 1.0,
    work_root: Path | None = None,
) -> list[Variant]:
    """Render the approved storyboard's variants and put their files in the store.

    ``cache_dir`` keeps finished shots so a killed render resumes where it stopped.
    ``scale`` < 1 renders smaller frames (quick previews, tests), keeping each aspect ratio.
    ``work_root``: where this attempt's own work folder is made (a new one per call, so a
    retry never shares one with a leftover of an earlier attempt); default the system's temp.
    """
    from cutroom.core.render import RenderOptions, render_variants, variant_specs

    opts = options or RenderOptions()
    if work_root is not None:
        work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cutroom-render-", dir=work_root) as tmp:
        work = Path(tmp)
        from cutroom.core.cast import plan_with_cast
        from cutroom.core.clips.keyframes import with_keyframes

        plan = with_local_assets(plan_with_cast(board.plan, board.cast), store, work / "assets")
        opts = opts.model_copy(
            update={"qc": qc_with_cast(opts.qc, board.plan, board.cast, store, work / "assets" / "qc")}
        )
        # Clips start from the approved panels, the very ones the shot jobs sent (the same paid clip).
        clip_options = with_keyframes(opts.create_options("clip"), opts.clip_backend, board, store, work / "keyframes")
        opts = opts.model_copy(update={"backend_options": {**opts.backend_options, "clip": clip_options}})
        specs = variant_specs(
            plan, aspects=aspects or plan.aspect_ratios, n_variants=n_variants, seed=plan.seed, fps=opts.fps
        )
        seeds = keyframe_seeds(board)
        specs = [spec.model_copy(update={"shot_seeds": seeds}) for spec in specs]
        if scale != 1.0:
            specs = [
                spec.model_copy(
                    update={"width": _even(spec.size[0] * scale), "height": _even(spec.size[1] * scale)}
                )
                for spec in specs
            ]
        variants = render_variants(
            specs,
            out_root=work / "variants",
            options=opts,
            cache_dir=cache_dir,
            on_progress=scaled(on_progress, 0.0, 0.95),
            should_cancel=should_cancel,
        )
        prefix = run_prefix(board.id)
        stored: list[Variant] = []
        for variant in variants:
            base = f"{prefix}/variants/{variant.id}"
            update = {
                field: store.put_file(
                    f"{base}/{Path(getattr(variant, field)).name}", Path(getattr(variant, field))
                )
                for field in ("video", "thumbnail", "captions", "manifest")
            }
            stored.append(variant.model_copy(update=update))
    on_progress("deliver", 1.0, f"{len(stored)} variant(s) ready")
    return stored


def keyframe_seeds(board: Storyboard) -> dict[int, int]:
    """Shot index -> the seed of the keyframe take the storyboard kept, where QC retook it: the
    render draws that shot from the picture people approved, not from the rejected first take."""
    seeds: dict[int, int] = {}
    for record in board.keyframe_qc:
        kept = next((t for t in record.takes if t.kept), None)
        if kept is not None and kept.take > 1:
            seeds[record.index] = kept.seed
    return seeds


def qc_with_cast(
    qc: QcOptions, plan: Plan, cast: Cast | None, store: ArtifactStore, folder: Path
) -> QcOptions:
    """``qc`` whose references are the cast's pictures, as local files, for every entity a shot
    shows: identity scores compare each shot with the cast reference it was drawn from (named
    by store key in the shot's record), not with whatever the bible's ``reference_image`` says."""
    if cast is None or not qc.enabled:
        return qc
    keys: dict[str, str] = {}
    for shot in plan.shots:
        keys.update(cast.references_for(shot))
    local: dict[str, str] = {}
    for n, (entity_id, key) in enumerate(sorted(keys.items())):
        try:
            if store.exists(key):
                dest = folder / f"cast-{n}{Path(key).suffix.lower()[:6]}"
                folder.mkdir(parents=True, exist_ok=True)
                local[entity_id] = str(store.fetch(key, dest))
        except (OSError, ValueError):  # unreadable: the bible's reference (if any) stands in
            continue
    if not local:
        return qc
    names = {entity_id: keys[entity_id] for entity_id in local}
    return qc.model_copy(
        update={"references": qc.references | local, "reference_names": qc.reference_names | names}
    )


def with_local_assets(plan: Plan, store: ArtifactStore, folder: Path) -> Plan:
    """A copy of ``plan`` whose logo and reference pictures are files on this machine.

    Chat surfaces keep uploads in the artifact store and put the key in the brief, so a
    plan stays valid on every machine; drawing and rendering need local files. A value
    that already names a file, or that the store does not hold, is left as it is (the
    renderer then says in words that the logo was not found).
    """

    def local(value: str | None, name: str) -> str | None:
        if not value or Path(value).expanduser().is_file():
            return value
        try:
            if not store.exists(value):
                return value
            dest = folder / f"{name}{Path(value).suffix.lower()[:6]}"
            folder.mkdir(parents=True, exist_ok=True)
            return str(store.fetch(value, dest))
        except (OSError, ValueError):  # an odd key or an unreadable object: keep the words path
            return value

    brand = plan.brief.brand
    logo = local(brand.logo, "logo")
    entities = [
        e.model_copy(update={"reference_image": local(e.reference_image, f"ref-{i}")})
        for i, e in enumerate(plan.bible.entities)
    ]
    if logo == brand.logo and all(
        a.reference_image == b.reference_image for a, b in zip(entities, plan.bible.entities, strict=True)
    ):
        return plan
    brief = plan.brief.model_copy(update={"brand": brand.model_copy(update={"logo": logo})})
    bible = plan.bible.model_copy(update={"entities": entities})
    return plan.model_copy(update={"brief": brief, "bible": bible})


def _even(pixels: float) -> int:
    return max(16, int(round(pixels / 2)) * 2)


def _load_if_present(store: ArtifactStore, sb_id: str) -> Storyboard | None:
    key = f"{run_prefix(sb_id)}/storyboard.json"
    if not store.exists(key):
        return None
    return Storyboard.model_validate_json(store.get_bytes(key))

