"""Storyboard and render jobs end to end: real Redis, real worker processes, real core.

Renders are small (1/6 of the frame: 180x320 for 9:16, 12 fps, 15 s plans; see FAST_ENV in
tests/support/workers.py). Storyboards made by a test directly go into the same data folder
the workers use.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

import pytest

from cutroom.core.backends import Backends
from cutroom.core.models import Brief, Storyboard
from cutroom.jobs.queue import JobQueue, ProgressEvent, events_key
from cutroom.storage.artifacts import LocalArtifactStore
from cutroom.storage.state import DeliveryLog
from tests.support.redis_server import RedisServer
from tests.support.workers import job_queue, start_worker, stop_worker, worker, worker_data_dir

__all__ = ["job_queue", "worker", "worker_data_dir"]  # fixtures used below

pytestmark = pytest.mark.slow

PRODUCTS = [
    "Glow serum",
    "Trail shoes",
    "Oat latte",
    "Pawsome treats",
    "Solar lamp",
    "Jazz vinyl",
    "Rain jacket",
    "Chili sauce",
    "Yoga mat",
    "Smart kettle",
    "Kids bike",
    "Tea sampler",
    "Desk plant",
    "Wool socks",
    "Phone case",
    "Hot sauce",
    "Sleep mask",
    "Bento box",
    "Sun cream",
    "Board game",
]


def _brief(product: str = "Glow serum") -> Brief:
    return Brief(
        product=product,
        audience="busy students",
        tone=["playful"],
        duration_s=15,
        aspect_ratios=["9:16"],
        call_to_action="Order now",
    )


def _store(data_dir: Path) -> LocalArtifactStore:
    return LocalArtifactStore(data_dir / "artifacts")


def _board(data_dir: Path, product: str = "Glow serum", seed: int = 0) -> Storyboard:
    from cutroom.core.pipeline import make_storyboard

    return make_storyboard(_brief(product), _store(data_dir), backends=Backends.embedded(), seed=seed, fps=12)


async def _events(queue: JobQueue, job_id: str) -> list[ProgressEvent]:
    entries = await queue.redis.xrange(events_key(job_id))
    return [ProgressEvent.model_validate_json(fields[b"e"]) for _id, fields in entries]


async def _started(queue: JobQueue, job_id: str) -> float:
    return next(e.ts for e in await _events(queue, job_id) if e.stage == "start")


async def test_storyboard_redo_and_render_end_to_end(
    job_queue: JobQueue, worker: subprocess.Popen[bytes], worker_data_dir: Path
) -> None:
    store = _store(worker_data_dir)
    made = await job_queue.enqueue(
        "storyboard",
        {"brief": _brief().model_dump(mode="json"), "aspect": "9:16", "seed": 3},
        request_key="slack:C1:t1:storyboard",
        requester="U1",
    )
    final = await job_queue.wait(made.job_id, timeout_s=90)
    assert final.state == "done", final.error
    assert final.result is not None
    sb_id = final.result["storyboard_id"]
    board = Storyboard.model_validate_json(store.get_bytes(f"runs/{sb_id}/storyboard.json"))
    assert board.plan.brief.product == "Glow serum"
    assert store.exists(board.sheet) and all(store.exists(p.image) for p in board.panels)
    assert len(board.panels) == len(board.plan.shots)
    stages = {e.stage for e in await _events(job_queue, made.job_id)}
    assert "storyboard" in stages  # core's progress reached the followers

    redo = await job_queue.enqueue(
        "redo_scene",
        {"storyboard_id": sb_id, "index": 2, "seed": 7},
        request_key="slack:C1:t1:redo:2",
        requester="U1",
    )
    redone = await job_queue.wait(redo.job_id, timeout_s=90)
    assert redone.state == "done", redone.error
    assert redone.result is not None and redone.result["storyboard_id"] != sb_id
    assert redone.result["version"] == board.version + 1

    render = await job_queue.enqueue(
        "render",
        {"storyboard_id": sb_id, "aspects": None, "n_variants": 1},
        request_key="slack:C1:t1:render:1",
        requester="U1",
    )
    rendered = await job_queue.wait(render.job_id, timeout_s=150)
    assert rendered.state == "done", rendered.error
    assert rendered.result is not None
    (variant,) = rendered.result["variants"]
    assert (variant["width"], variant["height"]) == (180, 320) and variant["fps"] == 12
    for field in ("video", "thumbnail", "captions", "manifest"):
        assert variant[field].startswith(f"runs/{sb_id}/variants/") and store.exists(variant[field])
    assert store.get_bytes(variant["video"])[4:8] == b"ftyp"
    manifest = json.loads(store.get_bytes(variant["manifest"]))
    assert manifest["shots_rendered"] == len(board.plan.shots) and manifest["shots_reused"] == 0

    bad = await job_queue.enqueue(
        "render", {"storyboard_id": "sb_nope"}, request_key="bad-render", requester="U1"
    )
    failed = await job_queue.wait(bad.job_id, timeout_s=30)
    assert failed.state == "failed" and failed.error is not None and "no storyboard" in failed.error
    broken = await job_queue.enqueue(
        "storyboard", {"brief": {"duration_s": 500}}, request_key="bad-brief", requester="U1"
    )
    refused = await job_queue.wait(broken.job_id, timeout_s=30)
    assert refused.state == "failed" and refused.error is not None and "length" in refused.error


async def test_killed_render_resumes_on_another_worker_and_is_delivered_once(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path
) -> None:
    board = await asyncio.to_thread(_board, worker_data_dir, "Trail shoes")
    segments = worker_data_dir / "cache" / "render" / board.id / "segments"
    first = start_worker(redis_server.url, worker_data_dir)
    second: subprocess.Popen[bytes] | None = None
    bots = [await JobQueue.connect(redis_server.url, max_running_per_requester=1) for _ in range(2)]
    logs = [DeliveryLog.from_url(redis_server.url) for _ in range(2)]
    try:
        queued = await job_queue.enqueue(
            "render",
            {"storyboard_id": board.id, "n_variants": 2},
            request_key="discord:G/C:9:render",
            requester="D1",
        )
        deadline = time.monotonic() + 120
        def finished() -> list[Path]:  # a finished shot: not a hidden partial file or a QC sidecar
            return [p for p in segments.glob("*.mp4") if not p.name.startswith(".")] if segments.is_dir() else []

        while not finished():  # at least one shot finished
            assert time.monotonic() < deadline, "no shot was cached"
            latest = await job_queue.latest(queued.job_id)
            assert latest is None or not latest.terminal, latest
            await asyncio.sleep(0.02)
        stop_worker(first, kill=True)  # kill -9 in the middle of the render
        cached = len(finished())
        second = start_worker(redis_server.url, worker_data_dir)

        posted: list[tuple[str, str]] = []

        async def bot(name: str, queue: JobQueue, log: DeliveryLog) -> None:
            """What a bot does: follow the job, post each variant unless it is already posted."""
            final = await queue.wait(queued.job_id, timeout_s=150)
            assert final.state == "done", final.error
            assert final.result is not None
            for variant in final.result["variants"]:
                key = f"discord:G/C:9:variant:{variant['id']}"
                if await log.claim(key, lease_s=30):
                    posted.append((name, variant["id"]))
                    await asyncio.sleep(0.05)  # the upload
                    await log.done(key, f"{name}-message")

        await asyncio.gather(bot("bot-a", bots[0], logs[0]), bot("bot-b", bots[1], logs[1]))
        await bot("bot-a-restarted", bots[0], logs[0])  # a restarted bot finds it all delivered

        final = await job_queue.latest(queued.job_id)
        assert final is not None and final.result is not None
        variant_ids = [v["id"] for v in final.result["variants"]]
        assert len(variant_ids) == 2
        assert sorted(v for _, v in posted) == sorted(variant_ids)  # each exactly once
        starts = [e for e in await _events(job_queue, queued.job_id) if e.stage == "start"]
        assert len(starts) == 2  # the killed try and the one that finished
        store = _store(worker_data_dir)
        reused = [
            json.loads(store.get_bytes(v["manifest"]))["shots_reused"] for v in final.result["variants"]
        ]
        # The two variants render side by side, so the finished shots may belong to either one;
        # every segment the killed worker finished is reused by some variant, none redone.
        assert sum(reused) >= cached >= 1
    finally:
        stop_worker(first, kill=True)
        if second is not None:
            stop_worker(second, kill=True)
        for q in bots:
            await q.close()
        for log in logs:
            await log.close()


async def test_cancel_stops_a_render_within_seconds_and_leaves_no_partial_files(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path, tmp_path: Path
) -> None:
    board = await asyncio.to_thread(_board, worker_data_dir, "Rain jacket")
    worker_tmp = tmp_path / "worker-tmp"
    worker_tmp.mkdir()
    proc = start_worker(redis_server.url, worker_data_dir, env={"TMPDIR": str(worker_tmp)})
    try:
        queued = await job_queue.enqueue(
            "render", {"storyboard_id": board.id, "n_variants": 3}, request_key="r-cancel", requester="U1"
        )
        async for event in job_queue.follow(queued.job_id, min_interval_s=0):
            assert not event.terminal, event
            if event.stage == "render" and event.fraction > 0.02:
                break
        work = worker_data_dir / "work" / queued.job_id  # this job's attempt folders
        assert any(worker_tmp.iterdir()) or any(work.iterdir())  # the render is writing its work files
        asked = time.monotonic()
        assert await job_queue.cancel(queued.job_id)
        final = await job_queue.wait(queued.job_id, timeout_s=15)
        stopped_in = time.monotonic() - asked
        assert final.state == "cancelled"
        assert stopped_in < 5, stopped_in
        assert _store(worker_data_dir).list(f"runs/{board.id}/variants") == []
        assert [p.name for p in worker_tmp.iterdir()] == []  # partial files removed
        assert not work.exists() or [p.name for p in work.iterdir()] == []
    finally:
        stop_worker(proc, kill=True)


async def test_twenty_conversations_at_once_keep_their_files_apart(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path
) -> None:
    workers = [start_worker(redis_server.url, worker_data_dir) for _ in range(2)]
    try:
        queued = await asyncio.gather(
            *(
                job_queue.enqueue(
                    "storyboard",
                    {"brief": _brief(product).model_dump(mode="json"), "seed": i},
                    request_key=f"slack:C{i}:t{i}:storyboard",
                    requester=f"U{i}",
                )
                for i, product in enumerate(PRODUCTS)
            )
        )
        finals = await asyncio.gather(*(job_queue.wait(q.job_id, timeout_s=170) for q in queued))
        assert [f.state for f in finals] == ["done"] * 20, [f.error for f in finals if f.state != "done"]
        store = _store(worker_data_dir)
        ids = [f.result["storyboard_id"] for f in finals if f.result]
        assert len(set(ids)) == 20
        for product, sb_id in zip(PRODUCTS, ids, strict=True):
            board = Storyboard.model_validate_json(store.get_bytes(f"runs/{sb_id}/storyboard.json"))
            assert board.id == sb_id and board.plan.brief.product == product
            files = store.list(f"runs/{sb_id}")
            assert all(p.image in files for p in board.panels) and board.sheet in files
        run_folders = {key.split("/")[1] for key in store.list("runs")}
        assert run_folders == set(ids)  # nothing written anywhere else
    finally:
        for proc in workers:
            stop_worker(proc, kill=True)


async def test_another_requesters_render_starts_before_a_burst_of_ten(
    job_queue: JobQueue, worker: subprocess.Popen[bytes], worker_data_dir: Path
) -> None:
    busy_board = await asyncio.to_thread(_board, worker_data_dir, "Solar lamp")
    other_board = await asyncio.to_thread(_board, worker_data_dir, "Jazz vinyl")
    burst = [
        await job_queue.enqueue(
            "render", {"storyboard_id": busy_board.id}, request_key=f"busy-render-{i}", requester="U-busy"
        )
        for i in range(10)
    ]
    assert [b.position for b in burst] == list(range(10))
    other = await job_queue.enqueue(
        "render", {"storyboard_id": other_board.id}, request_key="other-1", requester="U-other"
    )
    assert other.position == 1  # behind the burst's running render only
    done = await job_queue.wait(other.job_id, timeout_s=150)
    assert done.state == "done", done.error
    assert (await job_queue.wait(burst[0].job_id, timeout_s=150)).state == "done"
    started_other = await _started(job_queue, other.job_id)
    second_of_burst = await job_queue.latest(burst[1].job_id)
    assert second_of_burst is not None
    if second_of_burst.state != "queued":
        assert started_other < await _started(job_queue, burst[1].job_id)
    for job in burst[1:]:
        await job_queue.cancel(job.job_id)
    finals = await asyncio.gather(*(job_queue.wait(b.job_id, timeout_s=60) for b in burst[1:]))
    assert all(f.terminal for f in finals)
