"""Who may do what, where, and how often: the rules every platform shares, kept in Redis.

    channel allow-list      empty = every channel
    who may decide          the requester, plus configured approvers (user ids, group or role ids)
    dedupe                  an event id is handled once (platforms retry deliveries)
    rate limits             requests per user per minute, per workspace per minute
    render limits           renders per user per hour, renders per workspace per day (the budget)

Counters are fixed windows (INCR + EXPIRE): cheap, shared by every bot process, and reset
on their own. A refused request does not count.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from cutroom.bots.events import Actor
from cutroom.storage.state import Session

PREFIX = "cutroom:bots"


class Limits(BaseModel):
    approvers: list[str] = Field(
        default_factory=list, description="User, group or role ids that may approve."
    )
    allowed_channels: list[str] = Field(default_factory=list, description="Empty means every channel.")
    requests_per_user_per_minute: int = 6
    requests_per_workspace_per_minute: int = 60
    renders_per_user_per_hour: int = 10
    renders_per_workspace_per_day: int = 100
    dedupe_ttl_s: int = 24 * 3600

    @classmethod
    def from_settings(cls, settings: object) -> Limits:
        names = (
            "approvers",
            "allowed_channels",
            "renders_per_user_per_hour",
            "renders_per_workspace_per_day",
            "requests_per_user_per_minute",
            "requests_per_workspace_per_minute",
        )
        return cls(**{n: getattr(settings, n) for n in names if hasattr(settings, n)})


class Policy:
    def __init__(self, redis: Redis, limits: Limits) -> None:
        self.redis = redis
        self.limits = limits

    # ── where and who ──

    def channel_allowed(self, channel: str) -> bool:
        allowed = self.limits.allowed_channels
        return not allowed or channel in allowed

    def may_decide(self, session: Session, actor: Actor) -> bool:
        """The requester, or anyone named (by id or through a group/role) as an approver."""
        if actor.is_bot:
            return False
        if actor.id == session.requester:
            return True
        approvers = set(session.approvers) | set(self.limits.approvers)
        return actor.id in approvers or bool(approvers.intersection(actor.groups))

    # ── once ──

    async def first_time(self, event_id: str) -> bool:
        """True the first time an event id is seen (within a day); retried deliveries get False."""
        if not event_id:
            return True
        return bool(
            await self.redis.set(f"{PREFIX}:seen:{event_id}", b"1", nx=True, ex=self.limits.dedupe_ttl_s)
        )

    # ── how often ──

    async def admit_request(self, actor: Actor, workspace: str) -> str | None:
        """None when a new storyboard request may go ahead, else the sentence saying why not."""
        minute = int(time.time() // 60)
        return await self._take(
            [
                (
                    f"user:{actor.id}:req:{minute}",
                    self.limits.requests_per_user_per_minute,
                    60,
                    f"You've sent {self.limits.requests_per_user_per_minute} requests in the last minute. "
                    "Give it a minute and try again.",
                ),
                (
                    f"ws:{workspace}:req:{minute}",
                    self.limits.requests_per_workspace_per_minute,
                    60,
                    "This workspace is sending a lot of requests right now. Try again in a minute.",
                ),
            ]
        )

    async def admit_render(self, actor: Actor, workspace: str) -> str | None:
        """None when a render may start, else the sentence saying which limit was reached."""
        hour = int(time.time() // 3600)
        day = time.strftime("%Y%m%d", time.gmtime())
        return await self._take(
            [
                (
                    f"user:{actor.id}:render:{hour}",
                    self.limits.renders_per_user_per_hour,
                    3600,
                    f"You've started {self.limits.renders_per_user_per_hour} renders this hour, which is the limit. "
                    "It resets at the top of the hour.",
                ),
                (
                    f"ws:{workspace}:render:{day}",
                    self.limits.renders_per_workspace_per_day,
                    86400,
                    f"This workspace has used today's render budget ({self.limits.renders_per_workspace_per_day} "
                    "renders). It resets at midnight UTC; an admin can raise CUTROOM_RENDERS_PER_WORKSPACE_PER_DAY.",
                ),
            ]
        )

    async def _take(self, counters: list[tuple[str, int, int, str]]) -> str | None:
        taken: list[str] = []
        for name, limit, window_s, refusal in counters:
            key = f"{PREFIX}:count:{name}"
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, window_s + 60)
                count, _ = await pipe.execute()
            taken.append(key)
            if int(count) > limit:
                for k in taken:  # a refused request does not use up anything
                    await self.redis.decr(k)
                return refusal
        return None
