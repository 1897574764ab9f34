"""``cutroom up`` (embedded Redis + worker) and ``cutroom worker`` as a newcomer runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cutroom.jobs.queue import JobQueue
from tests.support.redis_server import free_port
from tests.support.workers import FAST_ENV, REPO

pytestmark = pytest.mark.slow


async def test_up_starts_a_persistent_redis_and_a_worker(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUTROOM_") and k != "REDIS_URL"}
    env.update(FAST_ENV)
    env["CUTROOM_DATA_DIR"] = str(tmp_path / "data")
    log = (tmp_path / "up.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cutroom.cli import main; main()", "up", "--redis-port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 30
        while b"Embedded Redis" not in (tmp_path / "up.log").read_bytes():
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "up.log").read_text()
            time.sleep(0.05)
        queue = await JobQueue.connect(url, max_running_per_requester=1)
        try:
            queued = await queue.enqueue("ping", {"echo": "up"}, request_key="up-1", requester="newcomer")
            final = await queue.wait(queued.job_id, timeout_s=40)
            assert final.state == "done" and final.result is not None and final.result["pong"] == "up"
            assert await queue.redis.config_get("appendonly") == {"appendonly": "yes"}
            redis_dir = Path((await queue.redis.config_get("dir"))["dir"])
            assert redis_dir == (tmp_path / "data" / "redis").resolve()
        finally:
            await queue.close()
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) is not None
        # Redis and the worker went down with it, and the append-only file is on disk.
        with pytest.raises(OSError):
            __import__("socket").create_connection(("127.0.0.1", port), timeout=0.5)
        assert any((tmp_path / "data" / "redis").rglob("*.aof*")), list(
            (tmp_path / "data" / "redis").rglob("*")
        )
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_worker_without_redis_url_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUTROOM_") and k != "REDIS_URL"}
    env["CUTROOM_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", "from cutroom.cli import main; main()", "worker"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "REDIS_URL is not set" in done.stderr and "cutroom up" in done.stderr
    assert "Traceback" not in done.stderr
