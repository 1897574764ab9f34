"""SessionStore and DeliveryLog against a real redis-server (AOF on), restarts included."""

from __future__ import annotations

import asyncio
import json

import pytest

from cutroom.core.models import Brief
from cutroom.storage.state import (
    SCHEMA_VERSION,
    SESSION_INDEX,
    SESSION_PREFIX,
    DeliveryLog,
    JobRef,
    Session,
    SessionKey,
    SessionStore,
)
from tests.support.redis_server import RedisServer


def _key(thread: str = "1700000000.0001") -> SessionKey:
    return SessionKey(platform="slack", channel="C0ADS", thread=thread)


async def test_session_round_trip_and_find_by_stage(redis_server: RedisServer) -> None:
    store = SessionStore.from_url(redis_server.url)
    try:
        assert await store.get(_key()) is None
        first = Session(key=_key("t1"), requester="U1", stage="collecting", brief=Brief(product="Glow serum"))
        second = Session(
            key=_key("t2"), requester="U2", stage="rendering", jobs=[JobRef(job_id="render-1", kind="render")]
        )
        third = Session(
            key=SessionKey(platform="discord", channel="G1/C2", thread="99"),
            requester="D1",
            stage="rendering",
        )
        for session in (first, second, third):
            await store.put(session)

        loaded = await store.get(_key("t1"))
        assert loaded is not None
        assert loaded.brief is not None and loaded.brief.product == "Glow serum"
        assert loaded.schema_version == SCHEMA_VERSION
        rendering = await store.find(stage="rendering")
        assert sorted(s.key.thread for s in rendering) == ["99", "t2"]
        assert [s.key.thread for s in await store.find(stage="rendering", platform="slack")] == ["t2"]
        assert len(await store.find()) == 3

        await store.delete(_key("t1"))
        assert await store.get(_key("t1")) is None
        assert len(await store.find()) == 2
    finally:
        await store.close()


async def test_old_records_are_migrated_and_newer_ones_refused(redis_server: RedisServer) -> None:
    store = SessionStore.from_url(redis_server.url)
    try:
        # A record from before schema versions: the key as one string, no requester, no version.
        legacy = {"key": "slack:C0ADS:t-old", "stage": "awaiting_approval", "storyboard_id": "sb_1"}
        await store.redis.set(SESSION_PREFIX + "slack:C0ADS:t-old", json.dumps(legacy))
        await store.redis.sadd(SESSION_INDEX, "slack:C0ADS:t-old")
        session = await store.get(_key("t-old"))
        assert session is not None
        assert session.key == _key("t-old")
        assert session.stage == "awaiting_approval" and session.storyboard_id == "sb_1"
        assert session.schema_version == SCHEMA_VERSION
        assert [s.key.thread for s in await store.find(stage="awaiting_approval")] == ["t-old"]

        future = Session(key=_key("t-new"), requester="U1").model_dump(mode="json")
        future["schema_version"] = SCHEMA_VERSION + 1
        await store.redis.set(SESSION_PREFIX + "slack:C0ADS:t-new", json.dumps(future))
        with pytest.raises(ValueError, match="newer Cutroom"):
            await store.get(_key("t-new"))
    finally:
        await store.close()


async def test_lock_keeps_concurrent_updates(redis_server: RedisServer) -> None:
    """Two bot processes handling one thread: read-change-write under the lock loses nothing."""
    stores = [SessionStore.from_url(redis_server.url) for _ in range(2)]
    try:
        await stores[0].put(Session(key=_key(), requester="U1"))

        async def bump(store: SessionStore) -> None:
            async with store.lock(_key()):
                session = await store.get(_key())
                assert session is not None
                await asyncio.sleep(0.001)
                session.question_rounds += 1
                await store.put(session)

        await asyncio.gather(*(bump(stores[i % 2]) for i in range(20)))
        final = await stores[1].get(_key())
        assert final is not None and final.question_rounds == 20

        def add_approver(session: Session | None) -> Session | None:
            assert session is not None
            session.approvers.append(f"A{len(session.approvers)}")
            return session

        await asyncio.gather(*(stores[i % 2].update(_key(), add_approver) for i in range(10)))
        final = await stores[0].get(_key())
        assert final is not None and final.approvers == [f"A{i}" for i in range(10)]
        assert await stores[0].update(_key("nobody"), lambda s: s) is None
    finally:
        for store in stores:
            await store.close()


async def test_redis_restart_mid_conversation_loses_no_session(redis_server: RedisServer) -> None:
    store = SessionStore.from_url(redis_server.url)
    deliveries = DeliveryLog.from_url(redis_server.url)
    try:
        session = Session(key=_key(), requester="U1", stage="collecting", brief=Brief(product="Trail shoes"))
        await store.put(session)
        assert await deliveries.claim("slack:C0ADS:t:storyboard:1")
        await deliveries.done("slack:C0ADS:t:storyboard:1", "1700000000.0002")

        redis_server.restart()  # graceful: SIGTERM, then start on the same port and data
        again = await store.get(_key())  # the same client reconnects by itself
        assert again is not None and again.stage == "collecting" and again.brief is not None
        again.stage = "awaiting_approval"
        again.storyboard_id = "sb_abc"
        await store.put(again)

        redis_server.stop(kill=True)  # a crash: SIGKILL, nothing flushed on the way out
        redis_server.start()
        after_crash = await store.get(_key())
        assert after_crash is not None
        assert after_crash.stage == "awaiting_approval" and after_crash.storyboard_id == "sb_abc"
        assert [s.key for s in await store.find(stage="awaiting_approval")] == [_key()]
        assert await deliveries.is_done("slack:C0ADS:t:storyboard:1") == "1700000000.0002"
        assert not await deliveries.claim("slack:C0ADS:t:storyboard:1")
    finally:
        await store.close()
        await deliveries.close()


async def test_delivery_claimed_by_exactly_one(redis_server: RedisServer) -> None:
    logs = [DeliveryLog.from_url(redis_server.url) for _ in range(3)]
    try:
        key = "slack:C0ADS:t:variant:v_1"
        wins = await asyncio.gather(*(logs[i % 3].claim(key) for i in range(30)))
        assert sum(wins) == 1
        assert await logs[0].is_done(key) is None
        await logs[1].done(key, "msg-42")
        assert await logs[2].is_done(key) == "msg-42"
        assert not await logs[0].claim(key)
        assert await logs[0].wait_done(key, timeout_s=0.1) == "msg-42"
    finally:
        for log in logs:
            await log.close()


async def test_a_dead_claimers_lease_runs_out(redis_server: RedisServer) -> None:
    log = DeliveryLog.from_url(redis_server.url)
    try:
        key = "discord:G1/C2:99:variant:v_2"
        assert await log.claim(key, lease_s=0.3)  # this holder "dies" without calling done
        assert not await log.claim(key)
        await asyncio.sleep(0.45)
        assert await log.claim(key, lease_s=5)  # another bot takes over
        await log.release(key)  # its post failed: give the claim back at once
        assert await log.claim(key)
        await log.done(key, "m-1")
        await log.release(key)  # a release after done changes nothing
        assert await log.is_done(key) == "m-1"
    finally:
        await log.close()
