"""Many variants in parallel: one process each (as many as the worker's share allows), progress merged."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from cutroom.core.errors import (
    Cancelled,
    RenderError,
)
from cutroom.core.lifetime import die_with_parent
from cutroom.core.models import RenderSpec, Variant
from cutroom.core.progress import OnProgress, no_progress
from cutroom.core.render.options import RenderOptions
from cutroom.core.render.timeline import check_plan
from cutroom.core.render.variant import render_variant
from cutroom.core.render.variants import variant_id
from cutroom.core.store import writable_dir

_worker_queue: Any = None


_worker_cancel: Any = None


def _init_worker(progress_queue: Any, cancel_event: Any, parent_pid: int | None = None) -> None:
    global _worker_queue, _worker_cancel
    die_with_parent(parent_pid)  # a kill -9'd worker must not leave variant renders running
    _worker_queue = progress_queue
    _worker_cancel = cancel_event


def _render_in_worker(
    index: int, spec_json: str, out_dir: str, options_json: str, cache_dir: str | None
) -> str:
    spec = RenderSpec.model_validate_json(spec_json)
    options = RenderOptions.model_validate_json(options_json)

    def report(stage: str, fraction: float, message: str = "") -> None:
        with contextlib.suppress(Exception):
            _worker_queue.put_nowait((index, fraction, message))

    variant = render_variant(
        spec,
        out_dir=Path(out_dir),
        options=options,
        cache_dir=Path(cache_dir) if cache_dir else None,
        on_progress=report,
        should_cancel=_worker_cancel.is_set,
    )
    return variant.model_dump_json()


def render_variants(
    specs: list[RenderSpec],
    *,
    out_root: Path,
    options: RenderOptions | None = None,
    cache_dir: Path | None = None,
    on_progress: OnProgress = no_progress,
    should_cancel: Callable[[], bool] = lambda: False,
) -> list[Variant]:
    """Render variants in parallel (``options.workers`` processes) into ``out_root/<variant id>/``.

    Progress from the workers is averaged and reported from this process; ``should_cancel``
    is polled here and passed on, so every worker stops within about a second.
    """
    options = options or RenderOptions()
    out_root = writable_dir(Path(out_root), "videos")
    if not specs:
        return []
    for spec in specs:
        check_plan(spec.plan, spec.fps)
    workers = min(options.workers, len(specs))
    if workers <= 1:
        results = []
        for n, spec in enumerate(specs):

            def report(stage: str, fraction: float, message: str = "", n: int = n) -> None:
                on_progress("render", (n + fraction) / len(specs), f"{variant_id(specs[n])}: {message}")

            results.append(
                render_variant(
                    spec,
                    out_dir=out_root / variant_id(spec),
                    options=options,
                    cache_dir=cache_dir,
                    on_progress=report,
                    should_cancel=should_cancel,
                )
            )
        return results

    ctx = mp.get_context("spawn")
    progress_queue = ctx.Queue()
    cancel_event = ctx.Event()
    fractions = [0.0] * len(specs)
    last_message = ""
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(progress_queue, cancel_event, os.getpid()),
    ) as pool:
        futures: list[Future[str]] = [
            pool.submit(
                _render_in_worker,
                n,
                spec.model_dump_json(),
                str(out_root / variant_id(spec)),
                options.model_dump_json(),
                str(cache_dir) if cache_dir else None,
            )
            for n, spec in enumerate(specs)
        ]
        pending = set(futures)
        failure: BaseException | None = None
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                if future.exception() is not None and failure is None:
                    failure = future.exception()
                    cancel_event.set()  # one variant failed: stop the others
                    for other in pending:
                        other.cancel()
                elif future.exception() is None:
                    fractions[futures.index(future)] = 1.0
            while True:
                try:
                    index, fraction, message = progress_queue.get_nowait()
                except queue.Empty:
                    break
                except Exception:  # a torn message from a worker that was killed
                    break
                fractions[index] = max(fractions[index], fraction)
                last_message = f"{variant_id(specs[index])}: {message}"
            if should_cancel() and not cancel_event.is_set():
                cancel_event.set()
            on_progress("render", sum(fractions) / len(fractions), last_message)
        if isinstance(failure, BrokenProcessPool):
            raise RenderError(
                "A render worker stopped unexpectedly (out of memory, or killed). Try again with fewer "
                "variants at once (CUTROOM_RENDER_WORKERS=1)."
            ) from failure
        if failure is not None:
            raise failure
        if cancel_event.is_set():
            raise Cancelled("The render was cancelled.")
    return [Variant.model_validate_json(f.result()) for f in futures]
