"""Frames per shot on the cut grid, and the checks a plan must pass before a frame is drawn."""

from __future__ import annotations

from cutroom.core.errors import (
    PlanError,
)
from cutroom.core.models import Plan


def shot_frames(plan: Plan, fps: int) -> list[int]:
    """Frame where each shot starts, plus the total; rounding never drifts across shots."""
    starts = [0]
    elapsed = 0.0
    for shot in plan.shots:
        elapsed += shot.duration_s
        starts.append(round(elapsed * fps))
    return starts


def check_plan(plan: Plan, fps: int) -> None:
    """Durations must add up to the brief's length (a hand-edited plan may not); say which shot."""
    target = plan.brief.duration_s
    frame = 1.0 / fps
    for shot in plan.shots:
        if round(shot.duration_s * fps) < 1:
            raise PlanError(f"Shot {shot.index} is shorter than one frame at {fps} fps; make it longer.")
    total = sum(shot.duration_s for shot in plan.shots)
    if abs(total - target) <= frame / 2:
        return
    if total > target:
        elapsed = 0.0
        for shot in plan.shots:
            elapsed += shot.duration_s
            if elapsed > target + frame / 2:
                break
        longest = max(plan.shots, key=lambda s: s.duration_s)
        raise PlanError(
            f"The shots add up to {total:g} s but the ad lasts {target} s: shot {shot.index} already ends at "
            f"{elapsed:g} s. Shorten shot {longest.index} ({longest.duration_s:g} s, the longest) or another "
            f"shot by {total - target:.2f} s."
        )
    last = plan.shots[-1]
    raise PlanError(
        f"The shots add up to {total:g} s, {target - total:.2f} s short of the ad's {target} s: "
        f"lengthen shot {last.index} (the last) or another shot."
    )
