"""The playground with Redis configured: the same page, the work done by a real `cutroom worker`.

A real redis-server and a worker process (tests/support/workers.py) share the artifact folder
with the playground; progress comes from the worker's events.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from gradio_client import Client

from cutroom.playground.app import serving
from cutroom.playground.services import QueueRunner
from tests.support.redis_server import RedisServer
from tests.support.workers import worker, worker_data_dir  # noqa: F401  (fixtures)
from tests.test_playground import FORM, ffprobe, free_port, gallery_paths, quick_settings, table


@pytest.mark.slow
def test_storyboard_edit_redo_and_render_go_through_the_workers(
    redis_server: RedisServer,
    worker: subprocess.Popen[bytes],  # noqa: F811
    worker_data_dir: Path,  # noqa: F811
) -> None:
    settings = quick_settings(worker_data_dir, redis_url=redis_server.url)
    with serving(settings, host="127.0.0.1", port=free_port()) as (demo, url):
        client = Client(url, verbose=False)
        gallery, shots, status, *_ = client.predict(
            **FORM, logo=None, character_refs=None, product_refs=None, api_name="/storyboard"
        )
        rows = shots["data"] if isinstance(shots, dict) else shots
        assert "v1" in status and len(gallery_paths(gallery)) == len(rows)

        edited = [list(r) for r in rows]
        edited[0][4] = "Meet your glow"
        _g, table2, status2, *_ = client.predict(table(edited), api_name="/apply_edits")
        rows2 = table2["data"] if isinstance(table2, dict) else table2
        assert rows2[0][4] == "Meet your glow", "the worker drew the edited plan"
        assert "v2" in status2

        _g, _t, status3, *_ = client.predict(2, api_name="/redo_scene")
        assert "Scene 2 redrawn" in status3

        result = client.predict(["9:16"], 1, api_name="/approve")
        assert "variant(s) ready" in result[-1]
        video = result[0]["value"]
        path = Path(video["video"] if isinstance(video, dict) else video)
        info = ffprobe(path)
        assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
        assert float(info["format"]["duration"]) == pytest.approx(15, abs=0.3)

    # Every step was a job on the queue, asked for by this visitor's own session.
    import redis

    r = redis.Redis.from_url(redis_server.url)
    records = [json.loads(r.get(key)) for key in r.scan_iter("cutroom:job:*")]
    r.close()
    assert sorted({rec["kind"] for rec in records}) == ["redo_scene", "render", "storyboard"]
    assert {rec["requester"] for rec in records} == {f"playground:{client.session_hash}"}


def test_the_runner_is_picked_from_settings(tmp_path: Path) -> None:
    from cutroom.playground.app import make_runner
    from cutroom.playground.services import InProcessRunner

    assert isinstance(make_runner(quick_settings(tmp_path)), InProcessRunner)
    queued = make_runner(quick_settings(tmp_path, redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(queued, QueueRunner)
