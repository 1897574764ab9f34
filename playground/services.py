"""Who does the playground's work: the core in this process, or the workers behind Redis.

    Runner ─┬─ InProcessRunner   core.pipeline here, in Gradio's worker thread
            └─ QueueRunner       jobs.queue.JobQueue ──▶ `cutroom worker` (same jobs as the bots)

Both take plain values, report progress through ``on_progress(stage, fraction, message)``
and return core models; the UI never knows which one it has. Storyboards and videos are
read back from the same artifact store the workers write to.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections import OrderedDict
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol

from cutroom.core.backends import Backends
from cutroom.core.errors import BackendError, Cancelled, CutroomError, InputError
from cutroom.core.models import AspectRatio, Brief, Extraction, Message, Plan, Storyboard, Variant
from cutroom.core.progress import OnProgress, no_progress
from cutroom.core.store import ArtifactStore

#: Who is asking, for the queue's per-requester fairness: each browser session is its own requester.
visitor: ContextVar[str | None] = ContextVar("cutroom_playground_visitor", default=None)


class Runner(Protocol):
    """The four things the playground asks for; progress is reported while they run."""

    store: ArtifactStore

    def extract(self, thread: list[Message], *, base: Brief | None = None) -> Extraction: ...

    def storyboard(
        self,
        source: Brief | Plan,
        *,
        aspect: AspectRatio | None,
        seed: int,
        version: int,
        on_progress: OnProgress,
    ) -> Storyboard: ...

    def redraw_shot(
        self, board: Storyboard, index: int, *, seed: int, on_progress: OnProgress
    ) -> Storyboard: ...

    def render(
        self, board: Storyboard, *, aspects: list[AspectRatio], n_variants: int, on_progress: OnProgress
    ) -> list[Variant]: ...


class InProcessRunner:
    """``core.pipeline`` in this process: the default, no Redis needed."""

    def __init__(
        self,
        store: ArtifactStore,
        backends: Backends,
        *,
        options: Any = None,
        scale: float = 1.0,
        cache_root: Path | None = None,
        fps: int = 30,
    ) -> None:
        self.store = store
        self.backends = backends
        self.options = options
        self.scale = scale
        self.cache_root = cache_root
        self.fps = fps

    def extract(self, thread: list[Message], *, base: Brief | None = None) -> Extraction:
        from cutroom.core import pipeline

        return pipeline.extract(thread, backends=self.backends, base=base)

    def storyboard(
        self,
        source: Brief | Plan,
        *,
        aspect: AspectRatio | None = None,
        seed: int = 0,
        version: int = 1,
        on_progress: OnProgress = no_progress,
    ) -> Storyboard:
        from cutroom.core import pipeline

        return pipeline.make_storyboard(
            source,
            self.store,
            backends=self.backends,
            aspect=aspect,
            seed=seed,
            fps=self.fps,
            version=version,
            on_progress=on_progress,
        )

    def redraw_shot(
        self, board: Storyboard, index: int, *, seed: int, on_progress: OnProgress = no_progress
    ) -> Storyboard:
        from cutroom.core import pipeline

        return pipeline.redraw_shot(
            board, index, self.store, backends=self.backends, seed=seed, on_progress=on_progress
        )

    def render(
        self,
        board: Storyboard,
        *,
        aspects: list[AspectRatio],
        n_variants: int,
        on_progress: OnProgress = no_progress,
    ) -> list[Variant]:
        from cutroom.core import pipeline

        cache_dir = None
        if self.cache_root is not None:
            cache_dir = self.cache_root / board.id
            cache_dir.mkdir(parents=True, exist_ok=True)
        return pipeline.render_storyboard(
            board,
            self.store,
            aspects=aspects,
            n_variants=n_variants,
            options=self.options,
            cache_dir=cache_dir,
            on_progress=on_progress,
            scale=self.scale,
        )


class QueueRunner:
    """The same jobs the bots enqueue, run by ``cutroom worker``; progress from their events.

    Extraction stays here (it is quick and needs no worker). Each call opens its own
    connection inside its own event loop, because Gradio runs handlers in worker threads.
    """

    def __init__(
        self,
        redis_url: str,
        store: ArtifactStore,
        backends: Backends,
        *,
        requester: str = "playground",
        timeout_s: float = 1800.0,
        poll_s: float = 0.25,
        scale: float | None = None,
        max_running_per_requester: int = 1,
    ) -> None:
        self.redis_url = redis_url
        self.max_running_per_requester = max_running_per_requester
        self.store = store
        self.backends = backends
        self.requester = requester
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.scale = scale

    def extract(self, thread: list[Message], *, base: Brief | None = None) -> Extraction:
        from cutroom.core import pipeline

        return pipeline.extract(thread, backends=self.backends, base=base)

    def storyboard(
        self,
        source: Brief | Plan,
        *,
        aspect: AspectRatio | None = None,
        seed: int = 0,
        version: int = 1,
        on_progress: OnProgress = no_progress,
    ) -> Storyboard:
        from cutroom.core.pipeline import load_storyboard

        payload: dict[str, Any] = {"aspect": aspect, "seed": seed}
        if isinstance(source, Plan):
            payload.update(brief=source.brief.model_dump(mode="json"), plan=source.model_dump(mode="json"))
        else:
            payload["brief"] = source.model_dump(mode="json")
        result = self._run("storyboard", payload, on_progress)
        return _with_version(load_storyboard(self.store, str(result["storyboard_id"])), version)

    def redraw_shot(
        self, board: Storyboard, index: int, *, seed: int, on_progress: OnProgress = no_progress
    ) -> Storyboard:
        from cutroom.core.pipeline import load_storyboard

        payload = {"storyboard_id": board.id, "index": index, "seed": seed}
        result = self._run("redraw_shot", payload, on_progress)
        return load_storyboard(self.store, str(result["storyboard_id"]))

    def render(
        self,
        board: Storyboard,
        *,
        aspects: list[AspectRatio],
        n_variants: int,
        on_progress: OnProgress = no_progress,
    ) -> list[Variant]:
        payload: dict[str, Any] = {"storyboard_id": board.id, "aspects": aspects, "n_variants": n_variants}
        if self.scale is not None and self.scale != 1.0:
            payload["scale"] = self.scale
        result = self._run("render", payload, on_progress)
        return [Variant.model_validate(v) for v in result.get("variants", [])]

    # ── the queue ──────────────────────────────────────────────────────────────────────

    def _run(self, kind: str, payload: dict[str, Any], on_progress: OnProgress) -> dict[str, Any]:
        """Enqueue once per request (a double click joins the same job) and follow it to the end."""
        request_key = hashlib.sha256(json.dumps([kind, payload], sort_keys=True).encode()).hexdigest()[:32]
        requester = visitor.get() or self.requester
        return asyncio.run(self._follow(kind, payload, request_key, requester, on_progress))

    async def _follow(
        self, kind: str, payload: dict[str, Any], request_key: str, requester: str, on_progress: OnProgress
    ) -> dict[str, Any]:
        from cutroom.jobs.queue import JobQueue

        try:
            queue = await JobQueue.connect(
                self.redis_url, max_running_per_requester=self.max_running_per_requester
            )
        except Exception as exc:  # noqa: BLE001 - any connection failure reads the same to a visitor
            raise BackendError(f"The job queue at Redis is not reachable ({type(exc).__name__}).") from None
        try:
            queued = await queue.enqueue(kind, payload, request_key=request_key, requester=requester)  # type: ignore[arg-type]
            async with asyncio.timeout(self.timeout_s):
                async for event in queue.follow(queued.job_id, min_interval_s=self.poll_s):
                    if event.state == "queued":
                        on_progress("queued", 0.0, event.message or "Waiting for a worker")
                    elif event.state == "running":
                        on_progress(event.stage or kind, event.fraction, event.message)
                    elif event.state == "done":
                        return event.result or {}
                    elif event.state == "cancelled":
                        raise Cancelled("The job was cancelled.")
                    else:
                        raise CutroomError(event.error or "The job failed.")
        except TimeoutError:
            raise BackendError(
                f"The {kind} job took longer than {self.timeout_s:g} s; try again later."
            ) from None
        finally:
            await queue.close()
        raise InputError("The job ended without a result.")


def _with_version(board: Storyboard, version: int) -> Storyboard:
    return board if board.version == version else board.model_copy(update={"version": version})


class Once:
    """One run per key at a time: a second click while the first is running is turned away.

    Finished results are remembered, so a click after the render finished gets the same
    videos without rendering again.
    """

    def __init__(self, *, remember: int = 256) -> None:
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._done: OrderedDict[str, Any] = OrderedDict()
        self._remember = remember

    def start(self, key: str) -> bool:
        with self._lock:
            if key in self._running:
                return False
            self._running.add(key)
            return True

    def finish(self, key: str, result: Any = None) -> None:
        with self._lock:
            self._running.discard(key)
            if result is not None:
                self._done[key] = result
                while len(self._done) > self._remember:
                    self._done.popitem(last=False)

    def done(self, key: str) -> Any:
        with self._lock:
            return self._done.get(key)
