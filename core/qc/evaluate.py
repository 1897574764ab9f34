"""Score any video (or a run folder of them) the way a render scores its shots: ``cutroom eval``.

With the plan, shots are cut where the plan says; without one, where the picture cuts (a
jump in frame difference), and palette and identity are not measured (no bible to compare).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from cutroom.core.backends import FaceEmbedder
from cutroom.core.errors import InputError
from cutroom.core.models import Plan, Shot, Storyboard
from cutroom.core.qc.models import QcOptions, QcReport, ShotQc
from cutroom.core.qc.retake import take_seed
from cutroom.core.qc.scores import FACE_LONG_SIDE, SAMPLE_LONG_SIDE, Sampler, Scorer, small
from cutroom.core.qc.setup import image_embedder, references

#: Mean grey-level change between neighbours (0..255, 32x32 thumbnails) that counts as a cut.
CUT_THRESHOLD = 28.0
MAX_FRAMES = 60 * 60  # a minute at 60 fps: ads are shorter; this bounds memory


@dataclass
class VideoInfo:
    fps: float
    frames: int
    width: int
    height: int


def _decode(video: Path, long_side: int) -> Iterator[np.ndarray]:
    import av

    try:
        container = av.open(str(video))
    except (av.FFmpegError, OSError) as exc:
        raise InputError(f"{video.name} is not a video ffmpeg can read ({exc}).") from exc
    with container:
        if not container.streams.video:
            raise InputError(f"{video.name} has no video stream.")
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            yield small(frame.to_ndarray(format="rgb24"), long_side)


def read_video(video: Path) -> tuple[list[np.ndarray], VideoInfo]:
    """Every frame at the samples' size, with the video's rate and size."""
    import av

    try:
        with av.open(str(video)) as container:
            if not container.streams.video:
                raise InputError(f"{video.name} has no video stream.")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            fps = float(rate) if rate else 30.0
            width, height = stream.codec_context.width, stream.codec_context.height
    except (av.FFmpegError, OSError) as exc:
        raise InputError(f"{video.name} is not a video ffmpeg can read ({exc}).") from exc
    frames: list[np.ndarray] = []
    for frame in _decode(video, SAMPLE_LONG_SIDE):
        frames.append(frame)
        if len(frames) > MAX_FRAMES:
            raise InputError(f"{video.name} is longer than {MAX_FRAMES} frames; QC scores ads, not films.")
    if not frames:
        raise InputError(f"{video.name} has no frames.")
    return frames, VideoInfo(fps=fps, frames=len(frames), width=width, height=height)


def detect_cuts(frames: list[np.ndarray]) -> list[int]:
    """Start frames of each shot (0 first), where neighbouring frames differ sharply."""
    thumbs = [
        cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), (32, 32), interpolation=cv2.INTER_AREA).astype(
            np.float32
        )
        for f in frames
    ]
    starts = [0]
    for k in range(1, len(thumbs)):
        if float(np.abs(thumbs[k] - thumbs[k - 1]).mean()) > CUT_THRESHOLD and k - starts[-1] >= 3:
            starts.append(k)
    return starts


def _plan_starts(plan: Plan, info: VideoInfo) -> list[int]:
    starts = [0]
    elapsed = 0.0
    for shot in plan.shots:
        elapsed += shot.duration_s
        starts.append(round(elapsed * info.fps))
    if abs(starts[-1] - info.frames) > max(2, info.fps * 0.25):
        raise InputError(
            f"The plan lasts {plan.duration_s:g} s but the video {info.frames / info.fps:.2f} s: "
            "give the plan this video was rendered from (--plan)."
        )
    starts[-1] = info.frames
    return starts


def evaluate_video(
    video: Path,
    *,
    plan: Plan | None = None,
    options: QcOptions | None = None,
    face: FaceEmbedder | None = None,
) -> QcReport:
    """Per-shot scores, the sequence score and what was measured, for one video file."""
    options = options or QcOptions()
    frames, info = read_video(Path(video))
    notes: list[str] = []
    if plan is not None:
        starts = _plan_starts(plan, info)
        shots = list(plan.shots)
    else:
        starts = [*detect_cuts(frames), info.frames]
        shots = [
            Shot(
                index=n + 1,
                duration_s=min(20.0, max(1e-3, (starts[n + 1] - starts[n]) / info.fps)),
                description="",
            )
            for n in range(len(starts) - 1)
        ]
        notes.append(f"No plan: {len(shots)} shot(s) found by their cuts; palette and identity not measured.")
    embedder = image_embedder(options.image_model, options.image_device) if options.image_model else None
    scorer = Scorer(
        plan,
        references=references(plan, options) if plan else {},
        embedder=embedder,
        face=face,
        thresholds=options.thresholds,
    )
    samplers: list[Sampler] = []
    for n in range(len(shots)):
        sampler = Sampler(starts[n + 1] - starts[n])
        for k in range(starts[n], starts[n + 1]):
            if sampler.wants(k - starts[n]):
                sampler.add(k - starts[n], frames[k])
        sampler.samples.full_size = (info.width, info.height)
        samplers.append(sampler)
    if face is not None:  # a face detector needs a bigger key frame than the other scores
        wanted = {starts[n] + s.key_index: n for n, s in enumerate(samplers)}
        for k, frame in enumerate(_decode(Path(video), FACE_LONG_SIDE)):
            if k in wanted:
                samplers[wanted[k]].samples.key = frame
    keys: dict[int, np.ndarray] = {}
    records: list[ShotQc] = []
    for shot, sampler in zip(shots, samplers, strict=True):
        measured = scorer.score(shot, sampler.samples)
        records.append(_record(shot.index, measured.scores, measured.notes, scorer))
        if sampler.samples.key is not None:
            keys[shot.index] = sampler.samples.key
    sequence, method = scorer.sequence(keys, shots=shots)
    return QcReport(
        shots=records,
        sequence=sequence,
        sequence_method=method,
        measured=sorted({name for r in records for name in r.scores}),
        not_measured={**scorer.not_measured(), **({"palette_delta_e": "no plan"} if plan is None else {})},
        thresholds=scorer.thresholds,
        notes=[*notes, *scorer.notes],
    )


def _record(index: int, scores: dict[str, float], notes: list[str], scorer: Scorer) -> ShotQc:
    from cutroom.core.qc.models import TakeQc

    failed = scorer.failing(scores)
    return ShotQc(
        index=index,
        scores=scores,
        failed=failed,
        takes=[TakeQc(take=1, seed=take_seed(0, index, 1), scores=scores, failed=failed, kept=True)],
        notes=notes,
    )


def find_plan(folder: Path) -> Plan | None:
    """plan.json or storyboard.json in ``folder`` or the folders above it (a run's layout)."""
    for place in [folder, *folder.parents][:4]:
        if (place / "plan.json").is_file():
            return Plan.model_validate_json((place / "plan.json").read_text(encoding="utf-8"))
        if (place / "storyboard.json").is_file():
            return Storyboard.model_validate_json(
                (place / "storyboard.json").read_text(encoding="utf-8")
            ).plan
    return None


def videos_in(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"There is no file or folder at {path}.")
    found = sorted(p for p in path.rglob("*.mp4") if not p.name.startswith("."))
    if not found:
        raise InputError(f"There is no .mp4 video in {path}.")
    return found
