from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import RedisServer

# No test may reach outside hosts.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh, persistent (AOF) redis-server for this test only."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop(kill=True)
