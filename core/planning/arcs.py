"""Arcs by goal, read from ``data/arcs.json``: the beats, their shot roles and timing shares.

A beat is what a shot has to say (the price, the deadline, the ask); its role is how the shot
is filmed (hook, reveal, offer...). Short ads drop the beats listed under ``drop`` first; long
ones add ``extra`` beats before the call to action.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

from cutroom.core.models import Goal, ShotRole

DATA = Path(__file__).parent / "data"

#: The kinds of line a beat can ask for.
LINE_KINDS = (
    "hook",
    "audience",
    "name",
    "benefit",
    "fact",
    "price",
    "deadline",
    "date",
    "place",
    "testimony",
    "problem",
    "people",
    "impact",
    "cta",
)


@dataclass(frozen=True)
class Beat:
    beat: str
    role: ShotRole
    share: float
    line: str


@cache
def load(name: str) -> Any:
    """A data file of this package, parsed once."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _beat(raw: dict[str, Any]) -> Beat:
    return Beat(
        beat=raw["beat"], role=cast(ShotRole, raw["role"]), share=float(raw["share"]), line=raw["line"]
    )


def beats_for(goal: Goal) -> list[Beat]:
    """The goal's full arc."""
    return [_beat(b) for b in load("arcs.json")[goal]["beats"]]


def arc_beats(goal: Goal, n_shots: int) -> list[Beat]:
    """The goal's arc trimmed or stretched to ``n_shots``: hook first, call to action last."""
    arc = load("arcs.json")[goal]
    beats = beats_for(goal)
    for name in arc["drop"]:
        while len(beats) > n_shots and any(b.beat == name for b in beats):
            beats.remove(next(b for b in beats if b.beat == name))
    # Still too many (very short ads): drop from the middle, never the hook, name or CTA.
    while len(beats) > n_shots:
        middle = [b for b in beats[1:-1] if b.line != "name"] or beats[1:-1]
        beats.remove(middle[-1])
    extras = load("arcs.json")["_extra_beats"]
    i = 0
    while len(beats) < n_shots:
        beats.insert(len(beats) - 1, _beat(extras[arc["extra"][i % len(arc["extra"])]]))
        i += 1
    return beats
