"""Renders under load: N renders of a 30 s ad at once through the queue, against the same N one
after another, with the worker's peak memory (all its processes).

    .venv/bin/python bench/load.py [--renders 5] [--quick]

Starts its own redis-server on a free loopback port and one real ``cutroom worker`` process
with its default settings (only the data folder and Redis are its own). First it draws 2N
storyboards of the sample brief (different seeds, so no render reuses another's shots), then:

- ``one after another``: N renders, each enqueued when the previous one is done;
- ``at once``: the other N renders enqueued together, each by its own requester (so the
  per-requester cap does not serialise them: only the worker's own slots do).

Each render is one 9:16 variant of a 30 s ad at full size (1080x1920, 30 fps) unless
``--quick`` (a quarter of the size at 12 fps, for trying the script). A render's time is from
its enqueue to its "done" event; the total is from the first enqueue to the last "done".
Memory is sampled from /proc every 0.2 s: the worker and every process below it (the variant
pool, ffmpeg), as the sum of RSS and the sum of PSS (shared pages split between processes).
Goal (issue 10): at once <= 1.2x one after another, peak < 1.5 GiB.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would shadow
# the standard library's queue module: put the repository there instead.
REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(REPO)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from cutroom.jobs.queue import JobQueue  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.workers import stop_worker  # noqa: E402

GIB = 1024**3


# ── the worker and its memory ───────────────────────────────────────────────────────────


def start_default_worker(redis_url: str, data_dir: Path, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    """``cutroom worker`` with default settings: no CUTROOM_* from this environment."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUTROOM_") and k != "REDIS_URL"}
    env.update(
        {
            "REDIS_URL": redis_url,
            "CUTROOM_DATA_DIR": str(data_dir),
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(REPO),
            **extra,
        }
    )
    log_path = data_dir / "worker.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cutroom.cli import main; main()", "worker"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proc.log_path = log_path  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while log_path.read_bytes().count(b"ready for") < 2:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.1)
    return proc


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(root: int) -> list[int]:
    tree = _children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += tree.get(pid, [])
    return found


def _kib(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class MemorySampler:
    """Peak RSS and PSS sums of a process tree, sampled in a thread."""

    root: int
    interval_s: float = 0.2
    peak_rss: int = 0
    peak_pss: int = 0
    peak_processes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            pids = process_tree(self.root)
            rss = sum(_kib(f"/proc/{p}/status", "VmRSS:") for p in pids) * 1024
            pss = sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids) * 1024
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))


# ── the runs ────────────────────────────────────────────────────────────────────────────


async def make_storyboards(queue: JobQueue, n: int) -> list[str]:
    from cutroom.core.plan import sample_brief

    brief = sample_brief().model_copy(update={"duration_s": 30}).model_dump(mode="json")
    queued = [
        await queue.enqueue(
            "storyboard",
            {"brief": brief, "aspect": "9:16", "seed": seed},
            request_key=f"load-board-{seed}",
            requester=f"board-{seed}",
        )
        for seed in range(n)
    ]
    ids = []
    for q in queued:
        event = await queue.wait(q.job_id, timeout_s=1800)
        if event.state != "done" or not event.result:
            raise RuntimeError(f"storyboard failed: {event.error}")
        ids.append(event.result["storyboard_id"])
    if len(set(ids)) != n:
        raise RuntimeError("the storyboards are not all different; renders would share shots")
    return ids


async def render(queue: JobQueue, board: str, tag: str) -> float:
    """Enqueue one render and wait for it; returns enqueue-to-done seconds."""
    t0 = time.perf_counter()
    queued = await queue.enqueue(
        "render",
        {"storyboard_id": board, "aspects": ["9:16"], "n_variants": 1},
        request_key=f"load-{tag}-{board}",
        requester=f"{tag}-{board}",
    )
    event = await queue.wait(queued.job_id, timeout_s=3600)
    if event.state != "done":
        raise RuntimeError(f"render failed: {event.error}")
    return time.perf_counter() - t0


async def one_after_another(queue: JobQueue, boards: list[str]) -> tuple[list[float], float]:
    t0 = time.perf_counter()
    times = [await render(queue, board, "seq") for board in boards]
    return times, time.perf_counter() - t0


async def at_once(queue: JobQueue, boards: list[str]) -> tuple[list[float], float]:
    t0 = time.perf_counter()
    times = await asyncio.gather(*(render(queue, board, "par") for board in boards))
    return list(times), time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=5, help="N (default 5)")
    parser.add_argument("--quick", action="store_true", help="quarter-size frames at 12 fps (trying it out)")
    args = parser.parse_args()
    n = args.renders
    extra = {"CUTROOM_RENDER_SCALE": "0.25", "CUTROOM_FPS": "12"} if args.quick else {}

    work = Path(tempfile.mkdtemp(prefix="cutroom-load-"))
    redis = RedisServer(work / "redis").start()
    proc = start_default_worker(redis.url, work / "data", extra)
    ready = [line for line in Path(proc.log_path).read_text().splitlines() if "ready for" in line]  # type: ignore[attr-defined]

    async def run() -> tuple[tuple[list[float], float], tuple[list[float], float], MemorySampler, MemorySampler]:
        queue = await JobQueue.connect(redis.url, max_running_per_requester=1)
        try:
            boards = await make_storyboards(queue, 2 * n)
            with MemorySampler(proc.pid) as seq_mem:
                seq = await one_after_another(queue, boards[:n])
            with MemorySampler(proc.pid) as par_mem:
                par = await at_once(queue, boards[n:])
            return seq, par, seq_mem, par_mem
        finally:
            await queue.close()

    try:
        (seq_times, seq_total), (par_times, par_total), seq_mem, par_mem = asyncio.run(run())
    finally:
        stop_worker(proc, kill=True)
        redis.stop(kill=True)
        shutil.rmtree(work, ignore_errors=True)

    size = "270x480 at 12 fps (--quick)" if args.quick else "1080x1920 at 30 fps"
    print(f"\n{n} renders of a 30 s 9:16 ad ({size}), one `cutroom worker` with default settings,")
    print(f"{os.cpu_count()} CPUs (affinity {len(os.sched_getaffinity(0))}); worker: ")
    for line in ready:
        print("   ", line.split(": ", 1)[-1])
    print()
    print("| run | each render, enqueue to done (s) | total (s) | worker peak RSS sum | peak PSS sum | processes |")
    print("|---|---|---:|---:|---:|---:|")
    for label, times, total, mem in (
        ("one after another", seq_times, seq_total, seq_mem),
        ("at once", par_times, par_total, par_mem),
    ):
        each = ", ".join(f"{t:.1f}" for t in times)
        print(
            f"| {label} | {each} | {total:.1f} | {mem.peak_rss / GIB:.2f} GiB | {mem.peak_pss / GIB:.2f} GiB "
            f"| {mem.peak_processes} |"
        )
    ratio = par_total / seq_total
    peak = max(seq_mem.peak_pss, par_mem.peak_pss)
    print(
        f"\nat once / one after another: {ratio:.2f} (goal <= 1.2); peak PSS {peak / GIB:.2f} GiB, "
        f"RSS sum {max(seq_mem.peak_rss, par_mem.peak_rss) / GIB:.2f} GiB (goal < 1.5 GiB)"
    )


if __name__ == "__main__":
    main()
