"""Voice backend "espeak": espeak-ng, offline and instant, with estimated word timings.

espeak-ng writes a 22 kHz mono WAV in a few hundredths of a second. It reports no word
times, so they are estimated: the voiced span of the WAV is found by its energy, and the
words share it by syllable weight, with pauses after punctuation. Captions only need to land
within a fraction of a word, which this does.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

from cutroom.core.backends import Speech, voices
from cutroom.core.errors import BackendError, UnavailableError
from cutroom.core.speech import DEFAULT_WPM, estimate_word_timings, read_wav, voiced_span

DEFAULT_VOICE = "en-us"
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
