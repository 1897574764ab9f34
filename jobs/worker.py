"""The arq worker: settings, startup (storage, backends, a thread pool into ``ctx``), shutdown.

Run it with ``cutroom worker`` (both queues below, in one process), or with arq's own command
once per queue: ``python -m arq jobs.worker.WorkerSettings`` and ``python -m arq
jobs.worker.RenderWorkerSettings``. All read the same settings (environment / .env). Add
workers on more machines by pointing them at the same ``REDIS_URL`` and an ``s3://`` artifact
store.

Why a heartbeat: arq lets another worker take over a job whose worker died only when the
job's in-progress key expires, which arq sets to the longest job timeout plus 10 s (half an
hour for renders). Each running job here refreshes that key every ``progress_interval_s``
with a TTL of ``job_lease_s`` instead, so a ``kill -9``'d worker's render is picked up by
another worker within ``job_lease_s`` (30 s by default), whatever the job's timeout.

Why two queues: renders are heavy (each a process with its own ffmpeg), storyboards are short
and someone is waiting on them. One worker process reads both, each with its own slots: the
general queue ``worker_max_jobs`` at a time, the render queue only as many renders as the
machine's CPUs and memory carry (``jobs.capacity``), so five renders at once never
oversubscribe a small machine and a storyboard never waits behind them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from arq import cron, func
from arq.constants import default_queue_name
from pydantic import Field

from cutroom.jobs.capacity import render_capacity
from cutroom.jobs.functions import JobOptions, WorkEnv, reconcile_job, run_job
from cutroom.jobs.queue import KINDS, queue_for, redis_settings
from cutroom.settings import Settings
from cutroom.storage.artifacts import open_store
from cutroom.wiring import build_backends, load_settings, render_options

log = logging.getLogger("cutroom.worker")


class WorkerConfig(Settings):
    """Settings only workers read (all ``CUTROOM_<NAME>``), on top of the shared ones."""

    #: Storyboards, redos and pings at once (renders have their own slots, below).
    worker_max_jobs: int = 4
    #: Renders at once; None: as many as the machine carries (see ``render_slots``). A number
    #: above that is lowered to it.
    worker_render_jobs: int | None = Field(default=None, ge=1)
    #: What one render process is budgeted in memory when counting how many fit.
    render_process_mib: int = Field(default=600, ge=64)
    worker_poll_delay_s: float = 0.1
    job_lease_s: float = 30.0
    job_max_tries: int = 5
    retry_base_s: float = 5.0
    progress_interval_s: float = 0.5
    storyboard_timeout_s: int = 600
    ping_timeout_s: int = 120
    shot_steal_after_s: float = Field(
        default=3.0, description="A render runs a shot job itself when no worker started it by then; <0: never."
    )
    render_scale: float = Field(
        default=1.0, ge=0.1, le=1.0, description="Below 1 renders smaller frames (tests)."
    )




def render_slots(config: WorkerConfig, *, capacity: int | None = None) -> tuple[int, int]:
    """(renders at once, variant processes per render), so that their product fits the machine.

    ``capacity`` is how many render processes the CPUs and memory carry (measured if None).
    """
    if capacity is None:
        capacity = render_capacity(per_render_bytes=config.render_process_mib << 20)
    processes = max(1, min(config.render_workers, capacity))
    fits = max(1, capacity // processes)
    jobs = min(config.worker_render_jobs, fits) if config.worker_render_jobs else fits
    return jobs, processes


def job_options(config: WorkerConfig) -> JobOptions:
    timeouts = {
        "storyboard": float(config.storyboard_timeout_s),
        "redraw_shot": float(config.storyboard_timeout_s),
        "redo_all": float(config.storyboard_timeout_s),
        "recast": float(config.storyboard_timeout_s),
        "render": float(config.job_timeout_s),
        "clip": float(config.job_timeout_s),
        "ping": float(config.ping_timeout_s),
    }
    return JobOptions(
        timeouts_s=timeouts,
        max_tries=config.job_max_tries,
        retry_base_s=config.retry_base_s,
        lease_s=config.job_lease_s,
        progress_interval_s=config.progress_interval_s,
        cap=config.max_running_per_requester,
    )


#: Longest wait of a ``--queue gpu|hosted`` worker between looks at its queue.
SHOT_POLL_DELAY_S = 0.05


def _warm_up_clip_jobs() -> None:
    """Import what a clip job needs before the worker takes one, so the first wave of shots does not
    pay for it (on a busy machine, about a second per worker, all at once)."""
    import importlib

    for module in ("cutroom.core.pipeline", "cutroom.core.cast", "cutroom.core.clips.backend", "cutroom.core.clips.keyframes", "cutroom.core.clips.fit"):
        importlib.import_module(module)


def _kind_job(kind: str) -> Any:
    async def job(ctx: dict[str, Any], payload: dict[str, Any], requester: str) -> dict[str, Any]:
        return await run_job(ctx, kind, payload, requester)

    job.__qualname__ = job.__name__ = f"{kind}_job"
    return job


def worker_settings(
    config: WorkerConfig | None = None, *, renders: bool = False, **overrides: Any
) -> dict[str, Any]:
    """arq ``Worker`` keyword arguments for ``config`` (``overrides`` win, e.g. ``burst=True``).

    ``renders=False``: the general queue (storyboards, redos, pings, the cron); ``True``: the
    render queue, with as many slots as ``render_slots`` allows.
    """
    config = config or load_settings(WorkerConfig)
    options = job_options(config)
    if renders:
        max_jobs, processes = render_slots(config)
        kinds = ["render"]
    else:
        max_jobs, processes = config.worker_max_jobs, config.render_workers
        kinds = [kind for kind in KINDS if kind != "render"]
    shot_queue = overrides.pop("queue_name", None)
    general = shot_queue or default_queue_name
    # A shot worker picks up the next wave's clip sooner: each wait here is added once per wave.
    poll_delay = min(config.worker_poll_delay_s, SHOT_POLL_DELAY_S) if shot_queue else config.worker_poll_delay_s

    async def startup(ctx: dict[str, Any]) -> None:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        ctx["settings"] = config
        ctx["split_queues"] = config.split_queues
        ctx["shot_steal_after_s"] = config.shot_steal_after_s
        ctx["job_options"] = options
        ctx["work_env"] = WorkEnv(
            store=open_store(config.artifacts_location, endpoint_url=config.s3_endpoint_url),
            data_dir=config.data_dir.resolve(),
            backends_factory=lambda: build_backends(config),
            fps=config.fps,
            render_defaults={**render_options(config).model_dump(), "workers": processes},
            render_scale=config.render_scale,
            render_processes=processes,
        )
        ctx["executor"] = ThreadPoolExecutor(max_workers=max_jobs, thread_name_prefix="cutroom-job")
        if not renders:
            _warm_up_clip_jobs()
        log.info(
            "worker %s ready for %s: store %s, %d job(s) at a time%s",
            os.getpid(),
            "renders" if renders else "storyboards and other jobs",
            config.artifacts_location,
            max_jobs,
            f", {processes} process(es) each" if renders else "",
        )

    async def shutdown(ctx: dict[str, Any]) -> None:
        executor = ctx.get("executor")
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    # arq's own try limit sits above ours, so our code always runs the last try and reports it.
    arq_tries = config.job_max_tries + 3
    functions = [
        func(_kind_job(kind), name=kind, timeout=options.timeouts_s[kind] + 60, max_tries=arq_tries)
        for kind in kinds
    ]
    return {
        "functions": functions,
        "cron_jobs": [] if renders else [cron(reconcile_job, second={7, 37}, run_at_startup=True, timeout=60)],
        "queue_name": queue_for("render" if renders else "", general),
        "redis_settings": redis_settings(config.redis_url or "redis://127.0.0.1:6379/0"),
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_jobs": max_jobs,
        "poll_delay": poll_delay,
        "allow_abort_jobs": True,
        "keep_result": 3600,
        "health_check_interval": 30,
        "max_tries": arq_tries,
        **overrides,
    }


def _settings_class() -> type:
    """``WorkerSettings`` for ``python -m arq jobs.worker.WorkerSettings``, from the environment."""
    return type("WorkerSettings", (), worker_settings())


def queue_settings(queue: str | None) -> dict[str, Any]:
    """arq overrides for ``cutroom worker --queue gpu|hosted|cpu`` (none: the default queue, every kind)."""
    if not queue:
        return {}
    from cutroom.jobs.fanout import QUEUES

    if queue not in QUEUES:
        raise ValueError(f"--queue must be one of {', '.join(QUEUES)}, not '{queue}'.")
    return {"queue_name": QUEUES[queue]}


def run(config: WorkerConfig | None = None, **overrides: Any) -> None:
    """Run both queues' workers in this process until SIGINT/SIGTERM (running jobs are re-queued)."""
    from arq.worker import create_worker

    from cutroom.core.errors import CutroomError
    from cutroom.wiring import check_clip_backend

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = config or load_settings(WorkerConfig)
    try:  # an engine this worker cannot use fails here, once, not in every job later
        check_clip_backend(config)
    except CutroomError as exc:
        log.error("worker not started: %s", exc)
        raise SystemExit(f"Cutroom worker not started: {exc}") from None
    workers = [
        create_worker(worker_settings(config, renders=renders, **overrides))  # type: ignore[arg-type]
        # ``--queue`` names one queue of shot work: that worker alone; otherwise general + renders.
        for renders in ((False,) if "queue_name" in overrides else (False, True))
    ]
    # Each worker set its signal handlers (the second replacing the first's): one handler stops
    # both. They keep believing they handle signals, so close() does not cancel a second time a
    # job that is busy re-queueing itself.
    loop = workers[0].loop

    def stop(signum: signal.Signals) -> None:
        for worker in workers:
            worker.handle_sig(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)
    for worker in workers:
        worker.main_task = loop.create_task(worker.main())
    try:
        loop.run_until_complete(
            asyncio.gather(*(w.main_task for w in workers if w.main_task), return_exceptions=True)
        )
    finally:
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):  # arq's close() after a signal may raise one
                loop.run_until_complete(worker.close())
        log.info("worker %s stopped", os.getpid())


def __getattr__(name: str) -> Any:
    # Built lazily so importing jobs.worker (e.g. for worker_settings) never reads the environment.
    # ``python -m arq jobs.worker.WorkerSettings`` reads the general queue and
    # ``jobs.worker.RenderWorkerSettings`` the render queue: run one of each.
    if name == "WorkerSettings":
        return type("WorkerSettings", (), worker_settings())
    if name == "RenderWorkerSettings":
        return type("RenderWorkerSettings", (), worker_settings(renders=True))
    raise AttributeError(name)
