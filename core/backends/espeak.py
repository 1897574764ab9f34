"""Voice backend "espeak": espeak-ng, offline and instant, with estimated word timings.

espeak-ng writes a 22 kHz mono WAV in a few hundredths of a second. It reports no word
times, so they are estimated: the voiced span of the WAV is found by its energy, and the
words share it by syllable weight, with pauses after punctuation. Captions only need to land
within a fraction of a word, which this does.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

from cutroom.core.backends import Speech, WordTiming, voices
from cutroom.core.errors import BackendError, UnavailableError

DEFAULT_VOICE = "en-us"
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
        raise BackendError(f"espeak-ng wrote {8 * width}-bit audio; Cutroom expects 16-bit.")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def voiced_span(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """Start and end (s) of the audible part: espeak pads its WAVs with silence."""
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


class EspeakVoice:
    """espeak-ng through its command line (``espeak-ng -v VOICE -s WPM -w OUT TEXT``)."""

    def __init__(self, executable: str | None = None, default_voice: str = DEFAULT_VOICE) -> None:
        found = (
            shutil.which(executable) if executable else shutil.which("espeak-ng") or shutil.which("espeak")
        )
        if not found:
            raise UnavailableError(
                "espeak-ng is not installed, so the ad will have captions but no voice. "
                "Install it with: sudo apt-get install espeak-ng"
            )
        self.executable = found
        self.default_voice = default_voice

    def speak(self, text: str, *, out: Path, voice: str | None = None, rate_wpm: int | None = None) -> Speech:
        text = " ".join(text.split())
        out.parent.mkdir(parents=True, exist_ok=True)
        if not text:
            _write_silence(out, 22050, 0.0)
            return Speech(wav=out, duration_s=0.0, words=[])
        wpm = int(min(450, max(80, rate_wpm or DEFAULT_WPM)))
        # "--" ends options, so a line that starts with "-" is still spoken, never parsed.
        cmd = [self.executable, "-v", voice or self.default_voice, "-s", str(wpm), "-w", str(out), "--", text]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0 or not out.exists():
            if voice and voice != self.default_voice:  # an unknown voice: fall back to the default
                return self.speak(text, out=out, voice=None, rate_wpm=rate_wpm)
            raise BackendError(
                f"espeak-ng could not speak the line: {done.stderr.strip()[:200] or 'no message'}"
            )
        samples, rate = read_wav(out)
        duration = samples.size / rate
        start, end = voiced_span(samples, rate)
        return Speech(wav=out, duration_s=duration, words=estimate_word_timings(text, start, end))


def _write_silence(path: Path, rate: int, seconds: float) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(rate * seconds))


@voices.register("espeak")
def _create(**options: object) -> EspeakVoice:
    executable = options.get("executable")
    return EspeakVoice(executable=str(executable) if executable else None)
