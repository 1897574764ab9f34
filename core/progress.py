"""Progress reporting: one callback signature for the CLI bar, Gradio, and job events."""

from __future__ import annotations

from typing import Protocol


class OnProgress(Protocol):
    def __call__(self, stage: str, fraction: float, message: str = "") -> None:
        """``stage`` names the step (extract, plan, storyboard, render...), ``fraction`` is 0..1 within it."""


def no_progress(stage: str, fraction: float, message: str = "") -> None:
    """The default callback: ignore progress."""


def scaled(on_progress: OnProgress, start: float, end: float) -> OnProgress:
    """Map a sub-step's 0..1 onto ``start..end`` of the caller's range."""

    def report(stage: str, fraction: float, message: str = "") -> None:
        on_progress(stage, start + (end - start) * max(0.0, min(1.0, fraction)), message)

    return report
