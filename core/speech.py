"""Speech as the mixer and the captions see it: WAV samples, the voiced span, word timings.

Shared by every voice engine and by ``core.audio``: engines that report no word times
(espeak-ng) get them estimated from syllables inside the voiced span, which lands captions
within a fraction of a word.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np

from cutroom.core.backends import WordTiming
from cutroom.core.errors import BackendError

DEFAULT_WPM = 160
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """A rough syllable count: vowel groups, silent final e, digits said as words."""
    core = re.sub(r"[^a-z0-9]", "", word.lower())
    if not core:
        return 0
    if core.isdigit():
        return 2 * len(core)
    count = len(_VOWEL_GROUPS.findall(core))
    if core.endswith("e") and count > 1 and not core.endswith("le"):
        count -= 1
    return max(1, count)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples in -1..1 and the sample rate."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        channels = wav.getnchannels()
        width = wav.getsampwidth()
        raw = wav.readframes(wav.getnframes())
    if width != 2:
        raise BackendError(f"The voice engine wrote {8 * width}-bit audio; Cutroom expects 16-bit.")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def voiced_span(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """Start and end (s) of the audible part: voice engines pad their WAVs with silence."""
    if samples.size == 0:
        return 0.0, 0.0
    hop = max(1, rate // 100)
    n = samples.size // hop
    if n == 0:
        return 0.0, samples.size / rate
    energy = np.sqrt((samples[: n * hop].reshape(n, hop) ** 2).mean(axis=1))
    loud = np.nonzero(energy > max(1e-4, energy.max() * 0.03))[0]
    if loud.size == 0:
        return 0.0, samples.size / rate
    return float(loud[0] * hop / rate), float(min(samples.size, (loud[-1] + 1) * hop) / rate)


def estimate_word_timings(text: str, start_s: float, end_s: float) -> list[WordTiming]:
    """Share [start_s, end_s] among the words by syllables, plus a pause after , . ! ?"""
    words = text.split()
    if not words or end_s <= start_s:
        return []
    weights = []
    for word in words:
        weight = 0.6 + syllables(word) + 0.03 * len(word)
        pause = 1.2 if word[-1] in ".!?" else 0.7 if word[-1] in ",;:—-" else 0.0
        weights.append((weight, pause))
    total = sum(w + p for w, p in weights[:-1]) + weights[-1][0]
    scale = (end_s - start_s) / total
    timings: list[WordTiming] = []
    t = start_s
    for word, (weight, pause) in zip(words, weights, strict=True):
        duration = weight * scale
        timings.append(WordTiming(word=word, start_s=round(t, 4), end_s=round(t + duration, 4)))
        t += duration + pause * scale
    return timings
