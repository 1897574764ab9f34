"""The page's handlers, bound to one runner: each returns new values or raises a ``gr.Error`` sentence."""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import gradio as gr
from pydantic import ValidationError

from cutroom.core.errors import CutroomError, InputError, explain
from cutroom.core.limits import MAX_LOGO_BYTES, MAX_REFERENCE_BYTES, MAX_THREAD_CHARS
from cutroom.core.models import (
    AspectRatio,
    Brief,
    Plan,
    Storyboard,
    Variant,
)
from cutroom.core.progress import OnProgress
from cutroom.playground.forms import FORMATS, BriefForm, checked_image
from cutroom.playground.services import InProcessRunner, Once, QueueRunner, Runner, visitor
from cutroom.playground.views import (
    MAX_VIDEOS,
    STAGES,
    _rows,
    edited_plan,
    local_file,
    shot_rows,
    variants_summary,
    with_references,
)
from cutroom.settings import Settings


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


def make_runner(settings: Settings, *, render_scale: float = 1.0) -> Runner:
    """In-process by default; through the workers when Redis is configured."""
    from cutroom.storage.artifacts import open_store
    from cutroom.wiring import build_backends, render_options

    backends = build_backends(settings)
    store = open_store(settings.artifacts_location, endpoint_url=settings.s3_endpoint_url)
    if settings.redis_url:
        return QueueRunner(
            settings.redis_url,
            store,
            backends,
            timeout_s=float(settings.job_timeout_s),
            max_running_per_requester=settings.max_running_per_requester,
        )
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
        return [*BriefForm.from_brief(extraction.brief).values(), extraction.brief.model_dump(mode="json"), "\n\n".join(notes)]

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
        brief = BriefForm.from_values(
            [product, brand, audience, goal, tone, length, platforms, formats, cta, url, colours, characters,
             must_include, avoid, category]
        ).to_brief(base)  # fmt: skip
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

    def redraw_shot(
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
        new_board = self.runner.redraw_shot(
            board, index, seed=board.version * 101 + index, on_progress=_progress_reporter(progress)
        )
        return self._board_view(new_board, f"Scene {index} redrawn: storyboard v{new_board.version}.")

    def redraw_shot_n(self, index: int) -> Callable[..., list[Any]]:
        """The handler of the "Redo ``index``" button under the gallery: ``redraw_shot`` for that shot."""

        def redo(
            board_state: dict[str, Any] | None,
            request: gr.Request,
            progress: gr.Progress = gr.Progress(),  # noqa: B008
        ) -> list[Any]:
            return self.redraw_shot(board_state, index, request, progress)

        redo.__name__ = f"redraw_shot_{index}"
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
