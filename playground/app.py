"""The playground page: brief ──▶ storyboard ──▶ edits and redos ──▶ approve ──▶ variants.

    thread box ──Read──▶ form (the brief, editable) ──Make storyboard──▶ gallery + shot table
        shot table ──Apply edits──▶ new storyboard version     Redo n (one per scene) ──▶ new take of n
        Approve & render ──▶ videos (play, download) + consistency and timing summary

Every handler turns Cutroom's errors into ``gr.Error`` sentences in one place (``_friendly``),
so a bad input leaves the page as it was. Work goes through a ``Runner``: the core in this
process, or the workers behind Redis when ``settings.redis_url`` is set.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import gradio as gr  # after playground/__init__ turned telemetry off
from pydantic import ValidationError

from cutroom.core.artifacts import ArtifactStore
from cutroom.core.consistency import consistency_line
from cutroom.core.errors import CutroomError, InputError, PlanError, explain
from cutroom.core.models import (
    MAX_DURATION_S,
    MIN_DURATION_S,
    AspectRatio,
    BrandKit,
    Brief,
    CameraMove,
    Entity,
    Goal,
    Plan,
    ProductCategory,
    Shot,
    Storyboard,
    Variant,
)
from cutroom.core.plan import shot_count
from cutroom.core.progress import OnProgress
from cutroom.core.qc.report import qc_line, qc_table
from cutroom.playground.services import InProcessRunner, Once, QueueRunner, Runner, visitor
from cutroom.settings import Settings
from cutroom.storage.uploads import MAX_IMAGE_PIXELS, MAX_LOGO_BYTES, MAX_REFERENCE_BYTES

EXAMPLES_DIR = Path(__file__).parent / "examples"
MAX_VIDEOS = 4
#: One "Redo n" button per scene under the gallery: enough for the longest ad the planner makes.
MAX_SCENES = max(shot_count(d) for d in range(MIN_DURATION_S, MAX_DURATION_S + 1))
#: The one concurrency group of the CPU-heavy listeners (storyboard, edits, scene redo, render).
HEAVY = "cutroom-heavy"
MAX_THREAD_CHARS = 50_000

PLATFORMS = [
    "TikTok",
    "Instagram Reels",
    "Instagram",
    "Instagram Stories",
    "YouTube Shorts",
    "YouTube",
    "Facebook",
    "LinkedIn",
    "Snapchat",
    "Pinterest",
    "X",
    "CTV",
]
FORMATS: list[str] = list(get_args(AspectRatio))
GOALS: list[str] = list(get_args(Goal))
CATEGORIES: list[str] = list(get_args(ProductCategory))
CAMERA_MOVES: list[str] = list(get_args(CameraMove))
TABLE_HEADERS = ["Scene", "Role", "Seconds", "Camera move", "On-screen text", "Voice-over"]

STAGES = {
    "queued": "Queued",
    "extract": "Reading",
    "plan": "Planning",
    "storyboard": "Drawing",
    "panels": "Drawing",
    "render": "Rendering",
    "voice": "Voice",
    "music": "Music",
    "compose": "Compositing",
    "encode": "Encoding",
    "deliver": "Delivering",
}

CSS = """
.cr-header {display: flex; align-items: center; gap: 16px; padding: 18px 22px; border-radius: 14px;
  background: linear-gradient(120deg, #312e81 0%, #4f46e5 60%, #f59e0b 140%); color: white;}
.cr-header h1 {margin: 0; font-size: 1.7em; letter-spacing: -0.02em; color: white;}
.cr-header p {margin: 2px 0 0 0; opacity: 0.85; color: white;}
.cr-mark {width: 44px; height: 44px; border-radius: 12px; background: rgba(255,255,255,0.18);
  display: flex; align-items: center; justify-content: center; font-size: 20px;}
.cr-step h3 {margin: 0.6em 0 0.2em 0;}
.cr-status {min-height: 1.5em;}
.cr-actions {align-items: end !important;}
.cr-redo-row {gap: 6px !important; flex-wrap: wrap;}
footer {display: none !important;}
"""

HEADER = """
<div class="cr-header">
<div class="cr-mark">▶</div>
<div><h1>Cutroom playground</h1>
<p>Paste a chat thread or fill in the brief, check the storyboard, tweak the shot list, approve, and watch the ads come out.</p></div>
</div>
"""


def theme() -> gr.themes.Base:
    """A calm, professional theme; its fonts are served by Gradio itself (no outside hosts)."""
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="amber", neutral_hue="slate")


# ── errors into words ───────────────────────────────────────────────────────────────────


def _friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Cutroom errors become a ``gr.Error`` in words; the page keeps everything it showed."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = next((a.session_hash for a in (*args, *kwargs.values()) if isinstance(a, gr.Request)), None)
        token = visitor.set(f"playground:{session}" if session else None)
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except ValidationError as err:
            raise gr.Error(explain(err), title="Please check the brief") from None
        except InputError as err:
            raise gr.Error(str(err), title="Please check") from None
        except CutroomError as err:
            raise gr.Error(str(err), title="Something went wrong") from None
        finally:
            visitor.reset(token)

    return wrapper


def _progress_reporter(progress: gr.Progress) -> OnProgress:
    lock = threading.Lock()

    def report(stage: str, fraction: float, message: str = "") -> None:
        label = STAGES.get(stage, stage.replace("_", " ").capitalize())
        with lock:
            progress(max(0.0, min(1.0, fraction)), desc=f"{label}: {message}" if message else label)

    return report


# ── the brief ───────────────────────────────────────────────────────────────────────────


def split_list(text: str | None) -> list[str]:
    """'premium, warm' or one per line -> ['premium', 'warm']."""
    return [part.strip() for part in re.split(r"[,\n;]", text or "") if part.strip()]


def parse_colours(text: str | None) -> list[str]:
    """Hex codes in any common spelling (#1B2A4A, 1b2a4a, #fc0) -> ['#1b2a4a', ...]."""
    colours: list[str] = []
    for token in re.split(r"[\s,;]+", (text or "").strip()):
        if not token:
            continue
        raw = token.lstrip("#")
        if re.fullmatch(r"[0-9a-fA-F]{3}", raw):
            raw = "".join(c * 2 for c in raw)
        if not re.fullmatch(r"[0-9a-fA-F]{6}", raw):
            raise InputError(
                f"'{token[:20]}' is not a colour: write brand colours as hex codes such as #1b2a4a, "
                "separated by commas."
            )
        colours.append(f"#{raw.lower()}")
    return list(dict.fromkeys(colours))


def checked_image(path: str | None, what: str, max_bytes: int) -> Path | None:
    """An uploaded picture, or an InputError that names the file and says what would work."""
    if not path:
        return None
    from PIL import Image

    file = Path(path)
    name = file.name[:60]
    size = file.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"The {what} {name} is {size / 1024 / 1024:.1f} MB; upload one under "
            f"{max_bytes // 1024 // 1024} MB (a PNG of a few hundred pixels is plenty)."
        )
    try:
        with Image.open(file) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InputError(f"The {what} {name} is {width}×{height} pixels; upload one under 6000×6000.")
            image.verify()
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - PIL raises many kinds for a file that is not a picture
        raise InputError(
            f"The {what} {name} is not a picture Cutroom can read; upload a PNG, JPEG or WebP."
        ) from None
    return file


def brief_from_form(
    base: dict[str, Any] | None,
    product: str,
    brand: str,
    audience: str,
    goal: str,
    tone: str,
    length: float,
    platforms: list[str] | None,
    formats: list[str] | None,
    cta: str,
    url: str,
    colours: str,
    characters: str,
    must_include: str,
    avoid: str,
    category: str,
) -> Brief:
    """The form is the brief; fields the form does not show (notes, language) come from the last extraction."""
    kept = Brief.model_validate(base) if base else Brief()
    fields = [product, brand, audience, tone, cta, url, colours, characters, must_include]
    if not any((f or "").strip() for f in fields):
        raise InputError(
            "The brief is empty: paste a chat thread and press Read the thread, "
            "or at least name the product in the form."
        )
    if not (product or "").strip():
        raise InputError("Say what the ad is for: the product field is empty.")
    return Brief(
        product=product.strip()[:120],
        product_category=category if category in CATEGORIES else "generic",  # type: ignore[arg-type]
        audience=(audience or "").strip()[:300] or None,
        goal=goal if goal in GOALS else "awareness",  # type: ignore[arg-type]
        tone=split_list(tone)[:6],
        duration_s=int(round(float(length or 30))),
        platforms=list(platforms or []),
        aspect_ratios=[f for f in (formats or []) if f in FORMATS] or ["9:16"],  # type: ignore[misc]
        call_to_action=(cta or "").strip()[:80] or None,
        url=(url or "").strip()[:200] or None,
        brand=BrandKit(name=(brand or "").strip()[:80] or None, palette=parse_colours(colours)),
        characters=split_list(characters)[:4],
        must_include=split_list(must_include)[:8],
        avoid=split_list(avoid)[:8],
        language=kept.language,
        notes=kept.notes,
    )


def form_values(brief: Brief) -> list[Any]:
    """The form's fields for ``brief``, in FORM_FIELDS order."""
    return [
        brief.product or "",
        brief.brand.name or "",
        brief.audience or "",
        brief.goal,
        ", ".join(brief.tone),
        brief.duration_s,
        list(brief.platforms),
        list(brief.aspect_ratios),
        brief.call_to_action or "",
        brief.url or "",
        ", ".join(brief.brand.palette),
        ", ".join(brief.characters),
        ", ".join(brief.must_include),
        ", ".join(brief.avoid),
        brief.product_category,
    ]


def thread_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(f"{m.get('author', 'user')}: {m.get('text', '')}" for m in messages)


def load_examples() -> list[tuple[str, list[Any]]]:
    """(label, [thread, *form values]) for every thread in playground/examples/."""
    from cutroom.core.extract import extract_brief, parse_thread

    rows: list[tuple[str, list[Any]]] = []
    for file in sorted(EXAMPLES_DIR.glob("*.json")):
        data = json.loads(file.read_text())
        text = thread_text(data.get("messages", []))
        brief = extract_brief(parse_thread(text)).brief
        label = str(data.get("name", file.stem)).replace("_", " ").capitalize()
        rows.append((label, [text, *form_values(brief)]))
    return rows


# ── the storyboard ──────────────────────────────────────────────────────────────────────


def local_file(store: ArtifactStore, key: str) -> str:
    """A path Gradio can serve: the store's own file, or a copy fetched from a remote store."""
    path_of = getattr(store, "path", None)
    if callable(path_of):
        return str(path_of(key))
    cache = Path(tempfile.gettempdir()) / "cutroom-playground" / hashlib.sha256(key.encode()).hexdigest()[:16]
    target = cache / Path(key).name
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        store.fetch(key, target)
    return str(target)


def shot_rows(plan: Plan) -> list[list[Any]]:
    return [
        [s.index, s.role, round(s.duration_s, 3), s.camera_move, s.on_screen_text, s.voice_over]
        for s in plan.shots
    ]


def edited_plan(plan: Plan, rows: list[list[Any]]) -> Plan:
    """The plan with the table's durations, camera moves and words; a PlanError says what to fix."""
    if len(rows) != len(plan.shots):
        raise PlanError(
            f"The shot list must keep its {len(plan.shots)} scenes (it now has {len(rows)}); "
            "use Redo scene to change one."
        )
    shots: list[Shot] = []
    for shot, row in zip(plan.shots, rows, strict=True):
        cells = list(row) + [""] * (len(TABLE_HEADERS) - len(row))
        try:
            seconds = float(str(cells[2]).strip().removesuffix("s").strip())
        except ValueError:
            raise PlanError(
                f"Scene {shot.index}'s length '{str(cells[2])[:20]}' is not a number of seconds."
            ) from None
        if seconds <= 0:
            raise PlanError(
                f"Scene {shot.index} lasts {seconds:g} s; every scene needs a positive length in seconds."
            )
        if seconds > 20:
            raise PlanError(f"Scene {shot.index} lasts {seconds:g} s; a scene can last at most 20 s.")
        frames = max(1, round(seconds * plan.fps))
        move = str(cells[3] or "static").strip().lower().replace(" ", "_").replace("-", "_")
        if move not in CAMERA_MOVES:
            raise PlanError(
                f"Scene {shot.index}'s camera move '{str(cells[3])[:30]}' is not one Cutroom knows; "
                f"use one of {', '.join(CAMERA_MOVES)}."
            )
        shots.append(
            Shot.model_validate(
                {
                    **shot.model_dump(),
                    "duration_s": frames / plan.fps,
                    "camera_move": move,
                    "on_screen_text": str(cells[4] or "").strip()[:120],
                    "voice_over": str(cells[5] or "").strip()[:400],
                }
            )
        )
    total = sum(s.duration_s for s in shots)
    target = plan.brief.duration_s
    if abs(total - target) > 0.5 / plan.fps:
        longest = max(shots, key=lambda s: s.duration_s)
        if total > target:
            fix = f"take {total - target:g} s off one of them (scene {longest.index} is the longest)"
        else:
            fix = f"add {target - total:g} s to one of them (scene {shots[-1].index} is the last)"
        raise PlanError(f"The scenes now last {total:g} s but the ad is {target} s long: {fix}.")
    return Plan.model_validate({**plan.model_dump(), "shots": [s.model_dump() for s in shots]})


def with_references(plan: Plan, characters: list[Path], products: list[Path]) -> Plan:
    """Pin uploaded pictures to the bible's characters and products, in order."""
    if not characters and not products:
        return plan
    refs = {"character": [str(p) for p in characters], "product": [str(p) for p in products]}
    entities: list[Entity] = []
    for entity in plan.bible.entities:
        pool = refs.get(entity.kind, [])
        entities.append(entity.model_copy(update={"reference_image": pool.pop(0)}) if pool else entity)
    bible = plan.bible.model_copy(update={"entities": entities})
    return plan.model_copy(update={"bible": bible})


# ── the app ─────────────────────────────────────────────────────────────────────────────


def make_runner(settings: Settings, *, render_scale: float = 1.0) -> Runner:
    """In-process by default; through the workers when Redis is configured."""
    from cutroom.storage.artifacts import open_store
    from cutroom.wiring import build_backends, render_options

    backends = build_backends(settings)
    store = open_store(settings.artifacts_location, endpoint_url=settings.s3_endpoint_url)
    if settings.redis_url:
        return QueueRunner(settings.redis_url, store, backends, timeout_s=float(settings.job_timeout_s))
    options = render_options(settings)
    return InProcessRunner(
        store,
        backends,
        options=options,
        scale=render_scale,
        cache_root=settings.data_dir / "cache" / "render",
        fps=settings.fps,
    )


class Playground:
    """The handlers, bound to one runner. Each returns new values or raises ``gr.Error``."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.renders = Once()
        self.uploads = threading.Lock()

    # 1 · brief
    def read_thread(self, thread: str, progress: gr.Progress = gr.Progress()) -> list[Any]:  # noqa: B008
        from cutroom.core.extract import parse_thread

        if not (thread or "").strip():
            raise InputError("The thread is empty: paste the chat messages first (or fill in the form).")
        if len(thread) > MAX_THREAD_CHARS:
            raise InputError(
                f"The thread is {len(thread):,} characters; paste the part about this ad "
                f"(under {MAX_THREAD_CHARS:,})."
            )
        progress(0.2, desc="Reading the thread")
        extraction = self.runner.extract(parse_thread(thread))
        notes = [
            f"**Read {len(parse_thread(thread))} messages.** Check the brief on the right and correct anything."
        ]
        if extraction.question:
            notes.append(f"❓ {extraction.question}")
        notes.extend(f"ℹ️ {n}" for n in extraction.notices)
        return [*form_values(extraction.brief), extraction.brief.model_dump(mode="json"), "\n\n".join(notes)]

    def make_storyboard(
        self,
        base: dict[str, Any] | None,
        product: str,
        brand: str,
        audience: str,
        goal: str,
        tone: str,
        length: float,
        platforms: list[str] | None,
        formats: list[str] | None,
        cta: str,
        url: str,
        colours: str,
        characters: str,
        must_include: str,
        avoid: str,
        category: str,
        logo: str | None,
        character_refs: list[str] | None,
        product_refs: list[str] | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> list[Any]:
        brief = brief_from_form(
            base,
            product,
            brand,
            audience,
            goal,
            tone,
            length,
            platforms,
            formats,
            cta,
            url,
            colours,
            characters,
            must_include,
            avoid,
            category,
        )
        logo_file = checked_image(logo, "logo", MAX_LOGO_BYTES)
        char_files = [
            checked_image(p, "character picture", MAX_REFERENCE_BYTES) for p in character_refs or []
        ]
        prod_files = [checked_image(p, "product picture", MAX_REFERENCE_BYTES) for p in product_refs or []]
        if logo_file is not None:
            brief = brief.model_copy(
                update={"brand": brief.brand.model_copy(update={"logo": self._keep(logo_file)})}
            )
        on_progress = _progress_reporter(progress)
        source: Brief | Plan = brief
        if char_files or prod_files:
            from cutroom.core import pipeline

            backends = getattr(self.runner, "backends", None)
            if backends is not None:
                on_progress("plan", 0.02, "Writing the shot list")
                planned = pipeline.plan(brief, backends=backends, seed=0, fps=getattr(self.runner, "fps", 30))
                source = with_references(
                    planned,
                    [Path(self._keep(f)) for f in char_files if f],
                    [Path(self._keep(f)) for f in prod_files if f],
                )
        board = self.runner.storyboard(source, aspect=None, seed=0, version=1, on_progress=on_progress)
        return [
            *self._board_view(board, f"Storyboard ready: {len(board.panels)} scenes."),
            brief.model_dump(mode="json"),
        ]

    # 2 · storyboard
    def apply_edits(
        self,
        board_state: dict[str, Any] | None,
        table: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> list[Any]:
        board = self._board(board_state)
        rows = _rows(table)
        new_plan = edited_plan(board.plan, rows)
        if new_plan == board.plan:
            gr.Info("Nothing changed in the shot list.")
            return [*self._board_view(board, "Nothing changed in the shot list.")]
        new_board = self.runner.storyboard(
            new_plan,
            aspect=board.aspect_ratio,
            seed=new_plan.seed,
            version=board.version + 1,
            on_progress=_progress_reporter(progress),
        )
        return self._board_view(new_board, f"Edits applied: storyboard v{new_board.version}.")

    def redo_scene(
        self,
        board_state: dict[str, Any] | None,
        scene: float | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> list[Any]:
        board = self._board(board_state)
        if scene is None:
            raise InputError("Pick the number of the scene to redo.")
        index = int(scene)
        if not 1 <= index <= len(board.plan.shots):
            raise InputError(
                f"There is no scene {index}; this storyboard has scenes 1 to {len(board.plan.shots)}."
            )
        new_board = self.runner.redo_scene(
            board, index, seed=board.version * 101 + index, on_progress=_progress_reporter(progress)
        )
        return self._board_view(new_board, f"Scene {index} redrawn: storyboard v{new_board.version}.")

    def redo_scene_n(self, index: int) -> Callable[..., list[Any]]:
        """The handler of the "Redo ``index``" button under the gallery: ``redo_scene`` for that scene."""

        def redo(
            board_state: dict[str, Any] | None,
            request: gr.Request,
            progress: gr.Progress = gr.Progress(),  # noqa: B008
        ) -> list[Any]:
            return self.redo_scene(board_state, index, request, progress)

        redo.__name__ = f"redo_scene_{index}"
        return redo

    # 3 · approve
    def approve(
        self,
        board_state: dict[str, Any] | None,
        formats: list[str] | None,
        n_variants: float,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> list[Any]:
        board = self._board(board_state)
        chosen = [f for f in (formats or []) if f in FORMATS]
        aspects: list[AspectRatio] = [a for a in board.plan.aspect_ratios if a in chosen] + [
            a for a in get_args(AspectRatio) if a in chosen and a not in board.plan.aspect_ratios
        ] or list(board.plan.aspect_ratios)
        n = max(1, min(3, int(n_variants or 1)))
        key = f"{board.id}|{','.join(aspects)}|{n}"
        finished = self.renders.done(key)
        if finished is not None:
            gr.Info("Already rendered: these are the same videos.")
            return self._variants_view(finished, "Already rendered: these are the same videos.", board.plan)
        if not self.renders.start(key):
            message = "Already rendering this storyboard; the videos appear here when it finishes."
            gr.Warning(message)
            return [*[gr.skip()] * (MAX_VIDEOS + 2), message]
        variants: list[Variant] | None = None
        try:
            variants = self.runner.render(
                board,
                aspects=aspects,
                n_variants=n,
                on_progress=_progress_reporter(progress),
            )
        finally:
            self.renders.finish(key, variants)
        return self._variants_view(variants, f"{len(variants)} variant(s) ready.", board.plan)

    # ── views ──────────────────────────────────────────────────────────────────────────

    def _board(self, state: dict[str, Any] | None) -> Storyboard:
        if not state:
            raise InputError("There is no storyboard yet: make one from the brief first.")
        return Storyboard.model_validate(state)

    def _keep(self, file: Path) -> str:
        """Copy an upload into the artifact store (the workers read it there) and return its path."""
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
        suffix = file.suffix.lower() if re.fullmatch(r"\.[a-z0-9]{1,5}", file.suffix.lower()) else ".png"
        with self.uploads:
            key = self.runner.store.put_file(f"uploads/{digest}{suffix}", file)
        return local_file(self.runner.store, key)

    def _board_view(self, board: Storyboard, status: str) -> list[Any]:
        plan = board.plan
        store = self.runner.store
        by_index = {p.shot_index: p for p in board.panels}
        gallery = []
        for shot in plan.shots:
            panel = by_index.get(shot.index)
            if panel is None:
                continue
            words = shot.on_screen_text or shot.description
            gallery.append(
                (
                    local_file(store, panel.image),
                    f"{shot.index} · {shot.role} · {shot.duration_s:g} s — {words[:60]}",
                )
            )
        summary = (
            f"**{plan.title}** · v{board.version} · {len(plan.shots)} scenes · {plan.duration_s:g} s · "
            f"{board.aspect_ratio} · hook: “{plan.hook}”\n\n{status}"
        )
        return [
            gallery,
            shot_rows(plan),
            board.model_dump(mode="json"),
            summary,
            gr.update(maximum=len(plan.shots), value=1),
            gr.update(value=list(plan.aspect_ratios)),
        ]

    def _variants_view(self, variants: list[Variant], status: str, plan: Plan | None = None) -> list[Any]:
        store = self.runner.store
        videos: list[Any] = []
        for variant in variants[:MAX_VIDEOS]:
            videos.append(
                gr.update(
                    value=local_file(store, variant.video),
                    visible=True,
                    label=f"{variant.aspect_ratio} · {variant.choice.name} · {variant.width}×{variant.height}",
                )
            )
        videos += [gr.update(value=None, visible=False)] * (MAX_VIDEOS - len(videos))
        downloads = [local_file(store, v.video) for v in variants] + [
            local_file(store, v.captions) for v in variants
        ]
        return [*videos, downloads, variants_summary(store, variants, plan), status]


def variants_summary(store: ArtifactStore, variants: list[Variant], plan: Plan | None = None) -> str:
    """A Markdown table: what each variant is, how consistent it scored, what took the time.

    Below it, the consistency bible every shot was drawn from (palette, light, recurring
    characters and products with their fixed seeds), so "consistent" has something to point at.
    """
    scored = any(v.scores for v in variants)
    head = ["Variant", "Format", "Length", "Size", "Render", "Slowest steps"] + (
        ["Consistency"] if scored else []
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notices: list[str] = []
    for v in variants:
        timings: dict[str, float] = {}
        with contextlib.suppress(Exception):
            timings = json.loads(store.get_bytes(v.manifest)).get("timings_s", {})
        slowest = (
            ", ".join(f"{k} {s:.1f} s" for k, s in sorted(timings.items(), key=lambda kv: -kv[1])[:3]) or "—"
        )
        cells = [
            f"{v.choice.name}: {v.choice.description}",
            v.aspect_ratio,
            f"{v.duration_s:g} s",
            f"{v.width}×{v.height} @ {v.fps} fps",
            f"{v.render_s:.1f} s",
            slowest,
        ]
        if scored:
            cells.append(", ".join(f"{k} {s:.2f}" for k, s in sorted(v.scores.items())) or "—")
        lines.append("| " + " | ".join(cells) + " |")
        notices.extend(n for n in v.notices if n not in notices)
    consistency = consistency_line([v.consistency for v in variants if v.consistency is not None])
    if consistency:
        lines.append("")
        lines.append(f"**Consistency:** {consistency}")
    for v in variants:  # QC per shot: what was scored, what was retaken, which take was kept
        if v.qc is not None:
            lines.append("")
            lines.append(f"**QC · {v.choice.name} ({v.aspect_ratio}):** {qc_line(v.qc)}")
            lines.append("")
            lines.append("```text\n" + qc_table(v.qc) + "\n```")
    if plan is not None:
        bible = plan.bible
        palette = " ".join(f"`{c}`" for c in bible.palette)
        cast = ", ".join(
            f"{e.name} ({e.kind}, seed {bible.entity_seeds.get(e.id, bible.base_seed)})"
            for e in bible.entities
        )
        lines.append("")
        lines.append(
            f"**Consistency bible**: palette {palette} · {bible.lighting} light"
            + (f" · {', '.join(bible.style_words[:4])}" if bible.style_words else "")
            + (f" · the same {cast} in every shot" if cast else "")
        )
    if notices:
        lines.append("")
        lines.extend(f"ℹ️ {n}" for n in notices)
    return "\n".join(lines)


def redo_buttons_view(board_state: dict[str, Any] | None) -> list[Any]:
    """One visible "Redo n" button per scene of the storyboard shown (none before there is one)."""
    scenes = len((board_state or {}).get("plan", {}).get("shots", []))
    return [gr.update(visible=n <= scenes) for n in range(1, MAX_SCENES + 1)]


def picked_scene(evt: gr.SelectData) -> int:
    """Clicking a panel of the gallery picks its scene in the scene box."""
    return int(evt.index if isinstance(evt.index, int) else evt.index[0]) + 1


def _rows(table: Any) -> list[list[Any]]:
    """The edited table as lists, whether Gradio sends a DataFrame, a dict or lists."""
    if table is None:
        raise InputError("There is no shot list yet: make a storyboard first.")
    if hasattr(table, "values") and hasattr(table, "columns"):
        return [list(r) for r in table.values.tolist()]
    if isinstance(table, dict) and "data" in table:
        return [list(r) for r in table["data"]]
    return [list(r) for r in table]


def build_app(settings: Settings, *, runner: Runner | None = None, render_scale: float = 1.0) -> gr.Blocks:
    """The playground page for ``settings``; ``runner`` replaces the one settings would pick."""
    play = Playground(runner or make_runner(settings, render_scale=render_scale))
    examples = load_examples()

    with gr.Blocks(title="Cutroom playground", analytics_enabled=False, fill_width=False) as demo:
        gr.HTML(HEADER)
        base_state = gr.State(None)
        board_state = gr.State(None)

        # 1 · the brief
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, elem_classes="cr-step"):
                gr.Markdown("### 1 · The brief")
                thread = gr.Textbox(
                    label="Chat thread",
                    lines=14,
                    max_lines=24,
                    elem_id="thread",
                    placeholder="maya: 20s TikTok for our new Glow Drops serum, women 28-45\n"
                    "jonas: colours #F7C948 and navy #1B2A4A\nmaya: CTA: Shop now at lumina.com/glow",
                )
                read_btn = gr.Button("Read the thread", variant="secondary", elem_id="read-thread")
                notice = gr.Markdown(elem_classes="cr-status")
            with gr.Column(scale=7):
                gr.Markdown("### Brief: correct anything before drawing")
                with gr.Row():
                    product = gr.Textbox(label="Product", elem_id="product", scale=3)
                    brand = gr.Textbox(label="Brand", elem_id="brand", scale=2)
                audience = gr.Textbox(label="Audience", elem_id="audience")
                with gr.Row():
                    tone = gr.Textbox(label="Tone", placeholder="premium, warm", elem_id="tone", scale=3)
                    goal = gr.Dropdown(GOALS, value="awareness", label="Goal", scale=2)
                with gr.Row():
                    length = gr.Slider(
                        MIN_DURATION_S, MAX_DURATION_S, value=30, step=5, label="Length (s)", elem_id="length"
                    )
                    formats = gr.CheckboxGroup(FORMATS, value=["9:16"], label="Formats")
                platforms = gr.Dropdown(
                    PLATFORMS, value=[], multiselect=True, allow_custom_value=True, label="Platforms"
                )
                with gr.Row():
                    cta = gr.Textbox(label="Call to action", placeholder="Shop now", elem_id="cta")
                    url = gr.Textbox(label="Link", placeholder="example.com/offer")
                colours = gr.Textbox(label="Brand colours", placeholder="#F7C948, #1B2A4A", elem_id="colours")
                with gr.Accordion("Characters, must-haves, logo and reference pictures", open=False):
                    with gr.Row():
                        characters = gr.Textbox(label="Characters", placeholder="a woman in her 30s")
                        category = gr.Dropdown(CATEGORIES, value="generic", label="Product shape")
                    with gr.Row():
                        must_include = gr.Textbox(label="Must include")
                        avoid = gr.Textbox(label="Avoid")
                    with gr.Row():
                        logo = gr.File(
                            label="Logo (PNG, JPEG, WebP; under 5 MB)", file_types=["image"], elem_id="logo"
                        )
                        character_refs = gr.File(
                            label="Character pictures", file_count="multiple", file_types=["image"]
                        )
                        product_refs = gr.File(
                            label="Product pictures", file_count="multiple", file_types=["image"]
                        )
                make_btn = gr.Button("Make storyboard", variant="primary", elem_id="make-storyboard")

        form = [
            product,
            brand,
            audience,
            goal,
            tone,
            length,
            platforms,
            formats,
            cta,
            url,
            colours,
            characters,
            must_include,
            avoid,
            category,
        ]
        gr.Examples(
            examples=[row for _, row in examples],
            example_labels=[label for label, _ in examples],
            inputs=[thread, *form],
            label="Examples: a real thread and its brief, in one click",
            examples_per_page=6,
            cache_examples=False,
        )

        # 2 · the storyboard
        gr.Markdown("### 2 · Storyboard", elem_classes="cr-step")
        board_status = gr.Markdown(
            "Make a storyboard from the brief to see it here.", elem_classes="cr-status"
        )
        gallery = gr.Gallery(
            label="Scenes",
            columns=6,
            height=340,
            object_fit="contain",
            allow_preview=True,
            elem_id="panels",
        )
        with gr.Row(elem_id="redo-buttons", elem_classes="cr-redo-row"):
            scene_buttons = [
                gr.Button(
                    f"Redo {n}",
                    variant="secondary",
                    size="sm",
                    visible=False,
                    elem_id=f"redo-scene-{n}",
                    elem_classes="cr-redo",
                    scale=0,
                    min_width=80,
                )
                for n in range(1, MAX_SCENES + 1)
            ]
        table = gr.Dataframe(
            headers=TABLE_HEADERS,
            datatype=["number", "str", "number", "str", "str", "str"],
            type="array",
            interactive=True,
            static_columns=[0, 1],
            label="Shot list (edit seconds, camera move, on-screen text, voice-over)",
            column_widths=["7%", "9%", "9%", "13%", "26%", "36%"],
            wrap=True,
            elem_id="shots",
        )
        with gr.Row(equal_height=True, elem_classes="cr-actions"):
            edit_btn = gr.Button("Apply table edits", variant="secondary", elem_id="apply-edits", scale=3)
            gr.HTML("<div></div>", scale=1)
            scene = gr.Number(
                value=1,
                minimum=1,
                maximum=12,
                precision=0,
                label="Scene",
                show_label=False,
                container=False,
                elem_id="scene",
                scale=0,
                min_width=90,
            )
            redo_btn = gr.Button("Redo this scene", variant="secondary", elem_id="redo-scene", scale=2)

        # 3 · approve and variants
        gr.Markdown("### 3 · Approve and render", elem_classes="cr-step")
        with gr.Row(equal_height=False, elem_classes="cr-actions"):
            render_formats = gr.CheckboxGroup(FORMATS, value=["9:16"], label="Formats to render", scale=3)
            n_variants = gr.Slider(
                1, 3, value=1, step=1, label="Variants per format (B, C swap the hook and voice)", scale=3
            )
            approve_btn = gr.Button(
                "Approve & render", variant="primary", elem_id="approve", scale=2, size="lg"
            )
        render_status = gr.Markdown(elem_classes="cr-status")
        with gr.Row():
            videos = [
                gr.Video(visible=False, interactive=False, elem_id=f"variant-{i}", height=420)
                for i in range(MAX_VIDEOS)
            ]
        summary = gr.Markdown(elem_id="variants-summary")
        downloads = gr.File(label="Downloads (MP4 and captions)", file_count="multiple", interactive=False)

        board_outputs = [gallery, table, board_state, board_status, scene, render_formats]
        # Gradio gives every listener its own concurrency group, so the page-wide limit must be
        # one shared group: at most ``playground_concurrency`` storyboards, edits, redos and
        # renders together, not that many of each (reading a thread is light and stays apart).
        heavy: dict[str, Any] = {
            "concurrency_id": HEAVY,
            "concurrency_limit": settings.playground_concurrency,
        }
        read_btn.click(
            _friendly(play.read_thread), [thread], [*form, base_state, notice], api_name="read_thread"
        )
        make_btn.click(
            _friendly(play.make_storyboard),
            [base_state, *form, logo, character_refs, product_refs],
            [*board_outputs, base_state],
            api_name="storyboard",
            **heavy,
        )
        edit_btn.click(
            _friendly(play.apply_edits), [board_state, table], board_outputs, api_name="apply_edits", **heavy
        )
        redo_btn.click(
            _friendly(play.redo_scene), [board_state, scene], board_outputs, api_name="redo_scene", **heavy
        )
        for n, button in enumerate(scene_buttons, start=1):
            button.click(
                _friendly(play.redo_scene_n(n)),
                [board_state],
                board_outputs,
                api_name=f"redo_scene_{n}",
                **heavy,
            )
        # Whatever showed a storyboard (drawing, edits, a redo), the row shows one button per scene.
        board_state.change(
            redo_buttons_view, [board_state], scene_buttons, queue=False, api_visibility="private"
        )
        gallery.select(picked_scene, None, [scene], queue=False, api_visibility="private")
        approve_btn.click(
            _friendly(play.approve),
            [board_state, render_formats, n_variants],
            [*videos, downloads, summary, render_status],
            api_name="approve",
            **heavy,
        )

    demo.queue(default_concurrency_limit=settings.playground_concurrency, max_size=64)
    return demo


@contextlib.contextmanager
def serving(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    render_scale: float = 1.0,
    runner: Runner | None = None,
) -> Iterator[tuple[gr.Blocks, str]]:
    """The app running in this process's background until the block ends (tests, notebooks)."""
    demo = build_app(settings, runner=runner, render_scale=render_scale)
    url = start(demo, settings, host=host, port=port, block=False)
    try:
        yield demo, url
    finally:
        demo.close()


def start(
    demo: gr.Blocks,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    block: bool = True,
) -> str:
    """Launch ``demo`` with Cutroom's theme, telemetry off and the artifact folder servable."""
    allowed = (
        [str(Path(settings.artifacts_location).expanduser().resolve())]
        if "://" not in settings.artifacts_location
        else []
    )
    allowed.append(str(Path(tempfile.gettempdir()) / "cutroom-playground"))
    _app, local_url, _share = demo.launch(
        server_name=host or settings.playground_host,
        server_port=port if port is not None else settings.playground_port,
        prevent_thread_lock=not block,
        share=False,
        quiet=not block,
        show_error=True,
        allowed_paths=allowed,
        max_file_size="20mb",
        theme=theme(),
        css=CSS,
        footer_links=[],
        ssr_mode=False,
        enable_monitoring=False,
        mcp_server=False,
    )
    return str(local_url)


__all__ = ["Playground", "brief_from_form", "build_app", "edited_plan", "make_runner", "serving", "start"]
