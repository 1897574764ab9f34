"""Fan-out: a 6-shot ad's clips from a simulated engine of fixed latency L, on K = 1, 2, 3, 6 workers.

    .venv/bin/python bench/fanout.py [--latency 4] [--workers 1 2 3 6]

Starts its own redis-server, one ``cutroom worker`` for renders (the cpu queue, which
also assembles) and K ``cutroom worker --queue hosted --max-jobs 1`` for shot clips, all
with ``CUTROOM_CLIP_BACKEND=sim`` (``core/clips/sim.py``: every clip takes L seconds,
whichever process polls it) and ``CUTROOM_SPLIT_QUEUES=1``. Each K renders a fresh
storyboard (so nothing is reused) and reports

- wall: enqueue of the render to its done event;
- assembly: the last shot job's done event to the render's done event;
- goal: ceil(6/K)*L + assembly, plus 10 %.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(REPO)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from cutroom.core.backends import Backends  # noqa: E402
from cutroom.core.models import Brief, Plan, Storyboard  # noqa: E402
from cutroom.jobs import fanout  # noqa: E402
from cutroom.jobs.queue import JobQueue  # noqa: E402
from cutroom.storage.artifacts import LocalArtifactStore  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.workers import start_worker, stop_worker  # noqa: E402

SHOTS = 6


def six_shot_board(data_dir: Path, product: str) -> Storyboard:
    """A planned 30 s ad cut to exactly six generated shots and its end card."""
    from cutroom.core.pipeline import make_storyboard, plan

    brief = Brief(product=product, audience="weekend hikers", tone=["playful"], duration_s=30,
                  aspect_ratios=["9:16"], call_to_action="Order now")
    made = plan(brief, backends=Backends.embedded(), seed=1, fps=12)
    body = [s for s in made.shots if not s.is_end_card]
    end = [s for s in made.shots if s.is_end_card][:1]
    while len(body) < SHOTS:
        body.append(body[-1].model_copy())
    body = body[:SHOTS]
    shots = body + end
    lengths = [4.5] * SHOTS + [brief.duration_s - 4.5 * SHOTS]  # whole frames at 12 fps
    shots = [s.model_copy(update={"index": i + 1, "duration_s": d}) for i, (s, d) in enumerate(zip(shots, lengths[: len(shots)], strict=True))]
    fixed = Plan.model_validate({**made.model_dump(), "shots": [s.model_dump() for s in shots]})
    return make_storyboard(fixed, LocalArtifactStore(data_dir / "artifacts"), backends=Backends.embedded(),
                           seed=1, fps=12)


async def one_round(redis: RedisServer, data_dir: Path, k: int, latency: float) -> dict[str, float]:
    env = {"CUTROOM_CLIP_BACKEND": "sim", "CUTROOM_SIM_LATENCY_S": str(latency), "CUTROOM_SPLIT_QUEUES": "1",
           "CUTROOM_CLIP_POLL_S": "0.05", "CUTROOM_CLIP_POLL_MAX_S": "0.1", "CUTROOM_SHOT_STEAL_AFTER_S": "-1"}
    board = await asyncio.to_thread(six_shot_board, data_dir, f"Trail shoes {k}")
    procs = [start_worker(redis.url, data_dir, env=env)]
    procs += [start_worker(redis.url, data_dir, env=env, args=["--queue", "hosted", "--max-jobs", "1"]) for _ in range(k)]
    queue = await JobQueue.connect(redis.url, max_running_per_requester=1)
    try:
        started = time.time()
        queued = await queue.enqueue("render", {"storyboard_id": board.id}, request_key=f"bench-{k}", requester="B")
        final = await queue.wait(queued.job_id, timeout_s=600)
        assert final.state == "done", final.error
        payloads = fanout.shot_jobs(board, ["9:16"], "sim")
        clip_done = []
        for payload in payloads:
            event = await queue.latest(fanout.clip_job_id(payload))
            assert event is not None and event.state == "done", event
            clip_done.append(event.ts)
        wall = final.ts - started
        assembly = final.ts - max(clip_done)
        goal = (math.ceil(SHOTS / k) * latency + assembly) * 1.1
        return {"workers": k, "wall_s": round(wall, 2), "assembly_s": round(assembly, 2), "goal_s": round(goal, 2),
                "met": wall <= goal}
    finally:
        await queue.close()
        for proc in procs:
            stop_worker(proc, kill=True)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=4.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3, 6])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cutroom-fanout-") as tmp:
        redis = RedisServer(Path(tmp) / "redis").start()
        try:
            print(f"6 shots, simulated clip latency L = {args.latency:g} s")
            print("| workers K | wall (s) | assembly (s) | goal ceil(6/K)*L + assembly + 10% (s) | met |")
            print("|---|---|---|---|---|")
            for k in args.workers:
                row = await one_round(redis, Path(tmp) / f"data-{k}", k, args.latency)
                print(f"| {row['workers']} | {row['wall_s']} | {row['assembly_s']} | {row['goal_s']} | "
                      f"{'yes' if row['met'] else 'NO'} |", flush=True)
        finally:
            redis.stop(kill=True)


if __name__ == "__main__":
    asyncio.run(main())
