"""Hosted clips fanned out over real worker processes, real Redis and the Runway SDK against its fake.

A render becomes one clip job per shot; the provider's task id is in the ledger before any
worker waits, so a worker killed with SIGKILL mid-wait costs nothing: exactly one
submission per shot reaches the provider. Cancel reaches the provider's tasks; a refused
shot is reported with its number; a worker without the engine's key does not start.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cutroom.core.backends import Backends
from cutroom.core.models import Brief, Storyboard
from cutroom.jobs.queue import JobQueue, ProgressEvent, events_key
from cutroom.storage.artifacts import LocalArtifactStore
from tests.support.fake_clips import RunwayFake
from tests.support.redis_server import RedisServer
from tests.support.workers import job_queue, start_worker, stop_worker, worker_data_dir

__all__ = ["job_queue", "worker_data_dir"]

pytestmark = pytest.mark.slow
pytest.importorskip("runwayml")


@pytest.fixture
def runway() -> Iterator[RunwayFake]:
    fake = RunwayFake().start()
    yield fake
    fake.stop()


def runway_env(fake: RunwayFake, **extra: str) -> dict[str, str]:
    return {
        "CUTROOM_CLIP_BACKEND": "runway",
        "RUNWAYML_API_SECRET": fake.api_key,
        "RUNWAYML_BASE_URL": fake.url,
        "CUTROOM_CLIP_POLL_S": "0.05",
        "CUTROOM_QC_ENABLED": "false",  # these tests count submissions; QC retakes: test_qc_*
        **extra,
    }


def make_board(data_dir: Path) -> Storyboard:
    from cutroom.core.pipeline import make_storyboard

    brief = Brief(product="Trail shoes", audience="weekend hikers", tone=["playful"], duration_s=15,
                  aspect_ratios=["9:16"], call_to_action="Order now")
    store = LocalArtifactStore(data_dir / "artifacts")
    return make_storyboard(brief, store, backends=Backends.embedded(), seed=0, fps=12)


def generated_shots(board: Storyboard) -> int:
    return sum(1 for shot in board.plan.shots if not shot.is_end_card)


async def events(queue: JobQueue, job_id: str) -> list[ProgressEvent]:
    entries = await queue.redis.xrange(events_key(job_id))
    return [ProgressEvent.model_validate_json(fields[b"e"]) for _id, fields in entries]


async def until(condition, timeout_s: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def test_a_render_fans_out_one_clip_job_per_shot_and_counts_shots(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path, runway: RunwayFake
) -> None:
    board = await asyncio.to_thread(make_board, worker_data_dir)
    procs = [start_worker(redis_server.url, worker_data_dir, env=runway_env(runway)) for _ in range(2)]
    try:
        queued = await job_queue.enqueue("render", {"storyboard_id": board.id, "n_variants": 2},
                                         request_key="r1", requester="U1")
        final = await job_queue.wait(queued.job_id, timeout_s=240)
        assert final.state == "done", final.error
        assert final.result is not None and len(final.result["variants"]) == 2
        n = generated_shots(board)
        assert len(runway.submissions) == n  # the A/B variant reused every clip
        messages = [e.message for e in await events(job_queue, queued.job_id)]
        assert any(m.endswith(f"/{n} shots") and not m.startswith(f"{n}/") for m in messages)
    finally:
        for proc in procs:
            stop_worker(proc, kill=True)


async def test_a_worker_killed_while_waiting_resumes_the_same_tasks(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path, runway: RunwayFake
) -> None:
    board = await asyncio.to_thread(make_board, worker_data_dir)
    n = generated_shots(board)
    runway.hold.set()  # every task stays RUNNING until released
    first = start_worker(redis_server.url, worker_data_dir, env=runway_env(runway))
    second: subprocess.Popen[bytes] | None = None
    try:
        queued = await job_queue.enqueue("render", {"storyboard_id": board.id}, request_key="r2", requester="U1")
        await until(lambda: len(runway.submissions) == n and all(t.polls > 0 for t in runway.tasks.values()), 120)
        stop_worker(first, kill=True)  # kill -9 while every shot waits on Runway
        second = start_worker(redis_server.url, worker_data_dir, env=runway_env(runway))
        await asyncio.sleep(1.0)
        runway.hold.clear()
        final = await job_queue.wait(queued.job_id, timeout_s=240)
        assert final.state == "done", final.error
        assert len(runway.submissions) == n  # exactly one submission per shot, across both workers
        prompts = [r.json["promptText"] for r in runway.submissions]
        assert len(set(prompts)) == n
    finally:
        stop_worker(first, kill=True)
        if second is not None:
            stop_worker(second, kill=True)


async def test_cancel_reaches_the_providers_tasks(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path, runway: RunwayFake
) -> None:
    board = await asyncio.to_thread(make_board, worker_data_dir)
    n = generated_shots(board)
    runway.hold.set()
    proc = start_worker(redis_server.url, worker_data_dir, env=runway_env(runway))
    try:
        queued = await job_queue.enqueue("render", {"storyboard_id": board.id}, request_key="r3", requester="U1")
        await until(lambda: len(runway.submissions) == n, 120)
        assert await job_queue.cancel(queued.job_id)
        final = await job_queue.wait(queued.job_id, timeout_s=60)
        assert final.state == "cancelled"
        await until(lambda: len(runway.deletes) == n, 60)
        assert {r.path.rsplit("/", 1)[-1] for r in runway.deletes} == set(runway.tasks)
    finally:
        stop_worker(proc, kill=True)


async def test_a_refused_shot_is_reported_with_its_number(
    redis_server: RedisServer, job_queue: JobQueue, worker_data_dir: Path, runway: RunwayFake
) -> None:
    board = await asyncio.to_thread(make_board, worker_data_dir)
    runway.plans.append(("queued", "refused"))  # the first submission is refused
    proc = start_worker(redis_server.url, worker_data_dir, env=runway_env(runway, CUTROOM_WORKER_MAX_JOBS="1"))
    try:
        queued = await job_queue.enqueue("render", {"storyboard_id": board.id}, request_key="r4", requester="U1")
        final = await job_queue.wait(queued.job_id, timeout_s=180)
        assert final.state == "failed" and final.error is not None
        refused_prompt = runway.submissions[0].json["promptText"]
        shot = next(s for s in board.plan.shots if refused_prompt.startswith(s.description.strip().rstrip(".")))
        assert f"Shot {shot.index} was refused" in final.error and f"Reword shot {shot.index}" in final.error
    finally:
        stop_worker(proc, kill=True)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CUTROOM_CLIP_BACKEND": "runway"}, "RUNWAYML_API_SECRET"),
        ({"CUTROOM_CLIP_BACKEND": "sora"}, "CUTROOM_CLIP_BACKEND"),
    ],
)
def test_a_worker_without_its_engine_refuses_to_start_naming_the_setting(
    redis_server: RedisServer, worker_data_dir: Path, env: dict[str, str], named: str
) -> None:
    with pytest.raises(RuntimeError) as err:
        start_worker(redis_server.url, worker_data_dir, env=env)
    assert named in str(err.value) and "not started" in str(err.value)
