"""Which message is what: the index from a posted message to its conversation and role.

A reaction or a button press names only a message id; the index turns it back into the
session it belongs to and what the message is (a storyboard, a video, a status line, a
request). Kept in Redis beside the sessions, with a long expiry.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from cutroom.storage.state import SessionKey

#: How long a posted message stays answerable (reactions on a three-month-old storyboard).
INDEX_TTL_S = 90 * 24 * 3600


class MessageRef(BaseModel):
    """What a message the engine posted is for, so a reaction on it finds its session."""

    session: SessionKey
    role: str = Field(description="storyboard | variant | status")
    ref: str = Field(description="storyboard id, variant id or job id")
    by: str = Field(default="", description="Who wrote it (requests): only a decider's message is one.")


class MessageIndex:
    """Message id -> ``MessageRef``, per platform and channel."""

    def __init__(self, redis: Redis, *, prefix: str, ttl_s: int = INDEX_TTL_S) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = ttl_s

    def _key(self, platform: str, channel: str, message_id: str) -> str:
        return f"{self.prefix}:msg:{platform}:{channel}:{message_id}"

    async def remember(self, key: SessionKey, message_id: str, role: str, ref: str, *, by: str = "") -> None:
        ref_json = MessageRef(session=key, role=role, ref=ref, by=by).model_dump_json()
        await self.redis.set(self._key(key.platform, key.channel, message_id), ref_json, ex=self.ttl_s)

    async def lookup(self, platform: str, channel: str, message_id: str) -> MessageRef | None:
        raw = await self.redis.get(self._key(platform, channel, message_id))
        return MessageRef.model_validate_json(raw) if raw else None
