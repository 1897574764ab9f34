"""The retake rule: a shot below a threshold is made again with a new seed, the best take kept.

    take 1 (the plan's seed) ──score──▶ passes? ── yes ─▶ keep
                                 │ no, takes left, budget allows
                                 ▼
    take n (a seed derived from the shot and n) ──score──▶ ... ──▶ keep the best take

"Best" is fewest failed scores, then the smallest total shortfall, then the earliest take.
Every take is recorded (seed, scores, failures); a budget that runs out keeps the best take
so far and says so. Two budgets: the render's retake count (and cost, ``RetakeBudget``), and
money: a take ``make`` cannot pay for raises BudgetError before anything is submitted (a paid
clip reserves its estimate first, ``core.clips.generate``), and a retake refused that way is
not made: the shot is marked ``not_retaken="budget"``. The loop takes plain callables, so the
render, the storyboard and a per-shot clip job all share it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from cutroom.core.errors import BudgetError
from cutroom.core.qc.models import QcOptions, ShotQc, TakeQc
from cutroom.core.qc.scores import Measured
from cutroom.core.seeds import stable_seed

T = TypeVar("T")


@dataclass
class RetakeBudget:
    """What retakes may spend in one render: a count, and a cost where the engine prices takes.

    ``max_cost`` is in the engine's own unit (credits, dollars); None means unlimited.
    """

    max_retakes: int = 6
    max_cost: float | None = None
    retakes: int = 0
    spent: float = 0.0

    def allows(self, cost: float = 0.0) -> bool:
        if self.retakes >= self.max_retakes:
            return False
        return self.max_cost is None or self.spent + cost <= self.max_cost + 1e-9

    def spend(self, cost: float = 0.0) -> None:
        self.retakes += 1
        self.spent += cost

    def refund(self, cost: float = 0.0) -> None:
        """A retake that was not made after all (its payment was refused)."""
        self.retakes -= 1
        self.spent -= cost

    def why_not(self) -> str:
        if self.retakes >= self.max_retakes:
            return f"the render's retake budget of {self.max_retakes} retake(s) is used up"
        return f"the retake budget ({self.max_cost:g}) would be exceeded"


def take_seed(seed: int, shot_index: int, take: int) -> int:
    """Take 1 keeps the plan's seed (so an unretaken shot renders exactly as before)."""
    return seed if take == 1 else stable_seed(seed, shot_index, "take", take)


@dataclass
class Kept(Generic[T]):
    value: T
    qc: ShotQc
    discarded: list[T] = field(default_factory=list)


def best_take(
    shot_index: int,
    make: Callable[[int, int], T],
    score: Callable[[T], Measured],
    *,
    seed: int,
    failing: Callable[[Mapping[str, float]], list[str]],
    badness: Callable[[Mapping[str, float]], tuple[int, float]],
    max_takes: int = 3,
    budget: RetakeBudget | None = None,
    cost: float = 0.0,
) -> Kept[T]:
    """Make take 1, score it, and retake while it fails (at most ``max_takes`` takes).

    ``make(take, seed)`` produces a take; ``score(value)`` measures it. Returns the kept value,
    the shot's record and the takes not kept (for the caller to clean up).
    """
    budget = budget if budget is not None else RetakeBudget()
    takes: list[tuple[T, Measured, TakeQc]] = []
    notes: list[str] = []
    number = 1
    not_retaken: str | None = None
    while True:
        this_seed = take_seed(seed, shot_index, number)
        if number == 1:
            value = make(number, this_seed)  # the shot itself: a refused payment is the render's error
        else:
            try:
                value = make(number, this_seed)
            except BudgetError as exc:  # refused before anything was submitted: keep the best so far
                budget.refund(cost)
                best = min(takes, key=lambda t: badness(t[1].scores))[2].take
                notes.append(
                    f"Shot {shot_index} not retaken: budget. It still misses {', '.join(takes[-1][2].failed)}; "
                    f"kept take {best}, the best so far. ({exc})"
                )
                not_retaken = "budget"
                break
        measured = score(value)
        record = TakeQc(take=number, seed=this_seed, scores=measured.scores, failed=failing(measured.scores))
        takes.append((value, measured, record))
        if not record.failed or number >= max_takes:
            break
        if not budget.allows(cost):
            best = min(takes, key=lambda t: badness(t[1].scores))[2].take
            notes.append(
                f"Shot {shot_index} still misses {', '.join(record.failed)}, but {budget.why_not()}: "
                f"kept take {best}, the best so far."
            )
            break
        budget.spend(cost)
        number += 1
    order = sorted(range(len(takes)), key=lambda n: (badness(takes[n][1].scores), n))
    kept_at = order[0]
    value, measured, record = takes[kept_at]
    record.kept = True
    if len(takes) > 1:
        notes.append(
            f"Shot {shot_index} was retaken {len(takes) - 1} time(s); take {record.take} kept"
            + (f" (still misses {', '.join(record.failed)})." if record.failed else ".")
        )
    qc = ShotQc(
        index=shot_index,
        scores=measured.scores,
        failed=record.failed,
        takes=[t[2] for t in takes],
        notes=[*measured.notes, *notes],
        references=dict(measured.references),
        not_retaken=not_retaken,
    )
    return Kept(value=value, qc=qc, discarded=[t[0] for n, t in enumerate(takes) if n != kept_at])


class Judge(Protocol):
    """What decides a take: which thresholds it misses, and how bad it is (``qc.scores.Scorer``)."""

    def failing(self, scores: Mapping[str, float]) -> list[str]: ...

    def badness(self, scores: Mapping[str, float]) -> tuple[int, float]: ...


def keep_best(
    shot_index: int,
    make: Callable[[int, int], T],
    score: Callable[[T], Measured],
    *,
    seed: int,
    judge: Judge,
    options: QcOptions,
    budget: RetakeBudget | None,
    cost: float = 0.0,
) -> Kept[T]:
    """``best_take`` with a scorer's rule and the configured number of takes: keyframes and clips alike."""
    return best_take(
        shot_index, make, score, seed=seed, failing=judge.failing, badness=judge.badness,
        max_takes=options.max_takes, budget=budget, cost=cost,
    )  # fmt: skip
