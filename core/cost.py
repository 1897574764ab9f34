"""Cost before spending: reserve what a step's images should cost, submit, settle with what they cost.

    estimate (price per image x images to make) ──reserve──▶ submit ──settle(actual)──▶ spend record
                                                   │ refused: BudgetError, nothing sent  └─ failed: release

The reservation is atomic, the same way hosted clips reserve theirs (``core.clips.ledger``): a
``SpendCounter`` (the clip task ledger: Redis for a farm, a locked file for one machine) adds the
estimate to the day's total only if it stays within the budget, so two workers racing for the
last dollar cannot both pass. The counter is the gate; the artifact store keeps the record:
each settled spend is its own object, ``spend/<day>/<time>-<pid>-<random>-<micro-USD>.json``,
written once and never updated (two writers at once lose nothing, on a folder or S3, no lock).
Without a counter (a library caller that passes none) the budget is checked against those
records, which is atomic only within one process.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol, runtime_checkable

from cutroom.core.errors import BudgetError
from cutroom.core.store import ArtifactStore

SPEND_PREFIX = "spend"
#: The counter bucket of a day's image spend (clips count theirs under the bare day).
IMAGE_BUCKET = "images-{day}"


@runtime_checkable
class SpendCounter(Protocol):
    """An atomic per-day total: what ``core.clips.ledger.TaskLedger`` already provides."""

    def reserve(self, day: str, usd: float, limit_usd: float | None) -> float | None:
        """Add ``usd`` to ``day``'s total if it stays within ``limit_usd``; the new total, or None."""
        ...

    def spent(self, day: str) -> float: ...


def price_of(engine: object) -> float:
    """USD per image for an image backend: its ``cost_per_image()``, 0 for engines without one."""
    method = getattr(engine, "cost_per_image", None)
    try:
        return float(method()) if callable(method) else 0.0
    except (TypeError, ValueError):
        return 0.0


class SpendLedger:
    """Today's spend on paid engines, and the daily budget it must stay under (None: no limit)."""

    def __init__(
        self,
        store: ArtifactStore,
        *,
        daily_budget_usd: float | None,
        counter: SpendCounter | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.daily_budget_usd = daily_budget_usd
        self.counter = counter
        self.clock = clock

    def _day(self) -> str:
        return self.clock().strftime("%Y-%m-%d")

    def _legacy_total(self) -> float:
        """The total of a day recorded before spends were one object each (``spend/<day>.json``)."""
        key = f"{SPEND_PREFIX}/{self._day()}.json"
        if not self.store.exists(key):
            return 0.0
        try:
            value = json.loads(self.store.get_bytes(key))
        except ValueError:
            return 0.0
        total = value.get("total_usd", 0.0) if isinstance(value, dict) else 0.0
        return float(total) if isinstance(total, int | float) else 0.0

    def entries_today(self) -> list[str]:
        """Today's spend objects (keys), oldest first."""
        return [k for k in self.store.list(f"{SPEND_PREFIX}/{self._day()}/") if k.endswith(".json")]

    def spent_today(self) -> float:
        """Today's spend: the counter's total (reservations included) where there is one, else the records."""
        if self.counter is not None:
            return round(self.counter.spent(IMAGE_BUCKET.format(day=self._day())), 6)
        return self.recorded_today()

    def recorded_today(self) -> float:
        """The sum of today's settled spend records in the store."""
        micro = 0
        for key in self.entries_today():
            amount = key.rsplit("/", 1)[-1].removesuffix(".json").rsplit("-", 1)[-1]
            if amount.isdigit():
                micro += int(amount)
        return round(micro / 1_000_000 + self._legacy_total(), 6)

    def _refuse(self, estimate_usd: float, what: str, spent: float) -> BudgetError:
        budget = self.daily_budget_usd or 0.0
        left = max(0.0, budget - spent)
        return BudgetError(
            f"{what} would cost about ${estimate_usd:.2f}, and only ${left:.2f} of today's "
            f"${budget:.2f} image budget is left. Nothing was spent; try tomorrow or raise "
            "CUTROOM_IMAGE_DAILY_BUDGET_USD."
        )

    def check(self, estimate_usd: float, what: str) -> None:
        """Raise BudgetError when ``estimate_usd`` would pass the budget now (a look, not a hold:
        use ``reserve`` before submitting)."""
        if self.daily_budget_usd is None or estimate_usd <= 0:
            return
        spent = self.spent_today()
        if spent + estimate_usd > self.daily_budget_usd + 1e-9:
            raise self._refuse(estimate_usd, what, spent)

    def reserve(self, estimate_usd: float, what: str) -> Reservation:
        """Hold ``estimate_usd`` of today's budget before submitting, or raise BudgetError (nothing held).

        Settle the reservation with what was actually spent, or release it when nothing was bought;
        as a context manager it releases on an exception and settles the estimate otherwise.
        """
        day = self._day()
        estimate = max(0.0, float(estimate_usd))
        if self.counter is not None and estimate > 0:
            if self.counter.reserve(IMAGE_BUCKET.format(day=day), estimate, self.daily_budget_usd) is None:
                raise self._refuse(estimate, what, self.counter.spent(IMAGE_BUCKET.format(day=day)))
        else:
            self.check(estimate, what)
        return Reservation(self, day, estimate, what)

    def record(self, amount_usd: float, what: str) -> float:
        """Add ``amount_usd`` to today's spend (a new object, never a rewrite); the day's new total."""
        if amount_usd <= 0:
            return self.spent_today()
        now = self.clock()
        micro = round(amount_usd * 1_000_000)
        key = (
            f"{SPEND_PREFIX}/{self._day()}/{now.strftime('%H%M%S')}-{os.getpid()}-{secrets.token_hex(6)}-{micro}.json"
        )
        entry = {"at": now.isoformat(timespec="seconds"), "usd": round(amount_usd, 6), "what": what[:200]}
        self.store.put_bytes(key, json.dumps(entry).encode(), content_type="application/json")
        return self.spent_today()


class Reservation:
    """Part of a day's image budget held for one step; settled once (actual cost) or released."""

    def __init__(self, ledger: SpendLedger, day: str, estimate_usd: float, what: str) -> None:
        self.ledger = ledger
        self.day = day
        self.estimate_usd = estimate_usd
        self.what = what
        self.open = True
        self.settled_usd = 0.0

    def _adjust(self, usd: float) -> None:
        counter = self.ledger.counter
        if counter is not None and self.estimate_usd > 0 and abs(usd) > 1e-12:
            counter.reserve(IMAGE_BUCKET.format(day=self.day), usd, None)  # no limit: money already spent or freed

    def settle(self, actual_usd: float | None = None) -> float:
        """Record what the step cost (default: the estimate) and give back the rest of the hold."""
        if not self.open:
            return self.settled_usd
        self.open = False
        actual = self.estimate_usd if actual_usd is None else max(0.0, float(actual_usd))
        self._adjust(actual - self.estimate_usd)
        if actual > 0:
            self.ledger.record(actual, self.what)
        self.settled_usd = actual
        return actual

    def release(self) -> None:
        """Nothing was bought: give the whole hold back."""
        if self.open:
            self.open = False
            self._adjust(-self.estimate_usd)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.settle()
        else:
            self.release()
