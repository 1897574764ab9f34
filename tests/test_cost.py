"""The image spend ledger: concurrent writers (two workers, two processes) lose no spend."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cutroom.core.cost import SpendLedger
from cutroom.core.errors import BudgetError
from cutroom.storage.artifacts import LocalArtifactStore

DAY = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _clock() -> datetime:
    return DAY


def _writer(root: str, start: multiprocessing.synchronize.Event, n: int, usd: float) -> None:  # type: ignore[name-defined]
    ledger = SpendLedger(LocalArtifactStore(Path(root)), daily_budget_usd=None, clock=_clock)
    start.wait()
    for k in range(n):
        ledger.record(usd, f"writer {usd} #{k}")


def test_two_processes_recording_at_once_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Event()
    writers = [context.Process(target=_writer, args=(str(tmp_path), start, 40, usd)) for usd in (0.01, 0.1)]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    ledger = SpendLedger(LocalArtifactStore(tmp_path), daily_budget_usd=None, clock=_clock)
    assert ledger.spent_today() == pytest.approx(40 * 0.01 + 40 * 0.1)
    assert len(ledger.entries_today()) == 80


def test_the_budget_sees_every_recorded_spend(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    ledger = SpendLedger(store, daily_budget_usd=1.0, clock=_clock)
    assert ledger.record(0.6, "cast") == pytest.approx(0.6)
    assert ledger.record(0.3, "panels") == pytest.approx(0.9)
    ledger.check(0.1, "One more panel")
    with pytest.raises(BudgetError, match=r"only \$0\.10 of today's \$1\.00"):
        ledger.check(0.2, "Two more panels")
    tomorrow = SpendLedger(store, daily_budget_usd=1.0, clock=lambda: datetime(2026, 12, 4, tzinfo=UTC))
    assert tomorrow.spent_today() == 0.0
