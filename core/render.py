"""RenderSpec to finished variant: voice, music, moving shots, compositing, one MP4.

    RenderSpec ─┬─ voice lines ──speak, fit──▶ words ──▶ captions (.srt + burned in)
                ├─ tone + cuts ──▶ music bed ──duck, master──▶ mix.wav
                └─ per shot: panel ──clip──▶ frames ──transition, text, captions, logo──▶ segment.mp4
                   segments ──concat (-c copy) + mix.wav (AAC)──▶ video.mp4 (+faststart)

Shots are encoded as separate segments, cached by a hash of everything that decides their
pixels: a render killed midway and started again with the same ``cache_dir`` reuses the
shots it finished, and a variant that differs only in its hook re-renders only the hook.
Every file appears under its final name only when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing as mp
import os
import queue
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cutroom.core import audio, compose
from cutroom.core.artifacts import writable_dir
from cutroom.core.backends import (
    ClipBackend,
    FaceEmbedder,
    ImageBackend,
    PanelArt,
    VoiceBackend,
    clips,
    faces,
    images,
    voices,
)
from cutroom.core.clips import backend as clip_hooks
from cutroom.core.consistency import consistency_report
from cutroom.core.encode import FrameWriter, concat_and_mux, encode_aac, extract_frame, extract_frames
from cutroom.core.errors import (
    BackendError,
    Cancelled,
    CutroomError,
    PlanError,
    RenderError,
    UnavailableError,
)
from cutroom.core.lifetime import die_with_parent
from cutroom.core.models import AspectRatio, ConsistencyReport, Plan, RenderSpec, Shot, Variant, VariantChoice
from cutroom.core.progress import OnProgress, no_progress
from cutroom.core.qc.models import QcOptions, QcReport, ShotQc
from cutroom.core.qc.retake import RetakeBudget, best_take
from cutroom.core.qc.scores import SAMPLE_LONG_SIDE, Measured, Sampler
from cutroom.core.qc.setup import make_scorer

#: Bump when the compositor's output changes, so old cached segments are not reused.
RENDERER_VERSION = "2"

#: Long side (px) of the frames read back for the consistency report: colour statistics need
#: few pixels; a face embedder needs faces big enough to detect.
REPORT_LONG_SIDE = 320
FACE_LONG_SIDE = 640

ALT_VOICES: list[tuple[str, str]] = [
    ("en-us+f3", "a female US"),
    ("en-gb+m3", "a British"),
    ("en-us+f4", "a brighter female"),
]


class RenderOptions(BaseModel):
    """How to render (not what): encoder settings, parallelism and which backends draw and speak."""

    model_config = ConfigDict(extra="forbid")

    fps: int = Field(default=30, ge=12, le=60)
    preset: str = "veryfast"
    crf: int = Field(default=20, ge=0, le=51)
    workers: int = Field(default=2, ge=1)
    image_backend: str = "animatic"
    clip_backend: str = "animatic"
    voice_backend: str | None = "espeak"
    #: Face embedder for the consistency report's identity scores; None leaves identity unmeasured.
    face_backend: str | None = None
    audio_bitrate: str = "160k"
    #: Modules to import before backends are looked up, so plug-in backends registered
    #: outside core also exist in worker processes.
    backend_modules: list[str] = Field(default_factory=list)
    music: bool = True
    captions: bool = True
    #: Keyword options per backend kind ("image", "clip", "voice", "face"): keys, base URLs, model
    #: folders, device. They may hold secrets, so manifests leave them out.
    backend_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: Scores per shot and the retake rule (core.qc); ``enabled=False`` renders without them.
    qc: QcOptions = Field(default_factory=QcOptions)

    def create_options(self, kind: str) -> dict[str, Any]:
        return dict(self.backend_options.get(kind) or {})

    def public(self) -> dict[str, Any]:
        """What a manifest records: everything but the backends' options."""
        return self.model_dump(mode="json", exclude={"backend_options"})


# ── variants ────────────────────────────────────────────────────────────────────────────


def _alternate_hooks(plan: Plan) -> list[str]:
    product = plan.brief.product or plan.brief.brand.name or "this"
    hooks = [f"Wait until you see {product}.", f"Meet {product}.", "Stop scrolling. You'll want this."]
    if plan.brief.audience:
        audience = plan.brief.audience.strip().rstrip(".")
        hooks.insert(1, f"{audience[:1].upper()}{audience[1:]}, this one's for you.")
    main = " ".join(plan.hook.lower().split())
    return [h for h in hooks if " ".join(h.lower().split()) != main]


def variant_specs(
    plan: Plan, *, aspects: list[AspectRatio] | None = None, n_variants: int = 1, seed: int = 0, fps: int = 30
) -> list[RenderSpec]:
    """One spec per aspect and variant: A is the main cut; B, C... swap the hook and the voice."""
    check_plan(plan, fps)
    specs: list[RenderSpec] = []
    hooks = _alternate_hooks(plan)
    for aspect in aspects or plan.aspect_ratios:
        for v in range(max(1, n_variants)):
            name = chr(ord("A") + v)
            if v == 0:
                choice = VariantChoice(name="A", description="Main cut")
            else:
                hook = hooks[(v - 1 + seed) % len(hooks)]
                voice, voice_words = ALT_VOICES[(v - 1) % len(ALT_VOICES)]
                choice = VariantChoice(
                    name=name,
                    hook=hook,
                    voice=voice,
                    description=f"Alternate hook \u201c{hook}\u201d read in {voice_words} voice",
                )
            specs.append(RenderSpec(plan=plan, aspect_ratio=aspect, variant=choice, seed=seed, fps=fps))
    return specs


def variant_id(spec: RenderSpec) -> str:
    return f"{spec.aspect_ratio.replace(':', 'x')}-{spec.variant.name}"


# ── checks ──────────────────────────────────────────────────────────────────────────────


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


# ── one variant ─────────────────────────────────────────────────────────────────────────


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


def _texts(spec: RenderSpec) -> tuple[list[str], list[str]]:
    """Voice-over and on-screen text per shot, with the variant's hook in the opening shot."""
    voice = [shot.voice_over for shot in spec.plan.shots]
    screen = [shot.on_screen_text for shot in spec.plan.shots]
    if spec.variant.hook:
        voice[0] = spec.variant.hook
        screen[0] = spec.variant.hook
    return voice, screen


def _plan_key(plan: Plan) -> dict[str, Any]:
    """The plan as a cache key: local files (logo, cast pictures) by content, not by path.

    Each attempt of a render fetches them into its own work folder, so their paths differ
    between a killed try and its retry while the pictures are the same.
    """
    key = plan.model_dump(mode="json", exclude={"shots"})
    key["brief"]["brand"]["logo"] = None
    for entity in key["bible"]["entities"]:
        ref = entity.get("reference_image")
        if ref and Path(ref).expanduser().is_file():
            entity["reference_image"] = compose.logo_digest(ref)
    return key


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:32]


def render_variant(
    spec: RenderSpec,
    *,
    out_dir: Path,
    options: RenderOptions | None = None,
    cache_dir: Path | None = None,
    on_progress: OnProgress = no_progress,
    should_cancel: Callable[[], bool] = lambda: False,
) -> Variant:
    """Render one variant into ``out_dir``: video.mp4, thumbnail.png, captions.srt, manifest.json.

    Backends are built by name from ``options`` so this runs the same in a worker process.
    Raises PlanError/InputError for fixable input, Cancelled when ``should_cancel`` turns true
    (partial files removed), RenderError when ffmpeg fails.
    """
    options = options or RenderOptions()
    started = time.perf_counter()
    clock = _Stopwatch()
    plan = spec.plan
    fps = spec.fps
    width, height = spec.size
    size = (width - width % 2, height - height % 2)  # H.264 4:2:0 needs even sides
    check_plan(plan, fps)
    out_dir = writable_dir(Path(out_dir), "video")
    segments_dir = writable_dir(Path(cache_dir) / "segments", "render cache") if cache_dir else None
    vid = variant_id(spec)
    notices: list[str] = []
    if size != (width, height):
        notices.append(f"The frame size was rounded to {size[0]}x{size[1]} (video needs even sides).")

    def cancelled() -> None:
        if should_cancel():
            raise Cancelled("The render was cancelled.")

    work = Path(tempfile.mkdtemp(prefix=".render-", dir=out_dir))
    # ffmpeg keeps every core busy; OpenCV's own thread pool would only fight it for them.
    cv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    sound_pool: ThreadPoolExecutor | None = None
    sound_stop = threading.Event()
    renderers: list[_ShotRenderer] = []
    try:
        on_progress("render", 0.0, "Preparing")
        starts = shot_frames(plan, fps)
        total_frames = starts[-1]
        duration_s = total_frames / fps
        windows = [(starts[i] / fps, starts[i + 1] / fps) for i in range(len(plan.shots))]
        voice_lines, screen_texts = _texts(spec)

        # 1. Voice-over and the captions its words time.
        with clock.stage("voice"):
            voice_backend = _voice_backend(options, notices)
            lines = [
                audio.ShotLine(shot.index, start, end, text)
                for shot, (start, end), text in zip(plan.shots, windows, voice_lines, strict=True)
            ]
            try:
                track = audio.build_voice_track(
                    lines, total_s=duration_s, backend=voice_backend, voice=spec.variant.voice, work_dir=work
                )
            except BackendError as exc:
                notices.append(f"The voice could not be generated ({exc}); the ad has captions only.")
                track = audio.build_voice_track(
                    lines, total_s=duration_s, backend=None, voice=None, work_dir=work
                )
            notices += track.notices
            portrait = size[1] > size[0]
            cues = (
                audio.caption_cues(
                    track,
                    {shot.index: end for shot, (_, end) in zip(plan.shots, windows, strict=True)},
                    max_chars=26 if portrait else 40,
                )
                if options.captions
                else []
            )
        cancelled()
        on_progress("render", 0.04, "Music")

        # 2. Music under the voice, mastered to -14 LUFS and encoded to AAC, in a thread
        #    while the shots render (numpy and ffmpeg release the GIL).
        cut_times = [start for start, _ in windows[1:]]
        sound_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cutroom-sound")
        sound = sound_pool.submit(
            _make_sound,
            plan,
            track.samples,
            cut_times,
            duration_s,
            spec.seed,
            options,
            work,
            clock,
            lambda: sound_stop.is_set() or should_cancel(),
        )
        on_progress("render", 0.04, "Drawing shots")

        # 3. Shots, each its own cached segment.
        font, font_notice = compose.find_font(plan.brief.brand.font, bold=True)
        body_font, _ = (
            compose.find_font(plan.brief.brand.font, bold=False)
            if plan.brief.brand.font
            else compose.find_font(None, bold=True)
        )
        if font_notice:
            notices.append(font_notice)
        logo, logo_notice = compose.load_logo(plan.brief.brand.logo)
        if logo_notice:
            notices.append(logo_notice)
        layout = compose.Layout(aspect=spec.aspect_ratio, size=size, font=font, body_font=body_font)
        shots_report: list[dict[str, Any]] = []
        segment_paths: list[Path] = []
        base_key = {
            "v": RENDERER_VERSION,
            "size": size,
            "fps": fps,
            "preset": options.preset,
            "crf": options.crf,
            "image": options.image_backend,
            "clip": options.clip_backend,
            "seed": spec.seed,
            "aspect": spec.aspect_ratio,
            "plan": _plan_key(plan),
            "logo": compose.logo_digest(plan.brief.brand.logo),
            "fonts": [font, body_font],
        }
        keys = []
        for i, shot in enumerate(plan.shots):
            shot_cues = [c for c in cues if c.shot_index == shot.index]
            key = {
                **base_key,
                "shot": shot.model_dump(mode="json"),
                "text": screen_texts[i],
                "frames": [starts[i], starts[i + 1]],
                "cues": [
                    [c.text, round(c.start_s - windows[i][0], 3), round(c.end_s - windows[i][0], 3)]
                    for c in shot_cues
                ],
                "last": i == len(plan.shots) - 1,
                "next": plan.shots[i + 1].transition_in if i + 1 < len(plan.shots) else None,
                "prev": plan.shots[i - 1].model_dump(mode="json")
                if i and shot.transition_in != "cut"
                else None,
                "prev_frames": starts[i] - starts[i - 1] if i else 0,
            }
            keys.append(_digest(key))

        renderer = _ShotRenderer(spec, options, size=size, layout=layout, logo=logo)
        renderers.append(renderer)
        clip_hooks.bind(renderer.clip, lambda f, m: on_progress("render", 0.08, m), should_cancel)
        qc = _ShotQc(plan, options, notices, clock) if options.qc.enabled else None
        done_frames = 0
        seg_root = segments_dir or work
        for i, shot in enumerate(plan.shots):
            cancelled()
            path = seg_root / f"{keys[i]}.mp4"
            n = starts[i + 1] - starts[i]
            reused = path.is_file() and path.stat().st_size > 0
            if reused and qc is not None:
                qc.reused(shot.index, path)
            if not reused:
                shot_cues = [c for c in cues if c.shot_index == shot.index]

                def progress(k: int, base: int = done_frames, index: int = shot.index) -> None:
                    on_progress(
                        "render",
                        0.08 + 0.86 * (base + k) / total_frames,
                        f"Shot {index} of {len(plan.shots)}",
                    )

                def take(
                    number: int,
                    seed: int,
                    i: int = i,
                    n: int = n,
                    cues: list[audio.Cue] = shot_cues,
                    path: Path = path,
                ) -> _Take:
                    dest = path if number == 1 else path.with_name(f".{path.stem}.take{number}.mp4")
                    sampler = qc.sampler(n) if qc is not None else None
                    with clock.stage("shots" if number == 1 else "retakes"):
                        motion = renderer.render_shot(
                            i,
                            dest,
                            n_frames=n,
                            on_screen_text=screen_texts[i],
                            cues=cues,
                            shot_start_s=windows[i][0],
                            prev_frames=(starts[i] - starts[i - 1]) if i else 0,
                            on_frame=progress,
                            should_cancel=should_cancel,
                            clock=clock,
                            seed=seed,
                            sampler=sampler,
                        )
                    return _Take(dest, sampler, motion)

                if qc is None:
                    take(1, spec.seed)
                else:
                    qc.shoot(shot, path, take, renderer, seed=spec.seed)
            done_frames += n
            on_progress(
                "render", 0.08 + 0.86 * done_frames / total_frames, f"Shot {shot.index} of {len(plan.shots)}"
            )
            segment_paths.append(path)
            shots_report.append({"index": shot.index, "frames": n, "key": keys[i], "reused": reused})
        renderer.finish()
        notices += clip_hooks.clip_notices(renderer.clip)
        cancelled()
        sound_result = sound.result()
        qc_report = qc.report() if qc is not None else None

        # 4. One file: segments joined without re-encoding, the mix as AAC, moov first.
        on_progress("render", 0.95, "Joining shots and sound")
        video = out_dir / "video.mp4"
        with clock.stage("mux"):
            concat_and_mux(
                segment_paths,
                sound_result["aac"],
                video,
                audio_bitrate=options.audio_bitrate,
                duration_s=duration_s,
            )
        with clock.stage("thumbnail"):
            first = plan.shots[0].duration_s
            thumbnail = extract_frame(
                video, min(first * 0.7, max(0.0, first - 0.2)), out_dir / "thumbnail.png"
            )
        captions = out_dir / "captions.srt"
        _write_text(captions, audio.srt(cues))

        # 5. The consistency report, from one frame in the middle of each shot of the video.
        with clock.stage("consistency"):
            report = _consistency(video, plan, starts, fps, size, options, notices)
        render_s = round(time.perf_counter() - started, 3)
        reused_count = sum(1 for s in shots_report if s["reused"])
        if not track.spoken and options.voice_backend:
            pass  # the notice was added where the voice backend failed
        manifest_path = out_dir / "manifest.json"
        manifest = {
            "variant": vid,
            "aspect_ratio": spec.aspect_ratio,
            "choice": spec.variant.model_dump(mode="json"),
            "size": list(size),
            "fps": fps,
            "frames": total_frames,
            "duration_s": duration_s,
            "seed": spec.seed,
            "settings": options.public(),
            "renderer_version": RENDERER_VERSION,
            "timings_s": clock.timings,
            "render_s": render_s,
            "shots": shots_report,
            "shots_rendered": len(shots_report) - reused_count,
            "shots_reused": reused_count,
            "audio": {"voice": bool(track.spoken), **sound_result["report"]},
            "captions": len(cues),
            "notices": notices,
            "consistency": report.model_dump(mode="json") if report else None,
            "qc": qc_report.model_dump(mode="json") if qc_report else None,
        }
        _write_text(manifest_path, json.dumps(manifest, indent=2))
        on_progress("render", 1.0, "Done")
        return Variant(
            id=vid,
            aspect_ratio=spec.aspect_ratio,
            choice=spec.variant,
            video=str(video),
            thumbnail=str(thumbnail),
            captions=str(captions),
            manifest=str(manifest_path),
            duration_s=duration_s,
            width=size[0],
            height=size[1],
            fps=fps,
            render_s=render_s,
            scores={**_scores(report), **_qc_scores(qc_report)},
            notices=notices,
            consistency=report,
            qc=qc_report,
        )
    except BaseException:
        sound_stop.set()
        for renderer in renderers:
            renderer.abort()
        raise
    finally:
        cv2.setNumThreads(cv_threads)
        if sound_pool is not None:
            sound_pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(work, ignore_errors=True)


def _make_sound(
    plan: Plan,
    voice: np.ndarray,
    cut_times: list[float],
    duration_s: float,
    seed: int,
    options: RenderOptions,
    work: Path,
    clock: _Stopwatch,
    stop: Callable[[], bool],
) -> dict[str, Any]:
    """Music bed, ducking, mastering, AAC: everything the soundtrack needs after the voice.

    ``stop`` turns true when the render is cancelled or fails, so this thread ends quickly too.
    """
    with clock.stage("music"):
        if options.music:
            bed, bpm, mood = audio.music_bed(plan.brief.tone, cut_times, duration_s, seed=seed)
            beat_miss = audio.tempo_for(cut_times, mood)[1]
        else:
            bed, bpm, mood, beat_miss = np.zeros((voice.size, 2), np.float32), 0.0, None, 0.0
    with clock.stage("mix"):
        mixed = audio.mix(voice, bed, should_stop=stop)
        del bed
        loudness = audio.integrated_loudness(mixed)
        wav = audio.write_wav(work / "mix.wav", mixed)
        del mixed
    with clock.stage("aac"):
        aac = encode_aac(wav, work / "mix.m4a", bitrate=options.audio_bitrate, should_cancel=stop)
    return {
        "aac": aac,
        "report": {
            "bpm": bpm,
            "mood": mood.name if mood else None,
            "worst_cut_off_beat_s": round(beat_miss, 4),
            "integrated_lufs": round(loudness, 2),
        },
    }


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.part-{os.getpid()}-{secrets.token_hex(4)}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _import_backend_modules(options: RenderOptions) -> None:
    import importlib

    for module in options.backend_modules:
        importlib.import_module(module)


def _face_backend(options: RenderOptions, notices: list[str]) -> FaceEmbedder | None:
    name = (options.face_backend or "").strip()
    if name.lower() in ("", "none"):
        return None
    _import_backend_modules(options)
    try:
        return faces.create(name, **options.create_options("face"))
    except Exception as exc:  # a missing model pack or library must not cost the video
        notices.append(f"Face identity was not measured: {exc}")
        return None


def _consistency(
    video: Path,
    plan: Plan,
    starts: list[int],
    fps: int,
    size: tuple[int, int],
    options: RenderOptions,
    notices: list[str],
) -> ConsistencyReport | None:
    """Score the finished video against the bible; any failure is a notice, never a failed render."""
    try:
        face = _face_backend(options, notices)
        long_side = FACE_LONG_SIDE if face is not None else REPORT_LONG_SIDE
        scale = min(1.0, long_side / max(size))
        small = (max(2, round(size[0] * scale / 2) * 2), max(2, round(size[1] * scale / 2) * 2))
        # The middle frame of each shot: past any transition, before the next one.
        times = [(starts[i] + starts[i + 1]) // 2 / fps for i in range(len(plan.shots))]
        frames = extract_frames(video, times, size=small)
        shot_frames = {shot.index: frame for shot, frame in zip(plan.shots, frames, strict=True)}
        return consistency_report(plan, shot_frames, face=face)
    except Exception as exc:
        notices.append(f"The consistency report could not be made ({exc}); the video is fine.")
        return None


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

        kept = best_take(
            shot.index,
            take,
            score,
            seed=seed,
            failing=self.scorer.failing,
            badness=self.scorer.badness,
            max_takes=self.options.max_takes,
            budget=self.budget,
        )
        if kept.discarded:
            renderer.finish()  # every take complete under its name before files move
            if kept.value.path != path:
                os.replace(kept.value.path, path)
            for other in kept.discarded:
                if other.path != path:
                    other.path.unlink(missing_ok=True)
            renderer.keep_motion(shot.index - 1, kept.value.motion)
        assert kept.value.sampler is not None
        key = kept.value.sampler.samples.key
        if key is not None:
            self.keys[shot.index] = key
            with contextlib.suppress(OSError):
                cv2.imwrite(str(path.with_suffix(".qc.png")), cv2.cvtColor(key, cv2.COLOR_RGB2BGR))
        _write_text(path.with_suffix(".qc.json"), kept.qc.model_dump_json())
        self.shots.append(kept.qc)

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


def _qc_scores(report: QcReport | None) -> dict[str, float]:
    if report is None or report.sequence is None:
        return {}
    return {"sequence": report.sequence}


def _scores(report: ConsistencyReport | None) -> dict[str, float]:
    """The report's headline numbers, for tables that list variants side by side."""
    if report is None:
        return {}
    scores = {"palette": report.palette_share}
    scores.update({f"identity {e.id}": e.identity for e in report.entities if e.identity is not None})
    return scores


def _voice_backend(options: RenderOptions, notices: list[str]) -> VoiceBackend | None:
    if not options.voice_backend:
        return None
    _import_backend_modules(options)
    try:
        return voices.create(options.voice_backend, **options.create_options("voice"))
    except UnavailableError as exc:
        notices.append(f"{exc} The ad has captions only.")
        return None


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
        if i in self._motions and (seed is None or getattr(self._motions[i], "seed", self.spec.seed) == seed):
            return self._motions[i]
        seed = self.spec.seed if seed is None else seed
        shot = self.plan.shots[i]
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


# ── many variants in parallel ───────────────────────────────────────────────────────────

_worker_queue: Any = None
_worker_cancel: Any = None


def _init_worker(progress_queue: Any, cancel_event: Any, parent_pid: int | None = None) -> None:
    global _worker_queue, _worker_cancel
    die_with_parent(parent_pid)  # a kill -9'd worker must not leave variant renders running
    _worker_queue = progress_queue
    _worker_cancel = cancel_event


def _render_in_worker(
    index: int, spec_json: str, out_dir: str, options_json: str, cache_dir: str | None
) -> str:
    spec = RenderSpec.model_validate_json(spec_json)
    options = RenderOptions.model_validate_json(options_json)

    def report(stage: str, fraction: float, message: str = "") -> None:
        with contextlib.suppress(Exception):
            _worker_queue.put_nowait((index, fraction, message))

    variant = render_variant(
        spec,
        out_dir=Path(out_dir),
        options=options,
        cache_dir=Path(cache_dir) if cache_dir else None,
        on_progress=report,
        should_cancel=_worker_cancel.is_set,
    )
    return variant.model_dump_json()


def render_variants(
    specs: list[RenderSpec],
    *,
    out_root: Path,
    options: RenderOptions | None = None,
    cache_dir: Path | None = None,
    on_progress: OnProgress = no_progress,
    should_cancel: Callable[[], bool] = lambda: False,
) -> list[Variant]:
    """Render variants in parallel (``options.workers`` processes) into ``out_root/<variant id>/``.

    Progress from the workers is averaged and reported from this process; ``should_cancel``
    is polled here and passed on, so every worker stops within about a second.
    """
    options = options or RenderOptions()
    out_root = writable_dir(Path(out_root), "videos")
    if not specs:
        return []
    for spec in specs:
        check_plan(spec.plan, spec.fps)
    workers = min(options.workers, len(specs))
    if workers <= 1:
        results = []
        for n, spec in enumerate(specs):

            def report(stage: str, fraction: float, message: str = "", n: int = n) -> None:
                on_progress("render", (n + fraction) / len(specs), f"{variant_id(specs[n])}: {message}")

            results.append(
                render_variant(
                    spec,
                    out_dir=out_root / variant_id(spec),
                    options=options,
                    cache_dir=cache_dir,
                    on_progress=report,
                    should_cancel=should_cancel,
                )
            )
        return results

    ctx = mp.get_context("spawn")
    progress_queue = ctx.Queue()
    cancel_event = ctx.Event()
    fractions = [0.0] * len(specs)
    last_message = ""
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(progress_queue, cancel_event, os.getpid()),
    ) as pool:
        futures: list[Future[str]] = [
            pool.submit(
                _render_in_worker,
                n,
                spec.model_dump_json(),
                str(out_root / variant_id(spec)),
                options.model_dump_json(),
                str(cache_dir) if cache_dir else None,
            )
            for n, spec in enumerate(specs)
        ]
        pending = set(futures)
        failure: BaseException | None = None
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in done:
                if future.exception() is not None and failure is None:
                    failure = future.exception()
                    cancel_event.set()  # one variant failed: stop the others
                    for other in pending:
                        other.cancel()
                elif future.exception() is None:
                    fractions[futures.index(future)] = 1.0
            while True:
                try:
                    index, fraction, message = progress_queue.get_nowait()
                except queue.Empty:
                    break
                except Exception:  # a torn message from a worker that was killed
                    break
                fractions[index] = max(fractions[index], fraction)
                last_message = f"{variant_id(specs[index])}: {message}"
            if should_cancel() and not cancel_event.is_set():
                cancel_event.set()
            on_progress("render", sum(fractions) / len(fractions), last_message)
        if isinstance(failure, BrokenProcessPool):
            raise RenderError(
                "A render worker stopped unexpectedly (out of memory, or killed). Try again with fewer "
                "variants at once (CUTROOM_RENDER_WORKERS=1)."
            ) from failure
        if failure is not None:
            raise failure
        if cancel_event.is_set():
            raise Cancelled("The render was cancelled.")
    return [Variant.model_validate_json(f.result()) for f in futures]
