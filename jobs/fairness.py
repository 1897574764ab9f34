"""A per-requester cap on jobs in flight, so one person's burst never starves everyone else.

arq runs its queue first in, first out. Left alone, ten renders from one person would all run
before a colleague's single render. So a job reaches arq only while its requester has fewer
than ``cap`` jobs admitted (queued in arq or running); the rest wait in that requester's own
list, in order, and the next one is admitted when one of theirs finishes. A second person's
job is admitted at once and therefore sits ahead of the first person's next one.

Both steps are Lua scripts, atomic in Redis, so two bots or workers can never both take the
last slot. Admitted entries carry a lease (a deadline score) as a backstop against a slot
leaking if a job vanished without finishing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

ADMITTED_LEASE_S = 6 * 3600

_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
  return 1
end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 0
"""

_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local promoted = {}
while redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) do
  local nxt = redis.call('LPOP', KEYS[2])
  if not nxt then break end
  redis.call('ZADD', KEYS[1], ARGV[4], nxt)
  table.insert(promoted, nxt)
end
return promoted
"""


def active_key(requester: str) -> str:
    return f"cutroom:fair:active:{requester}"


def pending_key(requester: str) -> str:
    return f"cutroom:fair:pending:{requester}"


async def admit(redis: Redis, requester: str, job_id: str, *, cap: int) -> bool:
    """True if ``job_id`` may go to arq now; otherwise it is appended to the requester's waiting list."""
    now = time.time()
    result = await redis.eval(  # type: ignore[misc]
        _ADMIT,
        2,
        active_key(requester),
        pending_key(requester),
        job_id,
        str(cap),
        str(now),
        str(now + ADMITTED_LEASE_S),
    )
    return bool(result)


async def release(redis: Redis, requester: str, job_id: str, *, cap: int) -> list[str]:
    """Free ``job_id``'s slot; returns the requester's jobs admitted in its place (to enqueue in arq)."""
    now = time.time()
    promoted = await redis.eval(  # type: ignore[misc]
        _RELEASE,
        2,
        active_key(requester),
        pending_key(requester),
        job_id,
        str(cap),
        str(now),
        str(now + ADMITTED_LEASE_S),
    )
    return [p.decode() if isinstance(p, bytes) else str(p) for p in promoted or []]


async def withdraw(redis: Redis, requester: str, job_id: str) -> bool:
    """Take a job that never got past the gate off the waiting list (cancel). True if it was there."""
    return bool(await redis.lrem(pending_key(requester), 0, job_id))  # type: ignore[misc]


async def pending_index(redis: Redis, requester: str, job_id: str) -> int | None:
    """How many of the requester's own waiting jobs are ahead of ``job_id``; None if it is not waiting."""
    index = await redis.lpos(pending_key(requester), job_id)  # type: ignore[misc]
    return None if index is None else int(index)


async def running_count(redis: Redis, requester: str) -> int:
    return int(await redis.zcard(active_key(requester)))


async def reconcile(redis: Redis, *, cap: int, is_over: Callable[[str], Awaitable[bool]]) -> list[str]:
    """Free slots held by jobs that are over, and admit waiting jobs into free slots.

    Normally each job frees its own slot as it ends; this periodic sweep (a worker cron) covers
    the rare job that ended without doing so, so a requester's queue never stalls for long.
    Returns the job ids admitted, for the caller to hand to arq.
    """
    promoted: list[str] = []
    prefix = active_key("")
    async for raw in redis.scan_iter(match=prefix + "*", count=500):
        key = raw.decode() if isinstance(raw, bytes) else raw
        requester = key[len(prefix) :]
        for member in await redis.zrange(key, 0, -1):
            job_id = member.decode() if isinstance(member, bytes) else member
            if await is_over(job_id):
                promoted += await release(redis, requester, job_id, cap=cap)
    prefix = pending_key("")
    async for raw in redis.scan_iter(match=prefix + "*", count=500):
        key = raw.decode() if isinstance(raw, bytes) else raw
        promoted += await release(redis, key[len(prefix) :], "", cap=cap)
    return promoted
