"""Worker side of progress: core's ``on_progress`` (called from the render thread) to Redis events.

Core may report hundreds of times a second. The thread only stores the newest report; one
asyncio task (``JobPulse.run``) publishes it at most every ``interval_s``, and on the same beat
keeps the job alive (heartbeat) and notices a cancel request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable

from arq.constants import in_progress_key_prefix
from redis.asyncio import Redis

from cutroom.jobs.queue import ProgressEvent, cancel_key, publish

log = logging.getLogger(__name__)


class JobPulse:
    """Throttled progress, heartbeat and cancel watch for one running job."""

    def __init__(
        self,
        redis: Redis,
        job_id: str,
        kind: str,
        *,
        interval_s: float = 0.5,
        lease_s: float = 30.0,
        extra_beats: list[Callable[[], Awaitable[object]]] | None = None,
    ) -> None:
        self.redis = redis
        self.job_id = job_id
        self.kind = kind
        self.interval_s = interval_s
        self.lease_s = lease_s
        self.cancelled = threading.Event()
        self.extra_beats = extra_beats or []
        self._lock = threading.Lock()
        self._newest: tuple[str, float, str] | None = None
        self._published: tuple[str, float, str] | None = None
        self._task: asyncio.Task[None] | None = None

    # called from the worker thread ------------------------------------------------------
    def on_progress(self, stage: str, fraction: float, message: str = "") -> None:
        with self._lock:
            self._newest = (stage, max(0.0, min(1.0, float(fraction))), message)

    def should_cancel(self) -> bool:
        return self.cancelled.is_set()

    # the asyncio side -------------------------------------------------------------------
    async def beat(self) -> None:
        """Extend the lease on the job, check for a cancel request, publish the newest progress."""
        await self.redis.pexpire(in_progress_key_prefix + self.job_id, int(self.lease_s * 1000))
        for extra in self.extra_beats:
            await extra()
        if await self.redis.exists(cancel_key(self.job_id)):
            self.cancelled.set()
        with self._lock:
            newest = self._newest
        if newest is not None and newest != self._published:
            stage, fraction, message = newest
            await publish(
                self.redis,
                ProgressEvent(
                    job_id=self.job_id,
                    kind=self.kind,
                    state="running",
                    stage=stage,
                    fraction=fraction,
                    message=message,
                ),
            )
            self._published = newest

    async def run(self) -> None:
        """Beat until cancelled. Redis hiccups are logged and survived: the job itself goes on."""
        while True:
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # pragma: no cover - Redis restarting under us
                log.warning("progress beat for %s failed: %s", self.job_id, exc)
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self, *, flush: bool = False) -> None:
        """Stop beating (idempotent); ``flush`` publishes the newest progress once more first."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        if flush:
            with contextlib.suppress(Exception):
                await self.beat()
