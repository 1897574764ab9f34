"""Cost before spending: estimate what a step's images cost, check the day's budget, record the spend.

    estimate (engine's price per image x images to make) ──check──▶ submit ──record──▶ ledger

The ledger is one small JSON object per UTC day in the artifact store (``spend/<day>.json``),
so every worker and surface sharing a store shares the budget. Writes are read-modify-write:
two workers finishing at the same instant can undercount by one step, which the check's
margin (the whole next estimate must fit) absorbs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from cutroom.core.artifacts import ArtifactStore
from cutroom.core.errors import BudgetError

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

    def _key(self) -> str:
        return f"{SPEND_PREFIX}/{self.clock().strftime('%Y-%m-%d')}.json"

    def _read(self) -> dict[str, object]:
        key = self._key()
        if not self.store.exists(key):
            return {"total_usd": 0.0, "entries": []}
        try:
            value = json.loads(self.store.get_bytes(key))
            return value if isinstance(value, dict) else {"total_usd": 0.0, "entries": []}
        except ValueError:
            return {"total_usd": 0.0, "entries": []}

    def spent_today(self) -> float:
        total = self._read().get("total_usd", 0.0)
        return float(total) if isinstance(total, int | float) else 0.0

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
        """Add ``amount_usd`` to today's spend; returns the day's new total."""
        if amount_usd <= 0:
            return self.spent_today()
        ledger = self._read()
        entries = ledger.get("entries")
        entries = entries if isinstance(entries, list) else []
        entries.append({"at": self.clock().isoformat(timespec="seconds"), "usd": round(amount_usd, 4), "what": what[:200]})
        total = round(self.spent_today() + amount_usd, 4)
        self.store.put_bytes(
            self._key(), json.dumps({"total_usd": total, "entries": entries[-500:]}).encode(),
            content_type="application/json",
        )
        return total
