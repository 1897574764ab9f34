"""The clip task ledger on Redis, shared by every worker of a farm (``core.clips.ledger.TaskLedger``).

Keys: ``cutroom:clip:task:<key>`` (the record, JSON), ``cutroom:clip:spend:<day>`` (USD, a
float counter; ``spend:images-<day>`` is the image budget's, ``core.cost``),
``cutroom:clip:slots:<engine>`` (a sorted set of holders scored by expiry).
Importing this module registers the ``redis://`` scheme with ``core.clips.ledger.open_ledger``.
"""

from __future__ import annotations

import time

import redis

from cutroom.core.clips.ledger import TaskRecord, register_scheme

PREFIX = "cutroom:clip"
RECORD_TTL_S = 30 * 24 * 3600
SPEND_TTL_S = 40 * 24 * 3600

_RESERVE = """
local total = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[1])
if ARGV[2] ~= '' and tonumber(ARGV[1]) > 0 and total > tonumber(ARGV[2]) + 1e-9 then return nil end
redis.call('SET', KEYS[1], tostring(total), 'EX', ARGV[3])
return tostring(total)
"""
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
  return 1
end
return 0
"""


class RedisLedger:
    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url)
        self._reserve = self.redis.register_script(_RESERVE)
        self._acquire = self.redis.register_script(_ACQUIRE)

    def _key(self, key: str) -> str:
        return f"{PREFIX}:task:{key}"

    def get(self, key: str) -> TaskRecord | None:
        raw = self.redis.get(self._key(key))
        return TaskRecord.model_validate_json(raw) if raw else None  # type: ignore[arg-type]

    def claim(self, record: TaskRecord) -> bool:
        return bool(self.redis.set(self._key(record.key), record.model_dump_json(), nx=True, ex=RECORD_TTL_S))

    def save(self, record: TaskRecord) -> None:
        self.redis.set(self._key(record.key), record.model_dump_json(), ex=RECORD_TTL_S)

    def spent(self, day: str) -> float:
        return float(self.redis.get(f"{PREFIX}:spend:{day}") or 0.0)  # type: ignore[arg-type]

    def reserve(self, day: str, usd: float, limit_usd: float | None) -> float | None:
        limit = "" if limit_usd is None else repr(float(limit_usd))
        total = self._reserve(keys=[f"{PREFIX}:spend:{day}"], args=[repr(float(usd)), limit, SPEND_TTL_S])
        return None if total is None else float(total)

    def acquire(self, engine: str, holder: str, limit: int, ttl_s: float) -> bool:
        now = time.time()
        return bool(self._acquire(keys=[f"{PREFIX}:slots:{engine}"], args=[now, holder, limit, now + ttl_s]))

    def release(self, engine: str, holder: str) -> None:
        self.redis.zrem(f"{PREFIX}:slots:{engine}", holder)


register_scheme("redis", RedisLedger)
register_scheme("rediss", RedisLedger)


def _s3_publisher(url: str, endpoint_url: str | None = None):  # type: ignore[no-untyped-def]
    """Keyframes for engines that take a link (Luma): put in the S3 store, hand out a signed URL
    (on the custom endpoint, e.g. MinIO, when CUTROOM_S3_ENDPOINT_URL sets one)."""
    from cutroom.storage.artifacts import open_store

    store = open_store(url, endpoint_url=endpoint_url)

    def publish(key: str, data: bytes) -> str:
        store.put_bytes(key, data, content_type="image/png")
        return store.url(key, expires_s=24 * 3600)

    return publish


def _register_publishers() -> None:
    from cutroom.core.clips.backend import register_publisher

    register_publisher("s3", _s3_publisher)


_register_publishers()
