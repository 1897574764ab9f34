"""Where a paid clip's provider task id is written before anyone waits on it.

The ledger is a port: core defines it, ``storage.tasks`` implements it on Redis (shared by
a farm of workers), and ``FileLedger`` keeps it in a folder for one machine (the CLI).
``open_ledger(url)`` picks by scheme; storage registers ``redis://`` when imported.

A record's life::

    (none) ──claim──▶ submitting ──task id──▶ submitted ──▶ done (clip file) | failed | refused | cancelled
                          │ crash here: the claim ages out after CLAIM_GRACE_S and the clip is submitted again
                          ▼ (the only window where a clip can be paid twice; it lasts one HTTP call)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from cutroom.core.errors import UnavailableError

RecordState = Literal["submitting", "submitted", "done", "failed", "refused", "cancelled"]
CLAIM_GRACE_S = 120.0


class TaskRecord(BaseModel):
    key: str
    engine: str
    model: str
    shot_index: int
    state: RecordState = "submitting"
    task_id: str | None = None
    submissions: int = 0
    claimed_ts: float = Field(default_factory=time.time)
    estimated_usd: float = 0.0
    cost_usd: float | None = None
    message: str = ""


@runtime_checkable
class TaskLedger(Protocol):
    def get(self, key: str) -> TaskRecord | None: ...

    def claim(self, record: TaskRecord) -> bool:
        """Write ``record`` only if no record exists for its key (SET NX); True if written."""
        ...

    def save(self, record: TaskRecord) -> None: ...

    def reserve(self, day: str, usd: float, limit_usd: float | None) -> float | None:
        """Add ``usd`` to ``day``'s spend if it stays within ``limit_usd``; the new total, or None."""
        ...

    def spent(self, day: str) -> float: ...

    def acquire(self, engine: str, holder: str, limit: int, ttl_s: float) -> bool: ...

    def release(self, engine: str, holder: str) -> None: ...


def today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


class FileLedger:
    """A ledger in a folder: one JSON file per clip, spend per day (locked); for one machine's processes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        (self.root / "tasks").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._slots: dict[str, set[str]] = {}

    def _path(self, key: str) -> Path:
        return self.root / "tasks" / f"{key}.json"

    def get(self, key: str) -> TaskRecord | None:
        path = self._path(key)
        return TaskRecord.model_validate_json(path.read_text()) if path.is_file() else None

    def claim(self, record: TaskRecord) -> bool:
        try:
            fd = os.open(self._path(record.key), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as out:
            out.write(record.model_dump_json())
        return True

    def save(self, record: TaskRecord) -> None:
        path = self._path(record.key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(record.model_dump_json())
        os.replace(tmp, path)

    def _spend_path(self, day: str) -> Path:
        return self.root / f"spend-{day}.json"

    def spent(self, day: str) -> float:
        path = self._spend_path(day)
        return float(json.loads(path.read_text())) if path.is_file() else 0.0

    def reserve(self, day: str, usd: float, limit_usd: float | None) -> float | None:
        """Read, check and write the day's total under an exclusive file lock: atomic across the
        processes of this machine (the threading lock covers threads sharing this object)."""
        with self._lock, open(self.root / f".spend-{day}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                total = self.spent(day) + usd
                if limit_usd is not None and usd > 0 and total > limit_usd + 1e-9:
                    return None
                path = self._spend_path(day)
                tmp = path.with_name(f".{path.name}.{os.getpid()}")
                tmp.write_text(json.dumps(round(total, 6)))
                os.replace(tmp, path)  # a reader never sees a half-written total
                return total
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def acquire(self, engine: str, holder: str, limit: int, ttl_s: float) -> bool:
        with self._lock:
            held = self._slots.setdefault(engine, set())
            if holder in held or len(held) < limit:
                held.add(holder)
                return True
            return False

    def release(self, engine: str, holder: str) -> None:
        with self._lock:
            self._slots.get(engine, set()).discard(holder)


LedgerFactory = Callable[[str], TaskLedger]
_schemes: dict[str, LedgerFactory] = {}
_opened: dict[str, TaskLedger] = {}


def register_scheme(scheme: str, factory: LedgerFactory) -> None:
    _schemes[scheme] = factory


def open_ledger(url: str) -> TaskLedger:
    """``redis://...`` (registered by ``storage.tasks``) or a folder path; one per URL per process."""
    if url in _opened:
        return _opened[url]
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme:
        if scheme not in _schemes:  # storage.tasks registers redis:// when the edge imports it
            raise UnavailableError(f"No clip task ledger for '{scheme}://' addresses is loaded in this process.")
        ledger = _schemes[scheme](url)
    else:
        ledger = FileLedger(Path(url))
    _opened[url] = ledger
    return ledger


@contextlib.contextmanager
def slot(ledger: TaskLedger, engine: str, holder: str, limit: int, *, ttl_s: float,
         wait: Callable[[float], None], on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold one of ``limit`` concurrent places at ``engine`` (the per-engine concurrency setting)."""
    while not ledger.acquire(engine, holder, limit, ttl_s):
        on_wait()
        wait(1.0)
    try:
        yield
    finally:
        ledger.release(engine, holder)
