"""One variant, from RenderSpec to video.mp4, thumbnail, captions and manifest, stage by stage."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2

from cutroom.core import audio, compose
from cutroom.core.clips import backend as clip_hooks
from cutroom.core.encode import concat_and_mux, extract_frame
from cutroom.core.errors import (
    BackendError,
    Cancelled,
)
from cutroom.core.graphics.fonts import font_and_notice
from cutroom.core.graphics.logo import load_logo
from cutroom.core.models import ConsistencyReport, Plan, RenderSpec, Variant
from cutroom.core.progress import OnProgress, no_progress
from cutroom.core.qc.models import QcReport
from cutroom.core.render.options import RENDERER_VERSION, RenderOptions, _voice_backend
from cutroom.core.render.report import _consistency, _qc_scores, _scores
from cutroom.core.render.shots import _shot_seed_key, _ShotQc, _ShotRenderer, _Stopwatch, _Take, _write_text
from cutroom.core.render.sound import _make_sound
from cutroom.core.render.timeline import check_plan, shot_frames
from cutroom.core.render.variants import variant_id
from cutroom.core.store import writable_dir


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
            track, cues = _voice_and_captions(spec, voice_lines, windows, duration_s, size, options, work, notices)
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
        font, font_notice = font_and_notice(plan.brief.brand.font, bold=True)
        body_font, _ = (
            font_and_notice(plan.brief.brand.font, bold=False)
            if plan.brief.brand.font
            else font_and_notice(None, bold=True)
        )
        if font_notice:
            notices.append(font_notice)
        logo, logo_notice = load_logo(plan.brief.brand.logo)
        if logo_notice:
            notices.append(logo_notice)
        layout = compose.Layout(aspect=spec.aspect_ratio, size=size, font=font, body_font=body_font)
        shots_report: list[dict[str, Any]] = []
        segment_paths: list[Path] = []
        keys = _segment_keys(spec, options, size, starts, windows, cues, screen_texts, fonts=[font, body_font])

        renderer = _ShotRenderer(spec, options, size=size, layout=layout, logo=logo)
        renderers.append(renderer)
        clip_hooks.bind(renderer.clip, lambda f, m: on_progress("render", 0.08, m), should_cancel)
        clip_hooks.plan_takes(renderer.clip, {s.index: spec.seed_for(s.index) for s in plan.shots})
        qc = _ShotQc(plan, options, notices, clock) if options.qc.enabled else None
        done_frames = 0
        seg_root = segments_dir or work
        for i, shot in enumerate(plan.shots):
            cancelled()
            path = seg_root / f"{keys[i]}.mp4"
            n = starts[i + 1] - starts[i]
            reused = path.is_file() and path.stat().st_size > 0 and not (qc is not None and qc.undecided(path))
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
                    take(1, spec.seed_for(shot.index))
                else:
                    qc.shoot(shot, path, take, renderer, seed=spec.seed_for(shot.index))
            done_frames += n
            on_progress(
                "render", 0.08 + 0.86 * done_frames / total_frames, f"Shot {shot.index} of {len(plan.shots)}"
            )
            segment_paths.append(path)
            shots_report.append(
                {
                    "index": shot.index,
                    "frames": n,
                    "key": keys[i],
                    "reused": reused,
                    "seed": spec.seed_for(shot.index),
                }
            )
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
        manifest_path = out_dir / "manifest.json"
        manifest = _manifest(
            spec, vid, options, size, total_frames, duration_s, clock, render_s, shots_report, track, sound_result,
            len(cues), notices, report, qc_report,
        )  # fmt: skip
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


def _voice_and_captions(
    spec: RenderSpec,
    voice_lines: list[str],
    windows: list[tuple[float, float]],
    duration_s: float,
    size: tuple[int, int],
    options: RenderOptions,
    work: Path,
    notices: list[str],
) -> tuple[audio.VoiceTrack, list[audio.Cue]]:
    """Stage 1: the voice-over fitted to each shot's window, and the captions its words time."""
    plan = spec.plan
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
        track = audio.build_voice_track(lines, total_s=duration_s, backend=None, voice=None, work_dir=work)
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
    return track, cues


def _segment_keys(
    spec: RenderSpec,
    options: RenderOptions,
    size: tuple[int, int],
    starts: list[int],
    windows: list[tuple[float, float]],
    cues: list[audio.Cue],
    screen_texts: list[str],
    *,
    fonts: list[str | None],
) -> list[str]:
    """Each shot's segment cache key: a digest of everything that decides its pixels."""
    plan = spec.plan
    base_key = {
        "v": RENDERER_VERSION,
        "size": size,
        "fps": spec.fps,
        "preset": options.preset,
        "crf": options.crf,
        "image": options.image_backend,
        "clip": options.clip_backend,
        "seed": spec.seed,
        "aspect": spec.aspect_ratio,
        "plan": _plan_key(plan),
        "logo": compose.logo_digest(plan.brief.brand.logo),
        "fonts": fonts,
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
            "prev": plan.shots[i - 1].model_dump(mode="json") if i and shot.transition_in != "cut" else None,
            "prev_frames": starts[i] - starts[i - 1] if i else 0,
            **_shot_seed_key(spec, shot.index),
        }
        keys.append(_digest(key))
    return keys


def _manifest(
    spec: RenderSpec,
    vid: str,
    options: RenderOptions,
    size: tuple[int, int],
    total_frames: int,
    duration_s: float,
    clock: _Stopwatch,
    render_s: float,
    shots_report: list[dict[str, Any]],
    track: audio.VoiceTrack,
    sound_result: dict[str, Any],
    n_captions: int,
    notices: list[str],
    report: ConsistencyReport | None,
    qc_report: QcReport | None,
) -> dict[str, Any]:
    """What manifest.json records: the choice, the settings (no secrets), timings, shots, sound, scores."""
    reused_count = sum(1 for s in shots_report if s["reused"])
    return {
        "variant": vid,
        "aspect_ratio": spec.aspect_ratio,
        "choice": spec.variant.model_dump(mode="json"),
        "size": list(size),
        "fps": spec.fps,
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
        "captions": n_captions,
        "notices": notices,
        "consistency": report.model_dump(mode="json") if report else None,
        "qc": qc_report.model_dump(mode="json") if qc_report else None,
    }
