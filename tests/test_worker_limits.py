"""Workers that fit their machine (issue 10, items 6 and 7): render slots apart from the others,
no more render processes than the CPUs and memory carry, and render processes that die with a
kill -9'd worker, its retry working in a folder of its own. Real redis-server, real workers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from cutroom.core.backends import Backends
from cutroom.core.models import Brief, Storyboard
from cutroom.jobs.capacity import render_capacity
from cutroom.jobs.queue import JobQueue, ProgressEvent, events_key, queue_for
from cutroom.jobs.worker import WorkerConfig, render_slots
from cutroom.storage.artifacts import LocalArtifactStore
from tests.support.redis_server import RedisServer
from tests.support.workers import job_queue, start_worker, stop_worker, worker_data_dir, worker_log

__all__ = ["job_queue", "worker_data_dir"]  # fixtures used below

GIB = 1 << 30


# ── how many render processes fit (pure arithmetic) ─────────────────────────────────────


def test_render_capacity_is_the_smaller_of_cpus_and_memory() -> None:
    assert render_capacity(per_render_bytes=GIB // 2, cpus=2.0, memory=24 * GIB) == 2
    assert render_capacity(per_render_bytes=GIB // 2, cpus=16.0, memory=2 * GIB) == 4
    assert render_capacity(per_render_bytes=GIB // 2, cpus=1.5, memory=24 * GIB) == 1  # a cgroup quota
    assert render_capacity(per_render_bytes=GIB, cpus=8.0, memory=GIB // 4) == 1  # never zero


def test_render_slots_times_processes_never_exceed_the_capacity() -> None:
    defaults = WorkerConfig(_env_file=None)  # type: ignore[call-arg]
    assert defaults.render_workers == 2 and defaults.worker_max_jobs == 4
    assert render_slots(defaults, capacity=2) == (1, 2)  # the 2-core machine: one render at a time
    assert render_slots(defaults, capacity=16) == (8, 2)
    assert render_slots(defaults, capacity=1) == (1, 1)
    asked = WorkerConfig(_env_file=None, worker_render_jobs=4, render_workers=1)  # type: ignore[call-arg]
    assert render_slots(asked, capacity=2) == (2, 1)  # asking for more than fits gets what fits
    assert render_slots(asked, capacity=8) == (4, 1)
    for capacity in range(1, 20):
        jobs, processes = render_slots(defaults, capacity=capacity)
        assert jobs * processes <= capacity


def test_renders_have_their_own_queue() -> None:
    assert queue_for("render") == "arq:queue:render"
    assert {queue_for(kind) for kind in ("storyboard", "redo_scene", "redo_all", "ping")} == {"arq:queue"}


# ── real workers ────────────────────────────────────────────────────────────────────────


def _brief(product: str) -> Brief:
    return Brief(
        product=product,
        audience="busy students",
        tone=["playful"],
        duration_s=15,
        aspect_ratios=["9:16"],
        call_to_action="Order now",
    )


def _board(data_dir: Path, product: str, seed: int = 0) -> Storyboard:
    from cutroom.core.pipeline import make_storyboard

    store = LocalArtifactStore(data_dir / "artifacts")
    return make_storyboard(_brief(product), store, backends=Backends.embedded(), seed=seed, fps=12)


async def _events(queue: JobQueue, job_id: str) -> list[ProgressEvent]:
    entries = await queue.redis.xrange(events_key(job_id))
    return [ProgressEvent.model_validate_json(fields[b"e"]) for _id, fields in entries]


async def _first(queue: JobQueue, job_id: str, stage: str) -> float:
    return next(e.ts for e in await _events(queue, job_id) if e.stage == stage)


@pytest.mark.slow
async def test_a_storyboard_never_waits_behind_renders_and_positions_count_renders_only(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path
) -> None:
    boards = [
        await asyncio.to_thread(_board, worker_data_dir, p) for p in ("Oat latte", "Yoga mat", "Tea sampler")
    ]
    # One slot of each kind: before, a storyboard queued after three renders ran fourth.
    proc = start_worker(
        redis_server.url,
        worker_data_dir,
        env={
            "CUTROOM_WORKER_MAX_JOBS": "1",
            "CUTROOM_WORKER_RENDER_JOBS": "1",
            "CUTROOM_RENDER_SCALE": "0.25",
        },
    )
    try:
        renders = [
            await job_queue.enqueue(
                "render", {"storyboard_id": b.id}, request_key=f"r-{i}", requester=f"U{i}"
            )
            for i, b in enumerate(boards)
        ]
        async for event in job_queue.follow(renders[0].job_id, min_interval_s=0):
            if event.state == "running":
                break
        # Renders count the renders ahead of them (the running one included, as arq keeps it
        # queued until it ends), nothing else.
        assert await job_queue.position(renders[1].job_id) == 1
        assert await job_queue.position(renders[2].job_id) == 2
        storyboard = await job_queue.enqueue(
            "storyboard",
            {"brief": _brief("Desk plant").model_dump(mode="json")},
            request_key="sb-1",
            requester="U9",
        )
        assert storyboard.position == 0  # the renders, in their own queue, are not ahead of it
        done = await job_queue.wait(storyboard.job_id, timeout_s=120)
        assert done.state == "done", done.error
        finals = [await job_queue.wait(r.job_id, timeout_s=300) for r in renders]
        assert [f.state for f in finals] == ["done"] * 3, [f.error for f in finals]

        starts = [await _first(job_queue, r.job_id, "start") for r in renders]
        ends = [f.ts for f in finals]
        assert done.ts < starts[2]  # the storyboard did not wait for the renders ahead of it
        # One render slot: each render started only after the one before it ended.
        assert ends[0] <= starts[1] and ends[1] <= starts[2]
        assert "ready for renders" in worker_log(proc) and "1 job(s) at a time" in worker_log(proc)
    finally:
        stop_worker(proc, kill=True)


def _start_time(pid: int) -> str | None:
    """The process's start time (tells a pid apart from a later one that reuses it); None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # a zombie has stopped; only its parent's wait is missing
        return None
    return fields[19]


def _descendants(root: int) -> dict[int, str]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found: dict[int, str] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        started = _start_time(pid)
        if started is not None:
            found[pid] = started
        todo += children.get(pid, [])
    return found


def _names(pids: dict[int, str]) -> list[str]:
    names = []
    for pid in pids:
        with contextlib.suppress(OSError):
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
    return names


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.mark.slow
async def test_kill_9_of_a_worker_takes_its_render_processes_along_and_the_retry_starts_fresh(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path
) -> None:
    board = await asyncio.to_thread(_board, worker_data_dir, "Solar lamp")
    env = {"CUTROOM_RENDER_WORKERS": "2", "CUTROOM_RENDER_SCALE": "0.25"}  # a pool of 2 processes
    first = start_worker(redis_server.url, worker_data_dir, env=env)
    second = None
    try:
        queued = await job_queue.enqueue(
            "render", {"storyboard_id": board.id, "n_variants": 2}, request_key="r-kill", requester="U1"
        )
        work = worker_data_dir / "work" / queued.job_id
        deadline = time.monotonic() + 120
        while True:  # until both variant processes are encoding
            children = _descendants(first.pid)
            if sum(n.startswith("ffmpeg") for n in _names(children)) >= 2:
                break
            latest = await job_queue.latest(queued.job_id)
            assert latest is None or not latest.terminal, latest
            assert time.monotonic() < deadline, f"no encoders started: {_names(children)}"
            await asyncio.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)  # the worker alone, as the OOM killer would
        first.wait(timeout=10)

        deadline = time.monotonic() + 30
        while survivors := {p: t for p, t in children.items() if _start_time(p) == t}:
            assert time.monotonic() < deadline, f"still running after the worker died: {_names(survivors)}"
            await asyncio.sleep(0.1)

        attempts = sorted(p.name for p in work.iterdir())
        assert len(attempts) == 1  # the killed attempt's folder, left as it was
        left = _snapshot(work / attempts[0])

        second = start_worker(redis_server.url, worker_data_dir, env=env)
        final = await job_queue.wait(queued.job_id, timeout_s=240)
        assert final.state == "done", final.error
        starts = [e.message for e in await _events(job_queue, queued.job_id) if e.stage == "start"]
        assert starts[-1] == "Started (attempt 2)."
        # The retry worked in a folder of its own (gone now) and nobody wrote into the old one.
        assert sorted(p.name for p in work.iterdir()) == attempts
        assert _snapshot(work / attempts[0]) == left
    finally:
        stop_worker(first, kill=True)
        if second is not None:
            stop_worker(second, kill=True)
