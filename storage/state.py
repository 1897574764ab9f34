"""Conversation and job state: durable across restarts of bots, workers and Redis.

The models live here; the Redis-backed stores are implemented below them. Every record
carries ``schema_version`` so an older record is migrated on read, never misread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cutroom.core.models import Brief, Plan

SCHEMA_VERSION = 1

log = logging.getLogger(__name__)

Stage = Literal[
    "idle",
    "collecting",
    "storyboarding",
    "awaiting_approval",
    "rendering",
    "delivered",
    "cancelled",
    "failed",
]


def _now() -> datetime:
    return datetime.now(UTC)


class SessionKey(BaseModel):
    """Where a conversation lives: (platform, channel or guild/channel, thread)."""

    platform: str
    channel: str
    thread: str

    def as_str(self) -> str:
        return f"{self.platform}:{self.channel}:{self.thread}"


class JobRef(BaseModel):
    job_id: str
    kind: str
    status_message: str | None = Field(
        default=None, description="Platform id of the message edited with progress."
    )
    state: str = "queued"


class Proposal(BaseModel):
    """A change to the brief by someone who cannot decide, kept until a decider agrees to it."""

    brief: Brief
    by: str = Field(description="Who suggested it (platform user id).")
    by_name: str = ""
    changes: str = Field(description="The change in words, as the thread was told.")
    base: str = Field(description="Digest of the brief it was made from: a brief changed since voids it.")
    message: str | None = Field(default=None, description="Platform id of the message that offers it.")


class Session(BaseModel):
    """One request's conversation: what was asked, what was made, who may decide."""

    schema_version: int = SCHEMA_VERSION
    key: SessionKey
    stage: Stage = "idle"
    requester: str
    approvers: list[str] = Field(default_factory=list)
    brief: Brief | None = None
    plan: Plan | None = None
    storyboard_id: str | None = None
    storyboard_version: int = 0
    storyboard_message: str | None = Field(default=None, description="Platform id of the posted storyboard.")
    question_rounds: int = 0
    jobs: list[JobRef] = Field(default_factory=list)
    variants: list[dict[str, Any]] = Field(default_factory=list)
    variant_messages: dict[str, str] = Field(
        default_factory=dict, description="Variant id -> platform message id."
    )
    notified: list[str] = Field(
        default_factory=list, description="One-time notes already sent (e.g. unauthorized:<user>)."
    )
    proposal: Proposal | None = Field(
        default=None, description="A change suggested by someone who cannot decide, not applied yet."
    )
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


# ── Redis-backed stores ────────────────────────────────────────────────────────────────
#
# Durability comes from Redis persistence: run Redis with ``appendonly yes`` (``cutroom up``
# does for its embedded Redis; ``appendfsync everysec`` loses at most a second on a crash).
# Clients reconnect and retry on a dropped connection, so a Redis restart in the middle of a
# conversation costs a short pause, not a session.

SESSION_PREFIX = "cutroom:session:"
SESSION_INDEX = "cutroom:sessions"
DELIVERY_PREFIX = "cutroom:delivery:"


def connect_redis(url: str) -> Redis:
    """A client that rides out a Redis restart: reconnect and retry for about ten seconds."""
    return Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=20),
        retry_on_error=[RedisConnectionError, RedisTimeoutError, ConnectionResetError, OSError],
        health_check_interval=30,
    )


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Records from before versioning stored the key as one "platform:channel:thread" string."""
    key = data.get("key")
    if isinstance(key, str):
        platform, channel, thread = (key.split(":", 2) + ["", ""])[:3]
        data["key"] = {"platform": platform, "channel": channel, "thread": thread}
    data.setdefault("requester", "")
    return data


#: ``from_version -> function`` turning a record of that version into the next one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_0_to_1}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored record up to ``SCHEMA_VERSION``, one step at a time."""
    version = int(data.get("schema_version", 0))
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"This session was written by a newer Cutroom (schema {version}); upgrade this process."
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](dict(data))
        version += 1
        data["schema_version"] = version
    return data


class SessionStore:
    """Conversation sessions in Redis, one JSON record per (platform, channel, thread).

    Writers that read, change and write a session hold ``lock(key)`` around it, so two bot
    processes handling events of one thread never overwrite each other's changes.
    """

    def __init__(self, redis: Redis, *, lock_timeout_s: float = 30.0) -> None:
        self.redis = redis
        #: How long a held lock outlives a holder that stopped renewing it (a crash).
        self.lock_timeout_s = lock_timeout_s

    @classmethod
    def from_url(cls, url: str) -> SessionStore:
        return cls(connect_redis(url))

    async def close(self) -> None:
        await self.redis.aclose()

    @staticmethod
    def _key(key: SessionKey) -> str:
        return SESSION_PREFIX + key.as_str()

    async def get(self, key: SessionKey) -> Session | None:
        raw = await self.redis.get(self._key(key))
        return None if raw is None else self._load(raw)

    async def put(self, session: Session) -> None:
        session.updated_at = _now()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(session.key), session.model_dump_json())
            pipe.sadd(SESSION_INDEX, session.key.as_str())
            await pipe.execute()

    async def delete(self, key: SessionKey) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(key))
            pipe.srem(SESSION_INDEX, key.as_str())
            await pipe.execute()

    async def find(self, stage: Stage | None = None, *, platform: str | None = None) -> list[Session]:
        """Sessions in ``stage`` (all when None), e.g. those still rendering after a restart."""
        names = sorted(
            n.decode() if isinstance(n, bytes) else n
            for n in await self.redis.smembers(SESSION_INDEX)  # type: ignore[misc]
        )
        found: list[Session] = []
        for start in range(0, len(names), 200):
            chunk = names[start : start + 200]
            for raw in await self.redis.mget([SESSION_PREFIX + n for n in chunk]):
                if raw is None:
                    continue
                session = self._load(raw)
                if (stage is None or session.stage == stage) and (
                    platform is None or session.key.platform == platform
                ):
                    found.append(session)
        return found

    @contextlib.asynccontextmanager
    async def lock(
        self, key: SessionKey, *, timeout_s: float | None = None, wait_s: float = 30.0
    ) -> AsyncIterator[None]:
        """Hold the session's lock for as long as the body runs.

        The lock expires ``timeout_s`` after its holder's last sign of life, so a crashed holder
        frees it; a live holder renews it every third of that (``_keep_alive``), so slow work
        under the lock (reading a long thread at Slack's pace, a hosted model's answer) never
        lets a second writer in half way.
        """
        ttl = timeout_s if timeout_s is not None else self.lock_timeout_s
        lock = Lock(
            self.redis, f"cutroom:lock:session:{key.as_str()}", timeout=ttl, blocking_timeout=wait_s
        )
        if not await lock.acquire():
            raise TimeoutError(f"session {key.as_str()} is busy")
        renewer = asyncio.create_task(self._keep_alive(lock, ttl, key), name=f"lock:{key.as_str()}")
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(BaseException):
                await renewer
            with contextlib.suppress(Exception):
                await lock.release()

    @staticmethod
    async def _keep_alive(lock: Lock, ttl: float, key: SessionKey) -> None:
        """Reset the lock's time to live every ``ttl / 3`` while its holder works."""
        while True:
            await asyncio.sleep(ttl / 3)
            try:
                await lock.reacquire()
            except LockError:
                log.error("the lock of session %s was lost while held; its holder may overwrite", key.as_str())
                return
            except (RedisConnectionError, RedisTimeoutError, OSError) as err:
                log.warning("could not renew the lock of session %s (%s); trying again", key.as_str(), err)

    async def update(
        self, key: SessionKey, change: Callable[[Session | None], Session | None]
    ) -> Session | None:
        """Read, change and write one session under its lock. ``change`` returns the new session, or None to skip."""
        async with self.lock(key):
            new = change(await self.get(key))
            if new is not None:
                await self.put(new)
            return new

    @staticmethod
    def _load(raw: bytes | str) -> Session:
        return Session.model_validate(migrate(json.loads(raw)))


class DeliveryLog:
    """Exactly-once posting: whoever ``claim``s a key posts, then records ``done`` with what it posted.

    A claim is a lease: if its holder dies before ``done``, the key becomes claimable again
    after ``lease_s`` and another bot process posts instead. Keys name the thing delivered and
    where, e.g. ``slack:C1:1700.1:variant:v_ab12``.
    """

    def __init__(self, redis: Redis, *, keep_s: int = 30 * 24 * 3600) -> None:
        self.redis = redis
        self.keep_s = keep_s

    @classmethod
    def from_url(cls, url: str) -> DeliveryLog:
        return cls(connect_redis(url))

    async def close(self) -> None:
        await self.redis.aclose()

    async def claim(self, key: str, *, lease_s: float = 120) -> bool:
        """True for exactly one caller until the lease runs out; False once done."""
        token = "claim:" + secrets.token_hex(8)
        return bool(
            await self.redis.set(DELIVERY_PREFIX + key, token, nx=True, px=max(1, int(lease_s * 1000)))
        )

    async def done(self, key: str, ref: str) -> None:
        """Record that ``key`` was delivered as ``ref`` (e.g. the posted message id)."""
        await self.redis.set(DELIVERY_PREFIX + key, "done:" + ref, ex=self.keep_s)

    async def release(self, key: str) -> None:
        """Give a claim back after a failed post so another attempt may go ahead at once."""
        raw = await self.redis.get(DELIVERY_PREFIX + key)
        if raw is not None and not _text(raw).startswith("done:"):
            await self.redis.delete(DELIVERY_PREFIX + key)

    async def is_done(self, key: str) -> str | None:
        raw = await self.redis.get(DELIVERY_PREFIX + key)
        text = None if raw is None else _text(raw)
        return text.removeprefix("done:") if text is not None and text.startswith("done:") else None

    async def wait_done(self, key: str, *, timeout_s: float, poll_s: float = 0.2) -> str | None:
        """The ref once someone else's claim is done; None if it is still not done after ``timeout_s``."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            ref = await self.is_done(key)
            if ref is not None or asyncio.get_running_loop().time() >= deadline:
                return ref
            await asyncio.sleep(poll_s)


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw
