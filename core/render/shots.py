"""Shots: each one's moving panel composited and encoded to its own segment, QC takes kept or retaken."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cutroom.core import audio, compose
from cutroom.core.backends import (
    ClipBackend,
    ImageBackend,
    PanelArt,
    clips,
    images,
)
from cutroom.core.encode import FrameWriter
from cutroom.core.errors import (
    CutroomError,
)
from cutroom.core.models import Plan, RenderSpec, Shot
from cutroom.core.qc.models import QcReport, ShotQc
from cutroom.core.qc.retake import RetakeBudget, keep_best
from cutroom.core.qc.scores import SAMPLE_LONG_SIDE, Measured, Sampler
from cutroom.core.qc.setup import make_scorer
from cutroom.core.render.options import FACE_LONG_SIDE, RenderOptions, _face_backend, _import_backend_modules


class _Stopwatch:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        #: CPU seconds of this thread per stage: what a stage costs, without waits for the GIL
        #: or for the ffmpeg and sound threads that run beside it.
        self.cpu: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        cpu = time.thread_time()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start, 4)
            self.cpu[name] = round(self.cpu.get(name, 0.0) + time.thread_time() - cpu, 4)


@dataclass
class _Take:
    path: Path
    sampler: Sampler | None
    motion: Any


class _ShotQc:
    """Scores each shot as it is rendered and applies the retake rule (``core.qc``).

    Each shot's record and its small key frame are kept beside its cached segment, so a
    resumed render reuses them instead of scoring again.
    """

    def __init__(self, plan: Plan, options: RenderOptions, notices: list[str], clock: _Stopwatch) -> None:
        self.plan = plan
        self.options = options.qc
        self.clock = clock
        self.face = _face_backend(options, notices)
        with clock.stage("qc"):
            self.scorer = make_scorer(plan, options.qc, face=self.face)
        self.budget = RetakeBudget(max_retakes=options.qc.max_retakes, max_cost=options.qc.max_cost)
        self.shots: list[ShotQc] = []
        self.keys: dict[int, np.ndarray] = {}
        self.retake_s = 0.0

    def sampler(self, n_frames: int) -> Sampler:
        return Sampler(n_frames, key_long_side=FACE_LONG_SIDE if self.face is not None else SAMPLE_LONG_SIDE)

    def shoot(
        self, shot: Shot, path: Path, take: Callable[[int, int], _Take], renderer: _ShotRenderer, *, seed: int
    ) -> None:
        def score(value: _Take) -> Measured:
            assert value.sampler is not None
            with self.clock.stage("qc"):
                return self.scorer.score(shot, value.sampler.samples)

        pending = path.with_suffix(".qc.pending")
        estimate = getattr(renderer.clip, "estimate", None)  # a paid clip engine's price per take
        cost = float(estimate(shot)) if callable(estimate) else 0.0

        def make(number: int, seed: int) -> _Take:
            if number == 2:  # take 1 sits at ``path`` already: mark it undecided while a retake is made
                _write_text(pending, str(seed))
            return take(number, seed)

        # ``cost``: CUTROOM_QC_MAX_COST caps what a variant's retakes may spend.
        kept = keep_best(
            shot.index, make, score, seed=seed, judge=self.scorer, options=self.options, budget=self.budget, cost=cost
        )
        if kept.discarded:
            renderer.finish()  # every take complete under its name before files move
            if kept.value.path != path:
                os.replace(kept.value.path, path)
            for other in kept.discarded:
                if other.path != path:
                    other.path.unlink(missing_ok=True)
        if kept.discarded or kept.qc.not_retaken:  # a refused retake left its unmade motion behind
            renderer.keep_motion(shot.index - 1, kept.value.motion)
        assert kept.value.sampler is not None
        key = kept.value.sampler.samples.key
        if key is not None:
            self.keys[shot.index] = key
            with contextlib.suppress(OSError):
                cv2.imwrite(str(path.with_suffix(".qc.png")), cv2.cvtColor(key, cv2.COLOR_RGB2BGR))
        _write_text(path.with_suffix(".qc.json"), kept.qc.model_dump_json())
        pending.unlink(missing_ok=True)  # decided: the segment at ``path`` is the kept take
        self.shots.append(kept.qc)

    @staticmethod
    def undecided(path: Path) -> bool:
        """A segment left while its retake was being made (the render died): not to be reused as is,
        or a paid retake would be forgotten; the shot is made again and the retake's task resumed."""
        return path.with_suffix(".qc.pending").exists()

    def reused(self, index: int, path: Path) -> None:
        """A cached segment: its earlier record and key frame, when they were kept."""
        try:
            record = ShotQc.model_validate_json(path.with_suffix(".qc.json").read_text(encoding="utf-8"))
            record.reused = True
        except (OSError, ValueError):
            record = ShotQc(
                index=index, reused=True, notes=[f"Shot {index} came from the render cache unscored."]
            )
        key = cv2.imread(str(path.with_suffix(".qc.png")))
        if key is not None:
            self.keys[index] = cv2.cvtColor(key, cv2.COLOR_BGR2RGB)
        self.shots.append(record)

    def report(self) -> QcReport:
        with self.clock.stage("qc"):
            sequence, method = self.scorer.sequence(self.keys)
        measured = sorted({name for shot in self.shots for name in shot.scores})
        return QcReport(
            shots=self.shots,
            sequence=sequence,
            sequence_method=method,
            measured=measured,
            not_measured=self.scorer.not_measured(),
            thresholds=self.scorer.thresholds,
            notes=list(self.scorer.notes),
            scoring_s=round(self.clock.cpu.get("qc", 0.0), 4),
            retake_s=round(self.clock.timings.get("retakes", 0.0), 4),
        )


def _shot_seed_key(spec: RenderSpec, index: int) -> dict[str, int]:
    """A shot drawn with its kept keyframe's seed caches apart; other shots keep their old keys."""
    seed = spec.seed_for(index)
    return {} if seed == spec.seed else {"shot_seed": seed}


class _ShotRenderer:
    """Draws, moves and composites shots in order, keeping the previous shot for transitions."""

    def __init__(
        self,
        spec: RenderSpec,
        options: RenderOptions,
        *,
        size: tuple[int, int],
        layout: compose.Layout,
        logo: Any,
    ) -> None:
        self.spec = spec
        self.plan = spec.plan
        self.options = options
        self.size = size
        self.layout = layout
        self.logo = logo
        _import_backend_modules(options)
        self.image: ImageBackend = images.create(options.image_backend, **options.create_options("image"))
        self.clip: ClipBackend = clips.create(options.clip_backend, **options.create_options("clip"))
        self.lut = compose.grade_lut(self.plan)
        self._motions: dict[int, Any] = {}
        self._closing: list[tuple[FrameWriter, Any]] = []

    def _art(self, shot: Shot, seed: int) -> PanelArt:
        art = self.image.draw(self.plan, shot, size=self.size, seed=seed)
        if shot.is_end_card:
            art = compose.end_card_art(self.plan, art, self.size, self.spec.aspect_ratio)
        return compose.grade_art(art, self.lut)

    def motion(self, i: int, seed: int | None = None) -> Any:
        """The shot's prepared motion (``frame(k)`` for any k), kept for the next transition.

        ``seed`` other than the spec's is a retake: a fresh draw and clip with that seed. Without
        one (a transition reading the previous shot), the kept take's motion is returned.
        """
        if i in self._motions and (seed is None or getattr(self._motions[i], "seed", None) == seed):
            return self._motions[i]
        shot = self.plan.shots[i]
        seed = self.spec.seed_for(shot.index) if seed is None else seed
        art = self._art(shot, seed)
        prepare = getattr(self.clip, "prepare", None)
        if prepare is not None:
            motion = prepare(self.plan, shot, art, size=self.size, fps=self.spec.fps, seed=seed)
        else:
            motion = _IteratedMotion(
                self.clip.frames(self.plan, shot, art, size=self.size, fps=self.spec.fps, seed=seed)
            )
        motion.seed = seed  # type: ignore[attr-defined]
        motion.has_product = art.foreground is not None  # type: ignore[attr-defined]
        motion.text_side = compose.text_side_for(art, self.size[0])  # type: ignore[attr-defined]
        for old in [k for k in self._motions if k < i - 1]:
            del self._motions[old]
        self._motions[i] = motion
        return motion

    def render_shot(
        self,
        i: int,
        path: Path,
        *,
        n_frames: int,
        on_screen_text: str,
        cues: list[audio.Cue],
        shot_start_s: float,
        prev_frames: int,
        on_frame: Callable[[int], None],
        should_cancel: Callable[[], bool],
        clock: _Stopwatch,
        seed: int | None = None,
        sampler: Sampler | None = None,
    ) -> Any:
        """Write shot ``i`` to ``path``; ``sampler`` keeps copies of the raw frames QC reads
        (before transitions and text). Returns the shot's motion."""
        plan = self.plan
        shot = plan.shots[i]
        fps = self.spec.fps
        with clock.stage("draw"):
            motion = self.motion(i, seed)
            is_last = i == len(plan.shots) - 1
            if shot.is_end_card:
                overlays = compose.end_card_overlays(
                    plan,
                    shot,
                    layout=self.layout,
                    logo=self.logo,
                    has_product=getattr(motion, "has_product", False),
                )
                overlays.captions = compose.shot_overlays(
                    plan,
                    shot,
                    on_screen_text="",
                    cues=cues,
                    shot_start_s=shot_start_s,
                    layout=self.layout,
                    logo=None,
                    is_last=is_last,
                    next_transition="cut",
                ).captions
            else:
                overlays = compose.shot_overlays(
                    plan,
                    shot,
                    on_screen_text=on_screen_text,
                    cues=cues,
                    shot_start_s=shot_start_s,
                    layout=self.layout,
                    logo=self.logo,
                    is_last=is_last,
                    next_transition=plan.shots[i + 1].transition_in if not is_last else "cut",
                    text_side=getattr(motion, "text_side", "left"),
                )
            kind = shot.transition_in if i else "cut"
            t_frames = compose.transition_frames(kind, fps, n_frames) if i else 0
            prev = self.motion(i - 1) if t_frames else None
        r, g, b = (int(c * 0.35) for c in compose.brand_colour(plan))
        colour = (r, g, b)
        writer = FrameWriter(
            path,
            size=self.size,
            fps=fps,
            preset=self.options.preset,
            crf=self.options.crf,
            should_cancel=should_cancel,
        )
        try:
            for k in range(n_frames):
                frame = motion.frame(k)
                if sampler is not None and sampler.wants(k):
                    with clock.stage("qc"):  # QC's cost includes copying its samples
                        sampler.add(k, frame)
                if prev is not None and k < t_frames:
                    outgoing = prev.frame(prev_frames + k)
                    frame = compose.apply_transition(
                        kind, outgoing, frame, (k + 1) / (t_frames + 1), colour=colour
                    )
                overlays.draw(frame, k / fps)
                writer.write(frame)
                if k % 8 == 0:
                    on_frame(k)
        except BaseException:
            writer.abort()
            raise
        # ffmpeg flushes this shot's last frames while the next shot's frames are computed.
        self._closing.append((writer, writer.close_in_background()))
        while len(self._closing) > 1:
            self._join_oldest()
        return motion

    def keep_motion(self, i: int, motion: Any) -> None:
        """After retakes: the kept take's motion is what the next shot's transition reads."""
        self._motions[i] = motion

    def _join_oldest(self) -> None:
        writer, thread = self._closing.pop(0)
        thread.join()
        writer.finished()

    def finish(self) -> None:
        """Wait until every segment is complete under its final name."""
        while self._closing:
            self._join_oldest()
        self._motions.clear()

    def abort(self) -> None:
        for writer, thread in self._closing:
            writer.abort()
            thread.join(timeout=5)
        self._closing.clear()
        self._motions.clear()


class _IteratedMotion:
    """Random access over a clip backend that only streams RGB frames (e.g. a generated video).

    Keeps only the last frame: past the end, and for transitions, the shot holds still.
    """

    def __init__(self, frames: Iterator[np.ndarray]) -> None:
        self._frames = frames
        self._index = -1
        self._last: np.ndarray | None = None

    def frame(self, k: int) -> np.ndarray:
        while self._index < k:
            try:
                self._last = cv2.cvtColor(next(self._frames), cv2.COLOR_RGB2RGBA)
                self._index += 1
            except StopIteration:
                break
        if self._last is None:
            raise CutroomError("The clip backend produced no frames for a shot.")
        if k < self._index:
            raise CutroomError("The clip backend's frames can only be read in order.")
        return self._last.copy()


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.part-{os.getpid()}-{secrets.token_hex(4)}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
