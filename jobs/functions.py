"""One arq job per verb. Each loads by id, calls ``core.pipeline`` in a thread, returns small JSON.

Every job runs through ``run_job``, which owns the life cycle the followers see:

    queued ──▶ running (throttled progress) ──▶ done | failed | cancelled
                  │
                  ├─ InputError            failed, the message for the user, never retried
                  ├─ TransientError, ConnectionError   Retry with backoff (queued again), failed after the last try
                  ├─ cancel request        the render stops (should_cancel), partial files go, cancelled
                  ├─ over its time limit   stopped like a cancel, failed with a plain message
                  └─ worker killed         its heartbeat stops; another worker re-runs it from the shot cache

Exceptions raised through arq are pickled, so only ours (one-argument) ever cross.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arq import Retry
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.asyncio.lock import Lock

from cutroom.core.backends import Backends
from cutroom.core.errors import Cancelled, CutroomError, InputError, TransientError, explain
from cutroom.core.models import Message
from cutroom.core.store import ArtifactStore
from cutroom.jobs import fairness
from cutroom.jobs.progress import JobPulse
from cutroom.jobs.queue import (
    ProgressEvent,
    cancel_key,
    enqueue_admitted,
    latest_event,
    load_record,
    publish,
    release_and_promote,
)

if TYPE_CHECKING:
    from cutroom.core.render import RenderOptions

log = logging.getLogger(__name__)


@dataclass
class WorkEnv:
    """What a job's thread needs; built once per worker process in ``startup``."""

    store: ArtifactStore
    data_dir: Path
    backends_factory: Callable[[], Backends]
    fps: int = 30
    render_defaults: dict[str, Any] = field(default_factory=dict)
    render_scale: float = 1.0
    #: Most variant processes one render may start (the worker's share of the machine); None: no cap.
    render_processes: int | None = None
    _backends: Backends | None = None

    @property
    def backends(self) -> Backends:
        if self._backends is None:
            self._backends = self.backends_factory()
        return self._backends

    def cache_dir(self, storyboard_id: str) -> Path:
        """Finished shots of one storyboard, kept so a killed render resumes where it stopped."""
        path = self.data_dir / "cache" / "render" / storyboard_id
        path.mkdir(parents=True, exist_ok=True)
        return path


Work = Callable[[WorkEnv, dict[str, Any], JobPulse], dict[str, Any]]


# ── the work itself (runs in a thread) ──────────────────────────────────────────────────


def _storyboard(env: WorkEnv, payload: dict[str, Any], pulse: JobPulse) -> dict[str, Any]:
    from cutroom.core.models import Brief, Plan
    from cutroom.core.pipeline import make_storyboard

    # An edited plan (the playground's shot table) is drawn as it is; otherwise the brief is planned.
    source = _parse(Plan, payload["plan"], "plan") if payload.get("plan") else _parse(Brief, payload.get("brief"), "brief")
    board = make_storyboard(
        source,
        env.store,
        backends=env.backends,
        aspect=payload.get("aspect"),
        seed=int(payload.get("seed", 0)),
        fps=env.fps,
        on_progress=pulse.on_progress,
        thread=_thread(payload),
    )
    return _board_result(board)


def _redraw_shot(env: WorkEnv, payload: dict[str, Any], pulse: JobPulse) -> dict[str, Any]:
    from cutroom.core.pipeline import load_storyboard, redraw_shot

    board = load_storyboard(env.store, _require(payload, "storyboard_id"))
    board = redraw_shot(
        board,
        int(_require(payload, "index")),
        env.store,
        backends=env.backends,
        seed=int(payload.get("seed", 1)),
        on_progress=pulse.on_progress,
    )
    return _board_result(board)


def _redo_all(env: WorkEnv, payload: dict[str, Any], pulse: JobPulse) -> dict[str, Any]:
    from cutroom.core.pipeline import load_storyboard, redo_all

    board = load_storyboard(env.store, _require(payload, "storyboard_id"))
    board = redo_all(
        board,
        env.store,
        backends=env.backends,
        seed=int(payload.get("seed", 1)),
        on_progress=pulse.on_progress,
        thread=_thread(payload),
    )
    return _board_result(board)


def _recast(env: WorkEnv, payload: dict[str, Any], pulse: JobPulse) -> dict[str, Any]:
    """One entity's new look (or new upload): that entity recast, only its shots redrawn."""
    from cutroom.core.pipeline import load_storyboard, recast

    board = load_storyboard(env.store, _require(payload, "storyboard_id"))
    board = recast(
        board,
        str(_require(payload, "entity_id")),
        env.store,
        backends=env.backends,
        look=payload.get("look"),
        upload=payload.get("upload"),
        on_progress=pulse.on_progress,
    )
    return _board_result(board)


def _render(env: WorkEnv, payload: dict[str, Any], pulse: JobPulse) -> dict[str, Any]:
    from cutroom.core.pipeline import load_storyboard

    board = load_storyboard(env.store, _require(payload, "storyboard_id"))
    work_root = env.data_dir / "work" / pulse.job_id  # a fresh attempt folder is made inside
    try:
        variants = _render_in(env, board, payload, pulse, work_root)
    finally:
        with contextlib.suppress(OSError):
            work_root.rmdir()  # only if empty: a killed attempt's leftovers stay for a look
    return {"storyboard_id": board.id, "variants": [v.model_dump(mode="json") for v in variants]}


def _render_in(env: WorkEnv, board: Any, payload: dict[str, Any], pulse: JobPulse, work_root: Path) -> Any:
    from cutroom.core.pipeline import render_storyboard

    return render_storyboard(
        board,
        env.store,
        aspects=payload.get("aspects") or None,
        n_variants=int(payload.get("n_variants", 1)),
        options=_render_options(_capped({**env.render_defaults, **_payload_options(payload)}, env)),
        cache_dir=env.cache_dir(board.id),
        on_progress=pulse.on_progress,
        should_cancel=pulse.should_cancel,
        scale=_scale(payload.get("scale", env.render_scale)),
        work_root=work_root,
    )


def _clip(env: WorkEnv, payload: dict[str, Any], pulse: JobPulse) -> dict[str, Any]:
    """One shot's generated clip (a fan-out job): made or reused, then put in the store for the assembly."""
    from cutroom.core.backends import clips
    from cutroom.core.cast import plan_with_cast
    from cutroom.core.clips.backend import bind, engine_size
    from cutroom.core.clips.keyframes import with_keyframes
    from cutroom.core.pipeline import keyframe_seeds, load_storyboard, with_local_assets

    board = load_storyboard(env.store, _require(payload, "storyboard_id"))
    index = int(_require(payload, "shot_index"))
    shot = next((s for s in board.plan.shots if s.index == index), None)
    if shot is None:
        raise InputError(f"Shot {index} is not in this storyboard any more.")
    options = _render_options(dict(env.render_defaults))
    with tempfile.TemporaryDirectory(prefix="cutroom-clip-", dir=env.data_dir) as tmp:
        # The approved panels and the cast-conditioned plan, exactly as the assembling render reads them.
        plan = with_local_assets(plan_with_cast(board.plan, board.cast), env.store, Path(tmp) / "assets")
        made = with_keyframes(options.create_options("clip"), options.clip_backend, board, env.store, Path(tmp) / "keyframes",
                              only=index)
        backend = clips.create(options.clip_backend, **made)
        if not callable(getattr(backend, "clip", None)):  # hosted engines and diffusers make clip files
            raise InputError(f"The clip backend '{options.clip_backend}' does not make clips in shot jobs.")
        bind(backend, lambda fraction, message: pulse.on_progress("clip", fraction, message), pulse.should_cancel)
        size = engine_size(str(_require(payload, "ratio")))
        # The seed the render will ask for: a retaken keyframe's, so the clip made here is the one it finds.
        seed = keyframe_seeds(board).get(index, board.plan.seed)
        result = backend.clip(plan, shot, None, size=size, seed=seed)  # type: ignore[attr-defined]
    store_key = f"clips/{result.key}.mp4"
    if not env.store.exists(store_key):
        env.store.put_file(store_key, result.path, content_type="video/mp4")
    return {"shot_index": index, "key": result.key, "store_key": store_key, "task_id": result.task_id,
            "reused": result.reused, "cost_usd": result.cost_usd}


def _ping(env: WorkEnv, payload: dict[str, Any], pulse: JobPulse) -> dict[str, Any]:
    """A trivial job for health checks, the queue benchmark and the queue's own tests.

    ``sleep_s`` of pretend work in ``steps``; ``fail`` = "input" | "transient" | "crash".
    """
    steps = max(1, int(payload.get("steps", 1)))
    sleep_s = float(payload.get("sleep_s", 0.0))
    failure = payload.get("fail")
    for step in range(steps):
        if pulse.should_cancel():
            raise Cancelled("Cancelled.")
        if failure == "transient":
            raise TransientError("The pretend provider is busy (HTTP 503).")
        if failure == "input":
            raise InputError("The pretend brief has no product.")
        if failure == "crash":
            raise RuntimeError("pretend bug")
        pulse.on_progress("ping", step / steps, f"step {step + 1} of {steps}")
        if sleep_s:
            time.sleep(sleep_s / steps)
    return {"pong": payload.get("echo"), "pid": os.getpid()}


WORK: dict[str, Work] = {
    "storyboard": _storyboard,
    "redraw_shot": _redraw_shot,
    "redo_all": _redo_all,
    "recast": _recast,
    "render": _render,
    "ping": _ping,
    "clip": _clip,
}


def _payload_options(payload: dict[str, Any]) -> dict[str, Any]:
    """A job may tune the encode, but backends' keys and folders come from the worker's settings."""
    options = dict(payload.get("options") or {})
    if "backend_options" in options:
        raise InputError("A render job cannot set backend options; they come from the worker's settings.")
    if "backend_modules" in options or "qc" in options:  # imports and model folders: the worker's own
        raise InputError("A render job cannot set backend modules or QC models; they come from the worker's settings.")
    return options


def _capped(values: dict[str, Any], env: WorkEnv) -> dict[str, Any]:
    """A job may ask for fewer variant processes than the worker's share, never more."""
    if env.render_processes is not None and isinstance(values.get("workers"), int):
        values["workers"] = max(1, min(values["workers"], env.render_processes))
    return values


def _render_options(values: dict[str, Any]) -> RenderOptions:
    """``RenderOptions`` from settings and the payload's small dict; unknown fields are refused."""
    from cutroom.core.render import RenderOptions

    return _parse(RenderOptions, values, "render options")


def _scale(value: Any) -> float:
    try:
        scale = float(value)
    except (TypeError, ValueError):
        raise InputError("The render size must be a number between 0.1 and 1.") from None
    if not 0.1 <= scale <= 1.0:
        raise InputError("The render size must be between 0.1 and 1 of the full frame.")
    return scale


def _board_result(board: Any) -> dict[str, Any]:
    return {
        "storyboard_id": board.id,
        "version": board.version,
        "sheet": board.sheet,
        "spend_usd": getattr(board, "spend_usd", 0.0),
    }


def _thread(payload: dict[str, Any]) -> list[Message] | None:
    """The thread a brief came from (chat text, untrusted): checked, capped, or None."""
    from cutroom.core.planning.claims import evidence_thread

    raw = payload.get("thread")
    if not raw:
        return None
    if not isinstance(raw, list):
        raise InputError("The request's thread must be a list of messages.")
    return evidence_thread([_parse(Message, m, "thread message") for m in raw[-_MAX_THREAD_MESSAGES:]])


#: More than the extractor reads (it keeps the latest 500); a payload is cut before parsing.
_MAX_THREAD_MESSAGES = 500


def _require(payload: dict[str, Any], name: str) -> Any:
    if payload.get(name) in (None, ""):
        raise InputError(f"The request is missing its {name.replace('_', ' ')}.")
    return payload[name]


def _parse(model: Any, value: Any, what: str) -> Any:
    if value is None:
        raise InputError(f"The request is missing its {what}.")
    try:
        return model.model_validate(value)
    except ValidationError as err:
        raise InputError(explain(err)) from None


# ── the life cycle (asyncio, in the worker) ─────────────────────────────────────────────


@dataclass
class JobOptions:
    """Per-kind limits and the worker's beat; built from settings in ``jobs.worker``."""

    timeouts_s: dict[str, float]
    max_tries: int = 5
    retry_base_s: float = 5.0
    retry_max_s: float = 120.0
    lease_s: float = 30.0
    progress_interval_s: float = 0.5
    cap: int = 1


async def run_job(ctx: dict[str, Any], kind: str, payload: dict[str, Any], requester: str) -> dict[str, Any]:
    """Run one job of ``kind`` and publish its life cycle; returns the result JSON (or the error)."""
    redis: Redis = ctx["redis"]
    job_id: str = ctx["job_id"]
    job_try: int = ctx.get("job_try", 1)
    options: JobOptions = ctx["job_options"]
    env: WorkEnv = ctx["work_env"]
    executor: ThreadPoolExecutor = ctx["executor"]

    # 1. A job that already ended (its worker died after finishing) is not run again.
    previous = await latest_event(redis, job_id)
    if previous is not None and previous.terminal:
        await _release(redis, requester, job_id, options.cap)
        return previous.result or {"error": previous.error, "state": previous.state}
    if await redis.exists(cancel_key(job_id)):
        return await _end(
            redis, requester, job_id, options, _event(job_id, kind, "cancelled", message="Cancelled.")
        )

    pulse = JobPulse(redis, job_id, kind, interval_s=options.progress_interval_s, lease_s=options.lease_s)
    await redis.zadd(fairness.active_key(requester), {job_id: time.time() + fairness.ADMITTED_LEASE_S})
    note = f" (attempt {job_try})" if job_try > 1 else ""
    await publish(
        redis, _event(job_id, kind, "running", stage="start", message=f"Started{note}.", position=0)
    )
    pulse.start()
    future: Future[dict[str, Any]] | None = None
    try:
        async with (
            asyncio.timeout(options.timeouts_s.get(kind, 1800)),
            _storyboard_lock(redis, kind, payload, pulse),
        ):
            if kind == "render":
                await _shots_first(ctx, payload, requester, pulse)
            future = executor.submit(WORK[kind], env, payload, pulse)
            result = await asyncio.wrap_future(future)
        await pulse.stop(flush=True)
        outcome = _event(job_id, kind, "done", stage="done", fraction=1.0, message="Done.", result=result)
    except Cancelled:
        outcome = _event(job_id, kind, "cancelled", stage="cancelled", message="Cancelled.")
    except InputError as err:
        outcome = _failed(job_id, kind, str(err))
    except TimeoutError:
        await _stop_thread(pulse, future)
        minutes = options.timeouts_s.get(kind, 1800) / 60
        what = kind.replace("_", " ")
        outcome = _failed(
            job_id, kind, f"This {what} took longer than its {minutes:g}-minute limit and was stopped."
        )
    except (TransientError, ConnectionError) as err:
        if job_try >= options.max_tries:
            outcome = _failed(job_id, kind, f"Gave up after {job_try} tries: {err}")
        else:
            defer = min(options.retry_max_s, options.retry_base_s * 2 ** (job_try - 1))
            await pulse.stop()
            message = f"{err} Trying again in {defer:g} s."
            await publish(redis, _event(job_id, kind, "queued", stage="retry", message=message))
            raise Retry(defer=defer) from None
    except asyncio.CancelledError:
        # An abort (the user cancelled) or the worker shutting down: stop the thread either way.
        await _stop_thread(pulse, future)
        await pulse.stop()
        if await redis.exists(cancel_key(job_id)):
            await _end(
                redis,
                requester,
                job_id,
                options,
                _event(job_id, kind, "cancelled", stage="cancelled", message="Cancelled."),
            )
        else:
            message = "The worker stopped; the job will resume."
            await publish(redis, _event(job_id, kind, "queued", stage="requeued", message=message))
        raise
    except CutroomError as err:
        outcome = _failed(job_id, kind, str(err))
    except Exception as err:
        log.exception("job %s failed", job_id)
        outcome = _failed(
            job_id,
            kind,
            f"Something went wrong on our side ({type(err).__name__}). The team has the details in the worker log.",
        )
    finally:
        await pulse.stop()  # before any terminal event, so no progress event can land after it
    return await _end(redis, requester, job_id, options, outcome)


async def _shots_first(ctx: dict[str, Any], payload: dict[str, Any], requester: str, pulse: JobPulse) -> None:
    """Fan a generated-clip render out to one job per shot and wait until every clip is here."""
    from cutroom.core.pipeline import load_storyboard
    from cutroom.jobs import fanout

    env: WorkEnv = ctx["work_env"]
    clip_backend = str(env.render_defaults.get("clip_backend", "animatic"))
    if not fanout.fans_out(clip_backend):
        return  # the animatic renders in-process
    board = await asyncio.to_thread(load_storyboard, env.store, _require(payload, "storyboard_id"))
    aspects = payload.get("aspects") or board.plan.aspect_ratios
    payloads = fanout.shot_jobs(board, list(aspects), clip_backend)
    if not payloads:
        return
    queue = fanout.queue_for(clip_backend, bool(ctx.get("split_queues")))
    shots_requester = f"{requester}#shots"
    ids = await fanout.enqueue_shots(ctx["redis"], payloads, shots_requester, queue)

    async def run_inline(job_id: str, shot_payload: dict[str, Any]) -> dict[str, Any]:
        result = await run_job({**ctx, "job_id": job_id, "job_try": 1}, "clip", shot_payload, shots_requester)
        if "error" in result:
            raise CutroomError(str(result["error"]))
        return result

    try:
        results = await fanout.wait_shots(
            ctx["redis"], ids, payloads, render_job_id=pulse.job_id, queue=queue,
            on_progress=pulse.on_progress, run_inline=run_inline,
            timeout_s=ctx["job_options"].timeouts_s.get("render", 1800),
            steal_after_s=float(ctx.get("shot_steal_after_s", fanout.STEAL_AFTER_S)),
        )
    except asyncio.CancelledError:  # the render was aborted (or the worker stops)
        if await ctx["redis"].exists(cancel_key(pulse.job_id)):
            await fanout.cancel_shots(ctx["redis"], ids)
        raise
    cache = Path(env.render_defaults.get("backend_options", {}).get("clip", {}).get("cache_dir") or env.data_dir / "cache" / "clips")
    for result in results:
        local = cache / f"{result['key']}.mp4"
        if not local.is_file():
            cache.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(env.store.fetch, result["store_key"], local)


@contextlib.asynccontextmanager
async def _storyboard_lock(redis: Redis, kind: str, payload: dict[str, Any], pulse: JobPulse):  # type: ignore[no-untyped-def]
    """Renders of one storyboard take turns: they share its output folder and shot cache."""
    if kind != "render" or not payload.get("storyboard_id"):
        yield
        return
    lock = Lock(redis, f"cutroom:lock:render:{payload['storyboard_id']}", timeout=pulse.lease_s)
    while not await lock.acquire(blocking_timeout=1.0):
        pulse.on_progress("waiting", 0.0, "Waiting for another render of this storyboard.")
        if await redis.exists(cancel_key(pulse.job_id)):
            raise Cancelled("Cancelled.")
    pulse.extra_beats.append(lock.reacquire)
    try:
        yield
    finally:
        pulse.extra_beats.remove(lock.reacquire)
        with contextlib.suppress(Exception):
            await lock.release()


async def _stop_thread(pulse: JobPulse, future: Future[Any] | None, *, grace_s: float = 30.0) -> None:
    """Let the render see ``should_cancel`` and clean up its partial files before we report."""
    pulse.cancelled.set()
    if future is None:
        return
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), grace_s)


async def _end(
    redis: Redis, requester: str, job_id: str, options: JobOptions, event: ProgressEvent
) -> dict[str, Any]:
    await publish(redis, event)
    await _release(redis, requester, job_id, options.cap)
    return event.result or {"error": event.error, "state": event.state}


async def _release(redis: Redis, requester: str, job_id: str, cap: int) -> None:
    """Free the requester's slot and hand their next waiting job to arq."""
    await release_and_promote(redis, requester, job_id, cap=cap)  # type: ignore[arg-type]


async def reconcile_job(ctx: dict[str, Any]) -> int:
    """Cron: free fairness slots of jobs that are over and admit waiting jobs (see fairness.reconcile)."""
    redis: Redis = ctx["redis"]
    options: JobOptions = ctx["job_options"]

    async def is_over(job_id: str) -> bool:
        event = await latest_event(redis, job_id)
        return event is None or event.terminal

    promoted = await fairness.reconcile(redis, cap=options.cap, is_over=is_over)
    for job_id in promoted:
        record = await load_record(redis, job_id)
        if record is not None:
            await enqueue_admitted(redis, record)  # type: ignore[arg-type]
    return len(promoted)


def _event(job_id: str, kind: str, state: Any, **fields: Any) -> ProgressEvent:
    return ProgressEvent(job_id=job_id, kind=kind, state=state, **fields)


def _failed(job_id: str, kind: str, error: str) -> ProgressEvent:
    return ProgressEvent(job_id=job_id, kind=kind, state="failed", stage="failed", error=error, message=error)
