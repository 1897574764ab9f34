"""Cost before spending: estimate what a step's images cost, check the day's budget, record the spend.

    estimate (engine's price per image x images to make) ──check──▶ submit ──record──▶ ledger

The ledger lives in the artifact store, so every worker and surface sharing a store shares the
budget. Each spend is its own object, ``spend/<day>/<time>-<random>-<micro-USD>.json``, written
once and never updated: two processes recording at the same instant write two keys, so none is
lost (a read-modify-write total would drop one), on a local folder and on S3 alike, without a
lock. The day's total is the sum of the amounts in the key names: one listing, no reads.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from cutroom.core.errors import BudgetError
from cutroom.core.store import ArtifactStore

SPEND_PREFIX = "spend"


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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.daily_budget_usd = daily_budget_usd
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
        micro = 0
        for key in self.entries_today():
            amount = key.rsplit("/", 1)[-1].removesuffix(".json").rsplit("-", 1)[-1]
            if amount.isdigit():
                micro += int(amount)
        return round(micro / 1_000_000 + self._legacy_total(), 6)

    def check(self, estimate_usd: float, what: str) -> None:
        """Raise BudgetError, before anything is submitted, when ``estimate_usd`` would pass the budget."""
        if self.daily_budget_usd is None or estimate_usd <= 0:
            return
        spent = self.spent_today()
        if spent + estimate_usd > self.daily_budget_usd + 1e-9:
            left = max(0.0, self.daily_budget_usd - spent)
            raise BudgetError(
                f"{what} would cost about ${estimate_usd:.2f}, and only ${left:.2f} of today's "
                f"${self.daily_budget_usd:.2f} image budget is left. Nothing was spent; try tomorrow or raise "
                "CUTROOM_IMAGE_DAILY_BUDGET_USD."
            )

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
