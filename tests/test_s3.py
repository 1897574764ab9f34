"""S3ArtifactStore against a real S3-compatible server on loopback (moto's server mode)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from cutroom.core.errors import InputError
from cutroom.core.store import ArtifactStore
from cutroom.storage.artifacts import open_store
from cutroom.storage.s3 import S3ArtifactStore
from tests.support.redis_server import free_port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def store(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3ArtifactStore:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bucket = f"cutroom-{time.monotonic_ns()}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    opened = open_store(f"s3://{bucket}/team-a", endpoint_url=s3_endpoint)
    assert isinstance(opened, S3ArtifactStore)
    return opened


def test_round_trip_list_and_delete(store: S3ArtifactStore, tmp_path: Path) -> None:
    assert isinstance(store, ArtifactStore)
    assert store.put_bytes("runs/sb_1/plan.json", b'{"a": 1}') == "runs/sb_1/plan.json"
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00" * 300_000)
    store.put_file("runs/sb_1/variants/v1/video.mp4", video)
    store.put_bytes("runs/sb_10/plan.json", b"other")

    assert store.get_bytes("runs/sb_1/plan.json") == b'{"a": 1}'
    assert store.exists("runs/sb_1/variants/v1/video.mp4")
    assert not store.exists("runs/sb_1/missing.png")
    assert store.list("runs/sb_1") == ["runs/sb_1/plan.json", "runs/sb_1/variants/v1/video.mp4"]
    copy = store.fetch("runs/sb_1/variants/v1/video.mp4", tmp_path / "copy" / "video.mp4")
    assert copy.read_bytes() == video.read_bytes()

    # The prefix keeps teams apart inside one bucket.
    raw = store.client.list_objects_v2(Bucket=store.bucket)["Contents"]
    assert all(item["Key"].startswith("team-a/") for item in raw)

    assert store.delete_prefix("runs/sb_1") == 2
    assert store.list("runs/sb_1") == []
    assert store.list("runs/sb_10") == ["runs/sb_10/plan.json"]
    with pytest.raises(FileNotFoundError):
        store.get_bytes("runs/sb_1/plan.json")


def test_keys_cannot_escape(store: S3ArtifactStore) -> None:
    with pytest.raises(InputError):
        store.put_bytes("../other-team/x.png", b"x")
    with pytest.raises(InputError):
        S3ArtifactStore.from_url("https://bucket/prefix")


def test_presigned_url_works_and_carries_its_expiry(store: S3ArtifactStore) -> None:
    """moto serves presigned links but does not enforce their expiry (real S3 and MinIO do), so
    the expiry is checked where S3 reads it: the signed X-Amz-Date and X-Amz-Expires."""
    from datetime import UTC, datetime
    from urllib.parse import parse_qs, urlparse

    store.put_bytes("runs/sb_2/sheet.png", b"\x89PNG fake", content_type="image/png")
    link = store.url("runs/sb_2/sheet.png", expires_s=600)
    response = httpx.get(link)
    assert response.status_code == 200
    assert response.content == b"\x89PNG fake"
    assert response.headers["content-type"] == "image/png"

    query = parse_qs(urlparse(link).query)
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 60
    assert query["X-Amz-Expires"] == ["600"]
    assert "X-Amz-Signature" in query
    # S3 refuses links valid for more than 7 days, so longer requests are clamped, not broken.
    week = parse_qs(urlparse(store.url("runs/sb_2/sheet.png", expires_s=30 * 24 * 3600)).query)
    assert week["X-Amz-Expires"] == [str(7 * 24 * 3600)]
    # A link to a missing object is refused.
    assert httpx.get(store.url("runs/sb_2/nothing.png")).status_code == 404


def test_keyframes_for_luma_are_published_on_the_custom_endpoint(store: S3ArtifactStore, s3_endpoint: str) -> None:
    """CUTROOM_S3_ENDPOINT_URL reaches the keyframe publisher: the signed link Luma fetches is on that server."""
    from cutroom.core.clips.backend import _publishers
    from cutroom.storage import tasks  # noqa: F401  (registers the s3 publisher)

    publish = _publishers["s3"](f"s3://{store.bucket}/team-a", endpoint_url=s3_endpoint)
    link = publish("clips/keyframes/abc.png", b"\x89PNG keyframe")
    assert link.startswith(s3_endpoint + "/")
    assert httpx.get(link).content == b"\x89PNG keyframe"
