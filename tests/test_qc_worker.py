"""The planted bad take through a real worker: a ``cutroom worker`` process whose image engine
(``qc-flaky``, registered through CUTROOM_BACKEND_MODULES) gets shot 2 wrong once. The render
job retakes it, keeps take 2, and the stored manifest and the job's result record both takes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cutroom.core.backends import Backends
from cutroom.core.models import Brief
from cutroom.core.qc.models import QcReport
from cutroom.jobs.queue import JobQueue
from cutroom.storage.artifacts import LocalArtifactStore
from tests.support.qc_fakes import BAD_SHOT
from tests.support.redis_server import RedisServer
from tests.support.workers import job_queue, start_worker, stop_worker, worker_data_dir

__all__ = ["job_queue", "worker_data_dir"]  # fixtures used below

pytestmark = pytest.mark.slow


async def test_a_worker_retakes_the_planted_bad_shot(
    job_queue: JobQueue, redis_server: RedisServer, worker_data_dir: Path
) -> None:
    from cutroom.core.pipeline import make_storyboard

    store = LocalArtifactStore(worker_data_dir / "artifacts")
    brief = Brief(
        product="Glow serum",
        audience="busy parents",
        tone=["warm"],
        duration_s=15,
        aspect_ratios=["9:16"],
        call_to_action="Order now",
    )
    board = make_storyboard(brief, store, backends=Backends.embedded(), seed=4, fps=12)
    proc = start_worker(
        redis_server.url,
        worker_data_dir,
        env={"CUTROOM_BACKEND_MODULES": "tests.support.qc_fakes", "CUTROOM_IMAGE_BACKEND": "qc-flaky"},
    )
    try:
        queued = await job_queue.enqueue(
            "render", {"storyboard_id": board.id, "n_variants": 1}, request_key="qc:render", requester="U1"
        )
        final = await job_queue.wait(queued.job_id, timeout_s=170)
        assert final.state == "done", final.error
    finally:
        stop_worker(proc, kill=True)
    assert final.result is not None
    (variant,) = final.result["variants"]
    report = QcReport.model_validate(variant["qc"])
    shot = report.shots[BAD_SHOT - 1]
    assert [t.take for t in shot.takes] == [1, 2] and shot.takes[1].kept and shot.takes[0].failed
    assert report.retaken == [BAD_SHOT]
    manifest = json.loads(store.get_bytes(variant["manifest"]))
    assert QcReport.model_validate(manifest["qc"]).shots[BAD_SHOT - 1].takes[1].kept
