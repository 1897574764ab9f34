"""A render of generated clips fans out: one ``clip`` job per shot, then the render job assembles.

    render job ──enqueue──▶ clip job per (shot, engine ratio)  on the hosted / gpu queue
        │                      └─ make or reuse the clip (task id in the ledger first), put it in the store
        ├─ waits on their events, reporting "4/6 shots" (an arq slot, no thread)
        │    a shot job nobody has started after STEAL_AFTER_S is taken back and run here,
        │    so one plain worker with one slot still finishes
        └─ every shot exists ──▶ fetch clips into the local cache ──▶ compose the variants (the assembly)

Why the render job is the assembly: bots and the playground already follow its id, and
its shot cache and per-storyboard lock stay as they are. Job ids derive from the shot's
clip, so retries, other aspects that map to the same engine ratio, and A/B variants find
the shot job (and its clip) already there.

The animatic path (the default) does not fan out: a shot takes well under a second on a
CPU, less than a job's round trip through Redis, so it stays in-process as before.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from arq import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix, job_key_prefix, result_key_prefix

from cutroom.core.errors import Cancelled, CutroomError, InputError, TransientError
from cutroom.jobs.queue import (
    RECORD_TTL_S,
    JobRecord,
    ProgressEvent,
    cancel_key,
    latest_event,
    publish,
    record_key,
)

HOSTED_QUEUE = "cutroom:queue:hosted"
GPU_QUEUE = "cutroom:queue:gpu"
CPU_QUEUE = default_queue_name
QUEUES = {"hosted": HOSTED_QUEUE, "gpu": GPU_QUEUE, "cpu": CPU_QUEUE}
HOSTED_ENGINES = ("runway", "veo", "luma", "sim")
STEAL_AFTER_S = 3.0


def fans_out(clip_backend: str) -> bool:
    """Generated clips fan out; the animatic moves in-process (cheaper than a job's round trip)."""
    return clip_backend in HOSTED_ENGINES or clip_backend == "diffusers"


def queue_for(clip_backend: str, split: bool) -> str:
    if not split:
        return CPU_QUEUE
    return GPU_QUEUE if clip_backend == "diffusers" else HOSTED_QUEUE


def shot_jobs(storyboard: Any, aspects: list[str], clip_backend: str) -> list[dict[str, Any]]:
    """One payload per shot and engine ratio (end cards are drawn, never generated)."""
    ratios: dict[str, str] = {}
    if clip_backend in HOSTED_ENGINES:
        from cutroom.core.clips.engines import engine_spec

        table = engine_spec(clip_backend).ratios
        for aspect in aspects:
            ratios.setdefault(table[aspect], aspect)
    else:
        ratios = {aspect: aspect for aspect in aspects}
    payloads = []
    for shot in storyboard.plan.shots:
        if shot.is_end_card:
            continue
        for ratio, aspect in ratios.items():
            payloads.append({"storyboard_id": storyboard.id, "version": storyboard.version, "shot_index": shot.index,
                             "aspect": aspect, "ratio": ratio, "engine": clip_backend})
    return payloads


def clip_job_id(payload: dict[str, Any]) -> str:
    from cutroom.jobs.queue import job_id_for

    request = f"{payload['storyboard_id']}:{payload['version']}:{payload['shot_index']}:{payload['engine']}:{payload['ratio']}"
    return job_id_for("clip", request)


async def enqueue_shots(redis: ArqRedis, payloads: list[dict[str, Any]], requester: str, queue: str) -> list[str]:
    """Enqueue each shot's clip job once (a shot job already done or running is left alone)."""
    ids = []
    for payload in payloads:
        job_id = clip_job_id(payload)
        ids.append(job_id)
        event = await latest_event(redis, job_id)
        if event is not None and event.state == "done":
            continue
        if event is not None and event.state in ("running", "queued") and not await _lost(redis, job_id, queue):
            continue
        record = JobRecord(job_id=job_id, kind="clip", payload=payload, requester=requester, request_key=job_id)
        await redis.set(record_key(job_id), record.model_dump_json(), ex=RECORD_TTL_S)
        await publish(redis, ProgressEvent(job_id=job_id, kind="clip", state="queued", stage="queued",
                                           message=f"Shot {payload['shot_index']} queued."))
        # A shot that failed before is asked again under the same id: clear arq's old job and result.
        await redis.delete(job_key_prefix + job_id, result_key_prefix + job_id)
        await redis.enqueue_job("clip", payload, requester, _job_id=job_id, _queue_name=queue)
    return ids


async def wait_shots(
    redis: ArqRedis,
    job_ids: list[str],
    payloads: list[dict[str, Any]],
    *,
    render_job_id: str,
    queue: str,
    on_progress: Any,
    run_inline: Any,
    timeout_s: float,
    steal_after_s: float = STEAL_AFTER_S,
) -> list[dict[str, Any]]:
    """Every shot job's result, in order; raises the first shot's failure in words with its number."""
    results: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    total = len(job_ids)
    while True:
        if await redis.exists(cancel_key(render_job_id)):
            await cancel_shots(redis, job_ids)
            raise Cancelled("Cancelled.")
        for job_id, payload in zip(job_ids, payloads, strict=True):
            if job_id in results:
                continue
            event = await latest_event(redis, job_id)
            if event is None:
                continue
            if event.state == "done":
                results[job_id] = event.result or {}
            elif event.state in ("failed", "cancelled"):
                message = event.error or f"Shot {payload['shot_index']} was {event.state}."
                if f"Shot {payload['shot_index']}" not in message:
                    message = f"Shot {payload['shot_index']}: {message}"
                raise InputError(message) if "refused" in message or "budget" in message else CutroomError(message)
            elif (
                event.state == "queued"
                and 0 <= steal_after_s < time.monotonic() - started
                and await _take_back(redis, job_id, queue)
            ):
                on_progress("clips", len(results) / total, f"{len(results)}/{total} shots (shot {payload['shot_index']} here)")
                results[job_id] = await run_inline(job_id, payload)
        on_progress("clips", len(results) / total, f"{len(results)}/{total} shots")
        if len(results) == total:
            return [results[j] for j in job_ids]
        if time.monotonic() - started > timeout_s:
            raise TransientError(f"Only {len(results)}/{total} shots were ready in time; the render will resume.")
        await asyncio.sleep(0.2)


async def _lost(redis: ArqRedis, job_id: str, queue: str) -> bool:
    """A shot job neither queued nor held by a live worker (its runner died while running it here)."""
    return not (await redis.exists(in_progress_key_prefix + job_id) or await redis.zscore(queue, job_id) is not None)


async def cancel_shots(redis: ArqRedis, job_ids: list[str]) -> None:
    """Pass a render's cancel on to its shot jobs (each cancels its provider task)."""
    for job_id in job_ids:
        event = await latest_event(redis, job_id)
        if event is not None and not event.terminal:
            await redis.set(cancel_key(job_id), b"1", ex=RECORD_TTL_S)


async def _take_back(redis: ArqRedis, job_id: str, queue: str) -> bool:
    """Remove a shot job no worker has started yet from its queue (so this job runs it)."""
    if await redis.exists(in_progress_key_prefix + job_id):
        return False
    removed = await redis.zrem(queue, job_id)
    if removed:
        await redis.delete(job_key_prefix + job_id)
    return bool(removed)
