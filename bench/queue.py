"""Queue throughput and latency: trivial jobs per second, and enqueue-to-first-progress time.

    .venv/bin/python bench/queue.py [--jobs 300] [--latency-samples 30]

Starts its own redis-server on a free loopback port and, one after another, one worker of
each kind below, each in its own process:

- ``arq defaults``: a bare arq worker (max_jobs 10, poll_delay 0.5 s) running a no-op job,
  enqueued with ``ArqRedis.enqueue_job`` (the baseline: FINDINGS measured about 200 jobs/s);
- ``cutroom worker (defaults)``: ``cutroom worker`` with its settings (max_jobs 4, poll 0.1 s)
  running the ``ping`` job through ``JobQueue.enqueue`` (job record, fairness gate, events);
- ``cutroom worker, poll 0.02 s``: the same with faster polling.

Throughput is jobs / (last finish - first enqueue) for ``--jobs`` jobs enqueued at once.
Latency is, per job enqueued on an idle worker, the time from calling enqueue to the first
event the worker publishes (its "running" event) or, for bare arq, to the job's start time.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where "queue" would shadow the
# standard library's queue module (which asyncio and redis import): put the repository there.
REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(REPO)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from arq import create_pool  # noqa: E402
from arq.connections import RedisSettings  # noqa: E402
from arq.jobs import Job  # noqa: E402

from cutroom.jobs.queue import JobQueue, ProgressEvent, events_key, latest_key  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.workers import start_worker, stop_worker  # noqa: E402

_PHASE = random.Random(7)


async def noop(ctx: dict[str, Any]) -> int:
    return 1


class PlainArqSettings:
    """arq with its defaults and a no-op job: the baseline."""

    functions = [noop]
    redis_settings = RedisSettings.from_dsn(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


def _start_plain_worker(redis_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(REPO)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--plain-worker"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while b"Starting worker" not in log.read_bytes():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(0.05)
    proc.log_path = log  # type: ignore[attr-defined]
    return proc


async def bench_plain(redis_url: str, n_jobs: int, samples: int) -> dict[str, float]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        latencies = []
        for _ in range(samples):
            t0 = time.time()
            job = await pool.enqueue_job("noop")
            assert job is not None
            while (info := await job.result_info()) is None:
                await asyncio.sleep(0.002)
            latencies.append(info.start_time.timestamp() - t0)
            await asyncio.sleep(_PHASE.uniform(0.05, 0.6))  # enqueue at a random point of the worker's poll
        t0 = time.time()
        jobs = await asyncio.gather(*(pool.enqueue_job("noop") for _ in range(n_jobs)))
        while await pool.zcard("arq:queue"):
            await asyncio.sleep(0.01)
        finished = []
        for job in jobs:
            assert job is not None
            info = await Job(job.job_id, pool).result_info()
            assert info is not None and info.success
            finished.append(info.finish_time.timestamp())
        return {"jobs_per_s": n_jobs / (max(finished) - t0), **_summary(latencies)}
    finally:
        await pool.aclose()


async def bench_cutroom(redis_url: str, n_jobs: int, samples: int, tag: str) -> dict[str, float]:
    queue = await JobQueue.connect(redis_url, max_running_per_requester=1)
    try:
        latencies = []
        for i in range(samples):
            t0 = time.time()
            queued = await queue.enqueue("ping", {}, request_key=f"{tag}-lat-{i}", requester=f"lat-{i}")
            last = "0-0"
            running_ts = None
            while running_ts is None:
                response = await queue.redis.xread({events_key(queued.job_id): last}, block=1000)
                for _stream, entries in response or []:
                    for entry_id, fields in entries:
                        last = entry_id
                        event = ProgressEvent.model_validate_json(fields[b"e"])
                        if event.state == "running":
                            running_ts = time.time()
                            break
            latencies.append(running_ts - t0)
            await queue.wait(queued.job_id, timeout_s=10)
            await asyncio.sleep(_PHASE.uniform(0.05, 0.6))
        t0 = time.time()
        queued_all = await asyncio.gather(
            *(
                queue.enqueue("ping", {}, request_key=f"{tag}-tp-{i}", requester=f"tp-{i}")
                for i in range(n_jobs)
            )
        )
        keys = [latest_key(q.job_id) for q in queued_all]
        while True:
            events = [ProgressEvent.model_validate_json(raw) for raw in await queue.redis.mget(keys) if raw]
            if len(events) == n_jobs and all(e.terminal for e in events):
                break
            await asyncio.sleep(0.02)
        assert all(e.state == "done" for e in events)
        return {"jobs_per_s": n_jobs / (max(e.ts for e in events) - t0), **_summary(latencies)}
    finally:
        await queue.close()


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "latency_median_ms": 1000 * statistics.median(ordered),
        "latency_p95_ms": 1000 * ordered[max(0, int(round(0.95 * len(ordered))) - 1)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--latency-samples", type=int, default=30)
    parser.add_argument("--plain-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_worker:
        import logging

        from arq.worker import run_worker

        logging.basicConfig(level=logging.INFO)
        run_worker(PlainArqSettings)  # type: ignore[arg-type]
        return

    work = Path(tempfile.mkdtemp(prefix="cutroom-bench-"))
    redis = RedisServer(work / "redis").start()
    rows: list[tuple[str, dict[str, float]]] = []
    try:
        proc = _start_plain_worker(redis.url, work / "plain.log")
        try:
            rows.append(
                (
                    "arq defaults (max_jobs 10, poll 0.5 s), no-op",
                    asyncio.run(bench_plain(redis.url, args.jobs, args.latency_samples)),
                )
            )
        finally:
            stop_worker(proc, kill=True)
        for tag, env, label in (
            (
                "default",
                {"CUTROOM_WORKER_POLL_DELAY_S": "0.1", "CUTROOM_WORKER_MAX_JOBS": "4"},
                "cutroom worker defaults (max_jobs 4, poll 0.1 s), ping",
            ),
            (
                "fast",
                {"CUTROOM_WORKER_POLL_DELAY_S": "0.02", "CUTROOM_WORKER_MAX_JOBS": "10"},
                "cutroom worker (max_jobs 10, poll 0.02 s), ping",
            ),
        ):
            proc = start_worker(
                redis.url, work / f"data-{tag}", env={**env, "CUTROOM_PROGRESS_INTERVAL_S": "0.5"}
            )
            try:
                rows.append(
                    (label, asyncio.run(bench_cutroom(redis.url, args.jobs, args.latency_samples, tag)))
                )
            finally:
                stop_worker(proc, kill=True)
    finally:
        redis.stop(kill=True)

    print(
        f"\n{args.jobs} trivial jobs, one worker process, {args.latency_samples} latency samples, {os.cpu_count()} CPUs\n"
    )
    print(f"| {'setup':<58} | jobs/s | enqueue→first progress, median | p95 |")
    print(f"|{'-' * 60}|-------:|------:|------:|")
    for label, row in rows:
        print(
            f"| {label:<58} | {row['jobs_per_s']:6.0f} | {row['latency_median_ms']:5.0f} ms | {row['latency_p95_ms']:5.0f} ms |"
        )


if __name__ == "__main__":
    main()
