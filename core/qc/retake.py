"""The retake rule: a shot below a threshold is made again with a new seed, the best take kept.

    take 1 (the plan's seed) ──score──▶ passes? ── yes ─▶ keep
                                 │ no, takes left, budget allows
                                 ▼
    take n (a seed derived from the shot and n) ──score──▶ ... ──▶ keep the best take

"Best" is fewest failed scores, then the smallest total shortfall, then the earliest take.
Every take is recorded (seed, scores, failures); a budget that runs out keeps the best take
so far and says so. The loop takes plain callables, so the render, the storyboard and a
per-shot clip job all share it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from cutroom.core.consistency import stable_seed
from cutroom.core.qc.models import ShotQc, TakeQc
from cutroom.core.qc.scores import Measured

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
    while True:
        this_seed = take_seed(seed, shot_index, number)
        value = make(number, this_seed)
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
    )
    return Kept(value=value, qc=qc, discarded=[t[0] for n, t in enumerate(takes) if n != kept_at])
