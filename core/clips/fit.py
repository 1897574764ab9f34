"""A generated clip fitted to its shot: resampled to the ad's fps, cropped to its frame, trimmed.

Never stretched: a clip shorter than its shot plays at its own speed and then holds its last
frame, visibly, and the report says for how long (``FitReport.held_s``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from cutroom.core.errors import BackendError


@dataclass
class FitReport:
    source_s: float = 0.0
    wanted_s: float = 0.0
    held_s: float = 0.0
    frames: int = 0

    def notice(self, shot: int, engine: str) -> str | None:
        if self.held_s <= 0.02:
            return None
        return (
            f"Shot {shot}: {engine} made {self.source_s:.1f} s for a {self.wanted_s:.1f} s shot; its last frame is "
            f"held for {self.held_s:.1f} s. Shorten the shot or pick an engine with longer clips."
        )


def decode(path: Path) -> Iterator[tuple[float, np.ndarray]]:
    """(time in seconds, RGB frame) for each frame of ``path``, in order."""
    import av

    try:
        container = av.open(str(path))
    except Exception as exc:  # PyAV raises its own error tree
        raise BackendError(f"The clip {path.name} could not be read: {exc}") from exc
    with container:
        stream = container.streams.video[0]
        base = float(stream.time_base or 0) or 1 / 24
        start = None
        for frame in container.decode(stream):
            t = float(frame.pts * base) if frame.pts is not None else 0.0
            start = t if start is None else start
            yield t - start, frame.to_ndarray(format="rgb24")


def fitted_frames(path: Path, *, size: tuple[int, int], fps: int, wanted_s: float, report: FitReport) -> Iterator[np.ndarray]:
    """``round(wanted_s * fps)`` frames of ``size``: the clip file at real speed, then its last frame held."""
    return fitted(decode(path), size=size, fps=fps, wanted_s=wanted_s, report=report, name=path.name)


def timed(frames: Iterable[np.ndarray], fps: float) -> Iterator[tuple[float, np.ndarray]]:
    """Frames made at ``fps`` (a local model's output) with their times."""
    for k, frame in enumerate(frames):
        yield k / fps, frame


def fitted(
    source: Iterator[tuple[float, np.ndarray]],
    *,
    size: tuple[int, int],
    fps: int,
    wanted_s: float,
    report: FitReport,
    name: str = "clip",
) -> Iterator[np.ndarray]:
    """Resample timed frames to ``fps`` by time (nearest earlier frame), then hold the last one."""
    count = max(1, round(wanted_s * fps))
    report.wanted_s = wanted_s
    current: np.ndarray | None = None
    upcoming: tuple[float, np.ndarray] | None = next(source, None)
    if upcoming is None:
        raise BackendError(f"The {name} has no frames.")
    step = 0.0
    last_t = 0.0
    ended = False
    for k in range(count):
        t = k / fps
        while upcoming is not None and upcoming[0] <= t + 1e-6:
            step = upcoming[0] - last_t if upcoming[0] > last_t else step
            last_t, raw = upcoming
            current = _fit(raw, size)
            upcoming = next(source, None)
        if upcoming is None and not ended:
            ended = True
            report.source_s = last_t + (step or 1 / fps)
        assert current is not None
        report.frames += 1
        yield current
    if not ended:
        report.source_s = wanted_s
    report.held_s = max(0.0, wanted_s - report.source_s)


def _fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    image = Image.fromarray(frame)
    if image.size != size:
        image = ImageOps.fit(image, size, Image.Resampling.BICUBIC)  # centre crop: recropping to another aspect
    return np.asarray(image.convert("RGB"))
