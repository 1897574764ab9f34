"""The sound under the picture: music on the cut grid, ducked under the voice, mastered, encoded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from cutroom.core import audio
from cutroom.core.encode import encode_aac
from cutroom.core.models import Plan
from cutroom.core.render.options import RenderOptions
from cutroom.core.render.shots import _Stopwatch


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
