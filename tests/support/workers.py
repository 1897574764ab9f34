"""Real worker processes for tests, and a ready ``JobQueue``.

Usage from any test module (Slack, Discord, playground, jobs)::

    from tests.support.workers import job_queue, worker, start_worker, stop_worker  # noqa: F401 (fixtures)

    async def test_something(job_queue, worker):       # worker: a running `cutroom worker` process
        queued = await job_queue.enqueue("ping", {"echo": 1}, request_key="r1", requester="u1")
        assert (await job_queue.wait(queued.job_id, timeout_s=30)).state == "done"

``worker`` and ``job_queue`` use the ``redis_server`` fixture of tests/conftest.py and a data
folder (artifacts, shot cache) under the test's tmp_path, given to both as ``worker_data_dir``.
For more workers, custom settings or a kill -9, call ``start_worker`` yourself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import RedisServer

REPO = Path(__file__).resolve().parents[2]

#: Settings that make workers quick to notice things in tests (all overridable through ``env``).
FAST_ENV = {
    "CUTROOM_WORKER_POLL_DELAY_S": "0.05",
    "CUTROOM_PROGRESS_INTERVAL_S": "0.2",
    "CUTROOM_JOB_LEASE_S": "3",
    "CUTROOM_RETRY_BASE_S": "0.2",
    "CUTROOM_FPS": "12",
    "CUTROOM_RENDER_SCALE": "0.1667",  # 180x320 for 9:16
    "CUTROOM_RENDER_WORKERS": "1",  # variants one after another, in the worker process
    "CUTROOM_ENCODER_PRESET": "ultrafast",
    "HF_HUB_OFFLINE": "1",
    "PYTHONUNBUFFERED": "1",
}


def worker_env(redis_url: str, data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a test worker runs with: this Redis, this data folder, fast beats."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("CUTROOM_") and k != "REDIS_URL"}
    full.update(FAST_ENV)
    full.update({"REDIS_URL": redis_url, "CUTROOM_DATA_DIR": str(data_dir)})
    full.update(env or {})
    return full


def start_worker(
    redis_url: str,
    data_dir: Path,
    *,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    args: list[str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``cutroom worker`` in its own process (and process group) and wait until it polls.

    Its output goes to ``log_path`` (default ``data_dir/worker-<n>.log``), handy when a test fails.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    if log_path is None:
        n = len(list(data_dir.glob("worker-*.log")))
        log_path = data_dir / f"worker-{n}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cutroom.cli import main; main()", "worker", *(args or [])],
        cwd=REPO,
        env=worker_env(redis_url, data_dir, env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    proc.log_path = log_path  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"worker exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}"
            )
        if b"Starting worker for" in log_path.read_bytes() or b"ready:" in log_path.read_bytes():
            return proc
        time.sleep(0.05)
    stop_worker(proc, kill=True)
    raise RuntimeError(f"worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")


def stop_worker(proc: subprocess.Popen[bytes], *, kill: bool = False, timeout_s: float = 20) -> None:
    """SIGTERM (arq re-queues a running job) or, with ``kill``, SIGKILL as a crash would."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def worker_log(proc: subprocess.Popen[bytes]) -> str:
    path: Path = proc.log_path  # type: ignore[attr-defined]
    return path.read_text(errors="replace")


@pytest.fixture
def worker_data_dir(tmp_path: Path) -> Path:
    """The data folder (artifacts under ``artifacts/``) shared by the test and its workers."""
    path = tmp_path / "data"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def worker(redis_server: RedisServer, worker_data_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """One running worker process with the fast test settings; stopped after the test."""
    proc = start_worker(redis_server.url, worker_data_dir)
    yield proc
    stop_worker(proc, kill=True)


@pytest.fixture
async def job_queue(redis_server: RedisServer) -> AsyncIterator[object]:
    """A connected ``jobs.queue.JobQueue`` on the test's Redis (cap: one running job per requester)."""
    from cutroom.jobs.queue import JobQueue

    queue = await JobQueue.connect(redis_server.url, max_running_per_requester=1)
    yield queue
    await queue.close()
