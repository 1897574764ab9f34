"""The one interface bots, the playground and the CLI use to run jobs on the workers.

    enqueue(kind, payload, request_key, requester) ──▶ job record (SET NX: once per request)
        ──▶ fairness gate (per-requester cap) ──▶ arq queue ──▶ worker (jobs/functions.py)
    worker ──▶ progress events (a Redis stream per job + the latest event) ──▶ follow / wait

Job ids derive from the kind and the caller's request key (e.g. the platform's event or
message id), so a retried platform event or a double click enqueues exactly one job. Jobs
carry small JSON; artifacts live in the artifact store.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.constants import (
    abort_jobs_ss,
    default_queue_name,
    in_progress_key_prefix,
    job_key_prefix,
    retry_key_prefix,
)
from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import WatchError

from cutroom.core.errors import InputError
from cutroom.jobs import fairness

JobKind = Literal["storyboard", "redo_scene", "redo_all", "render", "ping", "recast"]
JobState = Literal["queued", "running", "done", "failed", "cancelled"]
KINDS: tuple[str, ...] = ("storyboard", "redo_scene", "redo_all", "render", "ping", "recast", "clip")
TERMINAL: frozenset[str] = frozenset({"done", "failed", "cancelled"})

#: How long job records and their events are kept: a retried request within this time is a no-op.
RECORD_TTL_S = 7 * 24 * 3600
STREAM_MAXLEN = 200

PREFIX = "cutroom"


#: Renders have their own arq queue (``<general queue>:render``), read by a worker's render
#: slots only, so a storyboard never waits behind renders and a render's place in line counts
#: only the renders ahead of it. Every other kind shares the general queue.
RENDER_SUFFIX = ":render"


def queue_for(kind: str, general: str = default_queue_name) -> str:
    """The arq queue a job of ``kind`` goes to, given the general queue's name."""
    return general + RENDER_SUFFIX if kind == "render" else general


def kind_of(job_id: str) -> str:
    """The kind a job id was made for (``job_id_for`` puts it first)."""
    return job_id.rsplit("-", 1)[0]


#: How long an enqueuer may take between saving a job's record and queueing it before a
#: repeated request treats the job as lost and queues it itself.
ENQUEUE_GRACE_S = 10.0


def record_key(job_id: str) -> str:
    return f"{PREFIX}:job:{job_id}"


def events_key(job_id: str) -> str:
    return f"{PREFIX}:events:{job_id}"


def latest_key(job_id: str) -> str:
    return f"{PREFIX}:latest:{job_id}"


def cancel_key(job_id: str) -> str:
    return f"{PREFIX}:cancel:{job_id}"


class UnknownJobError(InputError):
    """No record of this job (never enqueued, or older than the retention time)."""


class ProgressEvent(BaseModel):
    """One step of a job as followers see it. ``position`` is the number of jobs ahead while queued."""

    job_id: str
    kind: str
    state: JobState
    stage: str = ""
    fraction: float = 0.0
    message: str = ""
    position: int | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    ts: float = Field(default_factory=time.time)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


class Enqueued(BaseModel):
    job_id: str
    created: bool = Field(description="False when the same request was already enqueued: nothing new runs.")
    position: int = Field(description="Jobs ahead of this one (0: next to start or already running).")


class JobRecord(BaseModel):
    """What was asked, kept beside the arq job so a gated job can be enqueued later."""

    job_id: str
    kind: str
    payload: dict[str, Any]
    requester: str
    request_key: str
    created_ts: float = Field(default_factory=time.time)


def redis_settings(url: str) -> RedisSettings:
    """arq connection settings that ride out a Redis restart (reconnect and retry for ~10 s)."""
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    settings = RedisSettings.from_dsn(url)
    settings.retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=20)
    settings.retry_on_error = [RedisConnectionError, RedisTimeoutError, ConnectionResetError, OSError]
    return settings


def job_id_for(kind: str, request_key: str) -> str:
    """The same (kind, request) always names the same job; safe in store keys and file names."""
    digest = hashlib.sha256(f"{kind}\x00{request_key}".encode()).hexdigest()[:24]
    return f"{kind}-{digest}"


async def publish(redis: Redis, event: ProgressEvent) -> None:
    """Append ``event`` to the job's stream and remember it as the latest."""
    data = event.model_dump_json()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(events_key(event.job_id), {"e": data}, maxlen=STREAM_MAXLEN, approximate=True)
        pipe.expire(events_key(event.job_id), RECORD_TTL_S)
        pipe.set(latest_key(event.job_id), data, ex=RECORD_TTL_S)
        await pipe.execute()


async def latest_event(redis: Redis, job_id: str) -> ProgressEvent | None:
    raw = await redis.get(latest_key(job_id))
    return ProgressEvent.model_validate_json(raw) if raw else None


async def load_record(redis: Redis, job_id: str) -> JobRecord | None:
    raw = await redis.get(record_key(job_id))
    return JobRecord.model_validate_json(raw) if raw else None


async def release_and_promote(
    redis: ArqRedis, requester: str, job_id: str, *, cap: int, queue_name: str = default_queue_name
) -> None:
    """Free ``job_id``'s fairness slot and hand the requester's next waiting job(s) to arq."""
    for promoted in await fairness.release(redis, requester, job_id, cap=cap):
        record = await load_record(redis, promoted)
        if record is not None:
            await enqueue_admitted(redis, record, queue_name=queue_name)


async def enqueue_admitted(
    redis: ArqRedis, record: JobRecord, *, queue_name: str = default_queue_name
) -> None:
    """Hand a job that passed the fairness gate to arq (a no-op if arq already has it).

    ``queue_name`` is the general queue; a render goes to its own (see ``queue_for``).
    """
    await redis.enqueue_job(
        record.kind,
        record.payload,
        record.requester,
        _job_id=record.job_id,
        _queue_name=queue_for(record.kind, queue_name),
    )


class JobQueue:
    """Enqueue, follow, wait for and cancel jobs. One per process; safe to share between tasks."""

    def __init__(
        self, redis: ArqRedis, *, max_running_per_requester: int = 1, queue_name: str = default_queue_name
    ) -> None:
        self.redis = redis
        self.cap = max(1, max_running_per_requester)
        self.queue_name = queue_name

    @classmethod
    async def connect(cls, redis_url: str, *, max_running_per_requester: int | None = None) -> JobQueue:
        """Connect to the Redis the workers use. The cap defaults to ``Settings().max_running_per_requester``."""
        if max_running_per_requester is None:
            from cutroom.settings import Settings

            max_running_per_requester = Settings().max_running_per_requester
        redis = await create_pool(redis_settings(redis_url))
        return cls(redis, max_running_per_requester=max_running_per_requester)

    async def close(self) -> None:
        await self.redis.aclose()

    async def enqueue(
        self, kind: JobKind, payload: dict[str, Any], *, request_key: str, requester: str
    ) -> Enqueued:
        """Start ``kind`` once for this request. A repeated call returns the same job with created=False."""
        if kind not in KINDS:
            raise InputError(f"'{kind}' is not a kind of job Cutroom runs.")
        job_id = job_id_for(kind, request_key)
        record = JobRecord(
            job_id=job_id, kind=kind, payload=payload, requester=requester, request_key=request_key
        )
        created = await self.redis.set(record_key(job_id), record.model_dump_json(), nx=True, ex=RECORD_TTL_S)
        if not created:
            event = await self.latest(job_id)
            if event is None or event.state == "queued":
                await self._requeue_if_lost(job_id)
                event = await self.latest(job_id)
            position = await self.position(job_id) if event is not None and event.state == "queued" else 0
            return Enqueued(job_id=job_id, created=False, position=position)
        await self._admit(record)
        return Enqueued(job_id=job_id, created=True, position=await self.position(job_id))

    async def _requeue_if_lost(self, job_id: str) -> None:
        """Queue a job whose enqueuer died between saving its record and queueing it.

        The repeated request (a platform's retry, the user asking again) is what finds it.
        Every step is idempotent: arq refuses a second job with the same id.
        """
        record = await load_record(self.redis, job_id)
        if record is None or time.time() - record.created_ts < ENQUEUE_GRACE_S:
            return  # gone, or its enqueuer may still be at work: a twin request arriving at once
        if (
            await self.redis.zscore(queue_for(record.kind, self.queue_name), job_id) is not None
            or await self.redis.exists(in_progress_key_prefix + job_id)
            or await fairness.pending_index(self.redis, record.requester, job_id) is not None
        ):
            return  # queued, running or waiting its turn: not lost
        await self._admit(record)

    async def _admit(self, record: JobRecord) -> None:
        job_id, kind, requester = record.job_id, record.kind, record.requester
        admitted = await fairness.admit(self.redis, requester, job_id, cap=self.cap)
        position = await self.position(job_id)
        await publish(
            self.redis,
            ProgressEvent(
                job_id=job_id,
                kind=kind,
                state="queued",
                stage="queued",
                position=position,
                message=_queued_message(position),
            ),
        )
        if admitted:
            await enqueue_admitted(self.redis, record, queue_name=self.queue_name)

    async def position(self, job_id: str) -> int:
        """Jobs ahead of ``job_id``: those due in its arq queue before it, plus the requester's own gated ones.

        Renders count only renders and other jobs only other jobs: each kind has its own slots.
        """
        queue_name = queue_for(kind_of(job_id), self.queue_name)
        score = await self.redis.zscore(queue_name, job_id)
        if score is not None:
            return await self._due(queue_name, f"({score}")
        record = await load_record(self.redis, job_id)
        if record is None:
            return 0
        due = await self._due(queue_name, str(int(time.time() * 1000)))
        ahead_own = await fairness.pending_index(self.redis, record.requester, job_id)
        return due + (ahead_own or 0)

    async def _due(self, queue_name: str, max_score: str) -> int:
        """Jobs in an arq queue up to ``max_score``, leaving out the workers' own housekeeping (cron)."""
        ids = await self.redis.zrangebyscore(queue_name, "-inf", max_score)
        return sum(1 for i in ids if not (i.decode() if isinstance(i, bytes) else i).startswith("cron:"))

    async def cancel(self, job_id: str) -> bool:
        """Ask a job to stop. True if it was queued or running; partial files are removed by the worker.

        A job no worker has started yet is taken off the queue and closed here at once; a
        running one is interrupted (arq abort) and its render sees the cancel flag within a second.
        """
        event = await self.latest(job_id)
        if event is None or event.terminal:
            return False
        await self.redis.set(cancel_key(job_id), b"1", ex=RECORD_TTL_S)
        record = await load_record(self.redis, job_id)
        if record is None:
            return True
        closed = await fairness.withdraw(self.redis, record.requester, job_id) or await self._unqueue(job_id)
        if closed:
            cancelled = ProgressEvent(
                job_id=job_id, kind=record.kind, state="cancelled", stage="cancelled", message="Cancelled."
            )
            await publish(self.redis, cancelled)
            await release_and_promote(
                self.redis, record.requester, job_id, cap=self.cap, queue_name=self.queue_name
            )
        elif event.state == "running":
            # Interrupt the task too. Never for a job that is only about to start: arq would drop it
            # unrun, and nothing would report its end; the flag makes it end itself instead.
            await self.redis.zadd(abort_jobs_ss, {job_id: int(time.time() * 1000)})
        return True

    async def _unqueue(self, job_id: str) -> bool:
        """Take a job off arq's queue if no worker has started it (a worker's start claims its in-progress key)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(in_progress_key_prefix + job_id)
                if await pipe.exists(in_progress_key_prefix + job_id):
                    return False
                pipe.multi()
                pipe.zrem(queue_for(kind_of(job_id), self.queue_name), job_id)
                pipe.delete(job_key_prefix + job_id, retry_key_prefix + job_id)
                removed, _ = await pipe.execute()
            except WatchError:
                return False
        return bool(removed)

    async def latest(self, job_id: str) -> ProgressEvent | None:
        return await latest_event(self.redis, job_id)

    async def follow(self, job_id: str, *, min_interval_s: float = 2.0) -> AsyncIterator[ProgressEvent]:
        """Events of ``job_id`` at most one per ``min_interval_s`` (the newest wins), ending with the terminal one.

        Starts with the job's current state, so a follower that attaches late (a restarted bot)
        still sees where the job is. While queued, the position is refreshed.
        """
        last_id = "0-0"
        last_yield = float("-inf")
        known: ProgressEvent | None = None  # the newest non-terminal event
        pending: ProgressEvent | None = None  # newer than the last one yielded
        reported_position: int | None = None
        started = time.monotonic()
        while True:
            now = time.monotonic()
            wait_s = max(0.0, min_interval_s - (now - last_yield)) if pending is not None else 3.0
            response = await self.redis.xread(
                {events_key(job_id): last_id}, count=100, block=max(1, int(wait_s * 1000))
            )
            for _stream, entries in response or []:
                for entry_id, fields in entries:
                    last_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    event = ProgressEvent.model_validate_json(fields.get(b"e") or fields.get("e"))
                    if event.terminal:
                        yield event
                        return
                    known = pending = event
            if known is None:
                latest = await self.latest(job_id)
                if latest is not None:  # the stream was trimmed or expired; the latest survives
                    if latest.terminal:
                        yield latest
                        return
                    known = pending = latest
                elif time.monotonic() - started > 5 and await load_record(self.redis, job_id) is None:
                    raise UnknownJobError(f"There is no job called {job_id[:60]!r}.")
            if known is not None and known.state == "queued":
                position = await self.position(job_id)
                update = {"position": position, "message": _queued_message(position)}
                if pending is not None:
                    pending = pending.model_copy(update=update)
                elif position != reported_position:
                    pending = known.model_copy(update={**update, "ts": time.time()})
            if pending is not None and time.monotonic() - last_yield >= min_interval_s:
                yield pending
                last_yield = time.monotonic()
                reported_position = pending.position if pending.state == "queued" else None
                pending = None

    async def wait(self, job_id: str, *, timeout_s: float) -> ProgressEvent:
        """The terminal event of ``job_id``; TimeoutError after ``timeout_s``."""
        async with asyncio.timeout(timeout_s):
            async for event in self.follow(job_id, min_interval_s=0.0):
                if event.terminal:
                    return event
        raise TimeoutError(job_id)  # pragma: no cover - follow always ends with a terminal event


def _queued_message(position: int) -> str:
    if position <= 0:
        return "Starting next."
    return f"In the queue: {position} job{'s' if position != 1 else ''} ahead."


def event_from_json(raw: str | bytes) -> ProgressEvent:
    return ProgressEvent.model_validate(json.loads(raw))
