"""The image spend ledger: concurrent writers lose no spend, and racing reservations never pass the budget."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
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


# ── reservations: the check and the spend are one step ─────────────────────────────────


def _racer(root: str, ledger_at: str, start: multiprocessing.synchronize.Event, tries: int, out: multiprocessing.Queue) -> None:  # type: ignore[name-defined,type-arg]
    """One worker: reserve $0.05 at a time against a $1.00 budget, settle each win; report wins."""
    from cutroom.core.clips.ledger import open_ledger

    ledger = SpendLedger(
        LocalArtifactStore(Path(root)), daily_budget_usd=1.0, counter=open_ledger(ledger_at), clock=_clock
    )
    wins = refusals = 0
    start.wait()
    for k in range(tries):
        try:
            reservation = ledger.reserve(0.05, f"picture #{k}")
        except BudgetError as exc:
            assert "CUTROOM_IMAGE_DAILY_BUDGET_USD" in str(exc)
            refusals += 1
            continue
        reservation.settle(0.05)
        wins += 1
    out.put((wins, refusals))


@pytest.fixture(params=["file", "redis"])
def counter_at(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where the counter lives: the one-machine ledger folder, or a real redis-server (a farm)."""
    if request.param == "file":
        yield str(tmp_path / "ledger")
        return
    import cutroom.storage.tasks  # noqa: F401  (registers redis://)
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server.url
    finally:
        server.stop()


def test_two_processes_racing_for_the_last_dollar_never_overspend(tmp_path: Path, counter_at: str) -> None:
    from cutroom.core.clips.ledger import open_ledger

    context = multiprocessing.get_context("fork")
    start = context.Event()
    out: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    racers = [
        context.Process(target=_racer, args=(str(tmp_path / "store"), counter_at, start, 30, out)) for _ in range(2)
    ]
    for racer in racers:
        racer.start()
    start.set()
    results = [out.get(timeout=60) for _ in racers]
    for racer in racers:
        racer.join(60)
        assert racer.exitcode == 0
    # 60 tries for 20 places: exactly 20 win, the 40 others are refused, and every win is recorded.
    assert sum(w for w, _ in results) == 20
    assert sum(r for _, r in results) == 40
    ledger = SpendLedger(
        LocalArtifactStore(tmp_path / "store"), daily_budget_usd=1.0, counter=open_ledger(counter_at), clock=_clock
    )
    assert ledger.spent_today() == pytest.approx(1.0)
    assert ledger.recorded_today() == pytest.approx(1.0)
    assert len(ledger.entries_today()) == 20


def _last_dollar(root: str, ledger_at: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:  # type: ignore[name-defined,type-arg]
    from cutroom.core.clips.ledger import open_ledger

    ledger = SpendLedger(
        LocalArtifactStore(Path(root)), daily_budget_usd=1.0, counter=open_ledger(ledger_at), clock=_clock
    )
    start.wait()
    try:
        ledger.reserve(1.0, "The last dollar").settle(0.8)  # it cost less than the estimate
    except BudgetError:
        out.put("refused")
        return
    out.put("won")


def test_one_dollar_left_and_two_processes_want_it_exactly_one_wins(tmp_path: Path, counter_at: str) -> None:
    from cutroom.core.clips.ledger import open_ledger

    context = multiprocessing.get_context("fork")
    start = context.Event()
    out: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    racers = [context.Process(target=_last_dollar, args=(str(tmp_path / "s"), counter_at, start, out)) for _ in "ab"]
    for racer in racers:
        racer.start()
    start.set()
    outcomes = sorted(out.get(timeout=60) for _ in racers)
    for racer in racers:
        racer.join(60)
    assert outcomes == ["refused", "won"]
    ledger = SpendLedger(LocalArtifactStore(tmp_path / "s"), daily_budget_usd=1.0, counter=open_ledger(counter_at),
                         clock=_clock)
    assert ledger.spent_today() == pytest.approx(0.8)  # settled at the actual cost; the rest is free again
    ledger.reserve(0.2, "The twenty cents left").release()


def test_a_failed_submit_releases_its_reservation(tmp_path: Path) -> None:
    from cutroom.core.clips.ledger import open_ledger

    ledger = SpendLedger(LocalArtifactStore(tmp_path / "s"), daily_budget_usd=1.0,
                         counter=open_ledger(str(tmp_path / "ledger")), clock=_clock)
    with pytest.raises(ConnectionError), ledger.reserve(0.9, "Nine panels"):
        assert ledger.spent_today() == pytest.approx(0.9)  # held while it is submitted
        with pytest.raises(BudgetError, match=r"about \$0\.20.*only \$0\.10 of today's \$1\.00"):
            ledger.reserve(0.2, "Two more panels")
        raise ConnectionError("the engine went away")
    assert ledger.spent_today() == 0.0 and ledger.entries_today() == []
    with ledger.reserve(1.0, "Ten panels"):  # the whole budget is there again
        pass
    assert ledger.spent_today() == pytest.approx(1.0) and len(ledger.entries_today()) == 1
