"""Queue mechanics with the trivial ``ping`` job: real Redis, real worker processes.

Dedupe, throttled progress, error handling and retries, cancellation, fairness and a worker
killed mid-job. The storyboard and render jobs are covered in test_jobs_pipeline.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest

from cutroom.jobs.queue import JobQueue, ProgressEvent, events_key
from tests.support.redis_server import RedisServer
from tests.support.workers import job_queue, start_worker, stop_worker, worker, worker_data_dir, worker_log

__all__ = ["job_queue", "worker", "worker_data_dir"]  # fixtures used below

pytestmark = pytest.mark.slow


async def _states(queue: JobQueue, job_id: str) -> list[ProgressEvent]:
    """Every event the job published, unthrottled, from its stream."""
    entries = await queue.redis.xrange(events_key(job_id))
    return [ProgressEvent.model_validate_json(fields[b"e"]) for _id, fields in entries]


async def test_same_request_three_times_enqueues_one_job(
    redis_server: RedisServer, job_queue: JobQueue, worker: subprocess.Popen[bytes]
) -> None:
    """A platform retrying its event (three deliveries, three bot processes) runs the job once."""
    others = [await JobQueue.connect(redis_server.url, max_running_per_requester=1) for _ in range(2)]
    try:
        queues = [job_queue, *others]
        results = await asyncio.gather(
            *(
                q.enqueue("ping", {"echo": "hi", "sleep_s": 0.3}, request_key="slack:Ev123", requester="U1")
                for q in queues
            )
        )
        assert len({r.job_id for r in results}) == 1
        assert sorted(r.created for r in results) == [False, False, True]
        final = await job_queue.wait(results[0].job_id, timeout_s=30)
        assert final.state == "done" and final.result is not None and final.result["pong"] == "hi"
        again = await others[0].enqueue("ping", {"echo": "hi"}, request_key="slack:Ev123", requester="U1")
        assert again.job_id == results[0].job_id and not again.created
        events = await _states(job_queue, results[0].job_id)
        assert [e.stage for e in events if e.state == "running"][:1] == ["start"]
        assert sum(1 for e in events if e.stage == "start") == 1, "the job ran more than once"
        assert sum(1 for e in events if e.state == "queued") == 1
        # A different request is a different job.
        other = await job_queue.enqueue("ping", {}, request_key="slack:Ev124", requester="U1")
        assert other.job_id != results[0].job_id and other.created
    finally:
        for q in others:
            await q.close()


async def test_follow_is_throttled_and_ends_with_the_terminal_event(
    job_queue: JobQueue, worker: subprocess.Popen[bytes]
) -> None:
    queued = await job_queue.enqueue(
        "ping", {"steps": 20, "sleep_s": 2.0}, request_key="r-follow", requester="U1"
    )
    seen: list[tuple[float, ProgressEvent]] = []
    async for event in job_queue.follow(queued.job_id, min_interval_s=0.6):
        seen.append((time.monotonic(), event))
    states = [e.state for _, e in seen]
    assert states[-1] == "done" and states.count("done") == 1
    assert states[0] == "queued"
    assert "running" in states
    gaps = [b[0] - a[0] for a, b in zip(seen[:-1], seen[1:-1], strict=False)]
    assert all(gap >= 0.55 for gap in gaps), gaps  # every edit but the final one respects the interval
    published = await _states(job_queue, queued.job_id)
    assert len(published) > len(seen)  # the worker published more than a chat message should show
    fractions = [e.fraction for _, e in seen if e.state == "running"]
    assert fractions == sorted(fractions)
    assert (await job_queue.latest(queued.job_id)) == seen[-1][1]


async def test_bad_input_fails_at_once_and_transient_errors_retry(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path
) -> None:
    proc = start_worker(redis_server.url, worker_data_dir, env={"CUTROOM_JOB_MAX_TRIES": "3"})
    try:
        bad = await job_queue.enqueue("ping", {"fail": "input"}, request_key="r-bad", requester="U1")
        flaky = await job_queue.enqueue("ping", {"fail": "transient"}, request_key="r-flaky", requester="U2")
        bug = await job_queue.enqueue("ping", {"fail": "crash"}, request_key="r-bug", requester="U3")

        final_bad = await job_queue.wait(bad.job_id, timeout_s=30)
        assert final_bad.state == "failed"
        assert final_bad.error == "The pretend brief has no product."
        assert sum(1 for e in await _states(job_queue, bad.job_id) if e.stage == "start") == 1  # no retry

        final_flaky = await job_queue.wait(flaky.job_id, timeout_s=30)
        assert final_flaky.state == "failed"
        assert (
            final_flaky.error is not None and "3 tries" in final_flaky.error and "busy" in final_flaky.error
        )
        flaky_events = await _states(job_queue, flaky.job_id)
        assert sum(1 for e in flaky_events if e.stage == "start") == 3
        assert sum(1 for e in flaky_events if e.stage == "retry") == 2
        retries = [e.ts for e in flaky_events if e.stage == "start"]
        assert retries[2] - retries[1] > retries[1] - retries[0] > 0.15  # backoff grows

        final_bug = await job_queue.wait(bug.job_id, timeout_s=30)
        assert final_bug.state == "failed" and final_bug.error is not None
        assert "pretend bug" not in final_bug.error and "on our side" in final_bug.error
        assert "pretend bug" in worker_log(proc)  # the details go to the log, not to the user
    finally:
        stop_worker(proc, kill=True)


async def test_cancel_stops_a_running_job_and_a_queued_one(
    job_queue: JobQueue, worker: subprocess.Popen[bytes]
) -> None:
    running = await job_queue.enqueue(
        "ping", {"steps": 200, "sleep_s": 60}, request_key="r-long", requester="U1"
    )
    waiting = await job_queue.enqueue("ping", {"sleep_s": 0.1}, request_key="r-next", requester="U1")
    assert waiting.position >= 1
    async for event in job_queue.follow(running.job_id, min_interval_s=0):
        if event.state == "running" and event.stage == "ping":
            break
    asked = time.monotonic()
    assert await job_queue.cancel(running.job_id)
    final = await job_queue.wait(running.job_id, timeout_s=10)
    assert final.state == "cancelled"
    assert time.monotonic() - asked < 3
    assert not await job_queue.cancel(running.job_id)  # already over

    # Its slot went to the requester's next job, which runs.
    assert (await job_queue.wait(waiting.job_id, timeout_s=15)).state == "done"

    # A job still behind the fairness gate is cancelled without ever reaching a worker.
    blocker = await job_queue.enqueue(
        "ping", {"steps": 100, "sleep_s": 30}, request_key="r-block", requester="U9"
    )
    gated = await job_queue.enqueue("ping", {}, request_key="r-gated", requester="U9")
    assert await job_queue.cancel(gated.job_id)
    assert (await job_queue.wait(gated.job_id, timeout_s=5)).state == "cancelled"
    assert not [e for e in await _states(job_queue, gated.job_id) if e.state == "running"]
    await job_queue.cancel(blocker.job_id)
    assert (await job_queue.wait(blocker.job_id, timeout_s=10)).state == "cancelled"


async def test_another_requesters_job_starts_before_a_burst(
    job_queue: JobQueue, worker: subprocess.Popen[bytes]
) -> None:
    """Ten jobs from one person, then one from another: the other's starts next, positions are told."""
    burst = [
        await job_queue.enqueue("ping", {"sleep_s": 0.4}, request_key=f"burst-{i}", requester="U-busy")
        for i in range(10)
    ]
    assert [b.position for b in burst] == list(range(10))
    late = await job_queue.enqueue("ping", {"sleep_s": 0.1}, request_key="late-1", requester="U-other")
    assert late.position == 1  # only the burst's running job is ahead of it
    first_queued = await job_queue.latest(burst[9].job_id)
    assert first_queued is not None and first_queued.position == 9

    await job_queue.wait(late.job_id, timeout_s=30)
    await asyncio.gather(*(job_queue.wait(b.job_id, timeout_s=60) for b in burst))
    started = {}
    for job in [*burst, late]:
        started[job.job_id] = next(e.ts for e in await _states(job_queue, job.job_id) if e.stage == "start")
    order = sorted(started, key=started.__getitem__)
    # The other requester's job starts before the rest of the burst; beside the burst's first job
    # (a worker with two slots may start both in the same instant, in either order).
    assert set(order[:2]) == {burst[0].job_id, late.job_id}
    assert order[2:] == [b.job_id for b in burst[1:]]  # the burst keeps its own order


async def test_killed_worker_job_is_finished_by_another(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path
) -> None:
    first = start_worker(redis_server.url, worker_data_dir)
    second: subprocess.Popen[bytes] | None = None
    try:
        queued = await job_queue.enqueue(
            "ping", {"steps": 30, "sleep_s": 3.0}, request_key="r-kill", requester="U1"
        )
        async for event in job_queue.follow(queued.job_id, min_interval_s=0):
            if event.state == "running" and event.fraction >= 0.1:
                break
        stop_worker(first, kill=True)  # kill -9 mid-job
        killed_at = time.monotonic()
        second = start_worker(redis_server.url, worker_data_dir)
        final = await job_queue.wait(queued.job_id, timeout_s=40)
        assert final.state == "done"
        assert final.result is not None and final.result["pid"] == second.pid
        # Picked up once the heartbeat lease (3 s in tests) ran out, not after the job timeout.
        assert time.monotonic() - killed_at < 20
        starts = [e for e in await _states(job_queue, queued.job_id) if e.stage == "start"]
        assert len(starts) == 2 and "attempt 2" in starts[1].message
    finally:
        stop_worker(first, kill=True)
        if second is not None:
            stop_worker(second, kill=True)


async def test_worker_shutdown_requeues_the_running_job(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path
) -> None:
    first = start_worker(redis_server.url, worker_data_dir)
    queued = await job_queue.enqueue(
        "ping", {"steps": 20, "sleep_s": 2.0}, request_key="r-term", requester="U1"
    )
    async for event in job_queue.follow(queued.job_id, min_interval_s=0):
        if event.state == "running" and event.stage == "ping":
            break
    stop_worker(first)  # SIGTERM, e.g. a redeploy
    assert first.returncode is not None
    requeued = await job_queue.latest(queued.job_id)
    assert requeued is not None and requeued.state == "queued" and requeued.stage == "requeued"
    second = start_worker(redis_server.url, worker_data_dir)
    try:
        final = await job_queue.wait(queued.job_id, timeout_s=30)
        assert final.state == "done" and final.result is not None and final.result["pid"] == second.pid
    finally:
        stop_worker(second, kill=True)


async def test_a_leaked_slot_is_reclaimed_by_the_workers_sweep(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path
) -> None:
    """A slot held by a job that ended without freeing it (say its process died at that moment)."""
    from cutroom.jobs import fairness

    finished = await job_queue.enqueue("ping", {}, request_key="r-leak-1", requester="U-leak")
    waiting = await job_queue.enqueue("ping", {}, request_key="r-leak-2", requester="U-leak")
    assert await fairness.pending_index(job_queue.redis, "U-leak", waiting.job_id) == 0
    # Pretend the first job ran and ended, but never freed its slot nor reached arq's queue again.
    await job_queue.redis.zrem("arq:queue", finished.job_id)
    await job_queue.redis.delete(f"arq:job:{finished.job_id}")
    from cutroom.jobs.queue import ProgressEvent as Event
    from cutroom.jobs.queue import publish

    await publish(job_queue.redis, Event(job_id=finished.job_id, kind="ping", state="done", result={}))
    proc = start_worker(redis_server.url, worker_data_dir)  # sweeps at startup, then twice a minute
    try:
        assert (await job_queue.wait(waiting.job_id, timeout_s=20)).state == "done"
        # A job publishes "done", then frees its slot: give the worker that moment.
        deadline = time.monotonic() + 10
        while await fairness.running_count(job_queue.redis, "U-leak") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert await fairness.running_count(job_queue.redis, "U-leak") == 0
    finally:
        stop_worker(proc, kill=True)


async def test_a_redis_restart_mid_job_loses_nothing(
    redis_server: RedisServer, job_queue: JobQueue, worker: subprocess.Popen[bytes]
) -> None:
    queued = await job_queue.enqueue(
        "ping", {"steps": 20, "sleep_s": 3.0}, request_key="r-restart", requester="U1"
    )
    waiting = await job_queue.enqueue("ping", {"echo": 2}, request_key="r-restart-2", requester="U1")
    async for event in job_queue.follow(queued.job_id, min_interval_s=0):
        if event.state == "running" and event.stage == "ping":
            break
    redis_server.restart()
    final = await job_queue.wait(queued.job_id, timeout_s=30)
    assert final.state == "done", final
    assert (await job_queue.wait(waiting.job_id, timeout_s=30)).state == "done"
    assert worker.poll() is None, worker_log(worker)[-2000:]


async def test_cancel_of_a_job_no_worker_has_taken_is_immediate(job_queue: JobQueue) -> None:
    first = await job_queue.enqueue("ping", {}, request_key="r-nw-1", requester="U1")
    second = await job_queue.enqueue(
        "ping", {}, request_key="r-nw-2", requester="U1"
    )  # gated behind the first
    assert await job_queue.cancel(first.job_id)
    assert (await job_queue.wait(first.job_id, timeout_s=2)).state == "cancelled"
    assert await job_queue.redis.zscore("arq:queue", first.job_id) is None
    # Its slot went to the requester's next job, now in arq's queue at the front.
    assert await job_queue.redis.zscore("arq:queue", second.job_id) is not None
    assert await job_queue.position(second.job_id) == 0
    assert await job_queue.cancel(second.job_id)
    assert (await job_queue.latest(second.job_id)).state == "cancelled"  # type: ignore[union-attr]
    assert await job_queue.redis.zcard("arq:queue") == 0


async def test_a_job_whose_enqueuer_died_before_queueing_it_runs_on_the_next_request(
    job_queue: JobQueue, worker: subprocess.Popen[bytes]
) -> None:
    """The bot saved the job's record, then died before queueing it: the platform's retry queues it."""
    from cutroom.jobs.queue import ENQUEUE_GRACE_S, JobRecord, job_id_for, record_key

    job_id = job_id_for("ping", "slack:EvLost")
    orphan = JobRecord(
        job_id=job_id,
        kind="ping",
        payload={"echo": "found"},
        requester="U-lost",
        request_key="slack:EvLost",
        created_ts=time.time() - ENQUEUE_GRACE_S - 1,
    )
    await job_queue.redis.set(record_key(job_id), orphan.model_dump_json())
    again = await job_queue.enqueue("ping", {"echo": "found"}, request_key="slack:EvLost", requester="U-lost")
    assert again.job_id == job_id and not again.created
    final = await job_queue.wait(job_id, timeout_s=20)
    assert final.state == "done" and final.result is not None and final.result["pong"] == "found"
