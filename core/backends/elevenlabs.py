"""Voice backend "elevenlabs": ElevenLabs text to speech with character timestamps.

One call to ``convert_with_timestamps`` returns the audio (base64) and when each character
is spoken; words are the runs of non-space characters, so captions land on real timings
instead of estimates. The audio (mp3 by default, available on every plan) becomes the 16-bit
mono WAV the mixer expects through the bundled ffmpeg; raw ``pcm_*`` is written directly.
"""

from __future__ import annotations

import base64
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cutroom.core.backends import Speech, WordTiming, voices
from cutroom.core.errors import BackendError, TransientError, UnavailableError

KEY_ENV = "ELEVENLABS_API_KEY"
#: "Rachel", a premade voice every account has.
DEFAULT_VOICE_ID = "21m00Tcm4TlvDq8ikWAM"
DEFAULT_MODEL = "eleven_multilingual_v2"
#: The renderer's A/B variants ask for espeak voice names (core.render.ALT_VOICES); here they
#: become premade voices of the same character: Bella (female US), George (British), Elli.
ALTERNATE_VOICES = {
    "en-us+f3": "EXAVITQu4vr4xnSDxMaL",
    "en-gb+m3": "JBFqnCBsd6RMkjVDRZzb",
    "en-us+f4": "MF3mGyEYCl7XYWbV9V6O",
}
NORMAL_WPM = 160
#: ElevenLabs accepts speeds from 0.7 to 1.2 (1.0 is the voice's own pace).
MIN_SPEED, MAX_SPEED = 0.7, 1.2


def words_from_alignment(
    characters: Sequence[str], starts: Sequence[float], ends: Sequence[float]
) -> list[WordTiming]:
    """Character timings to word timings: a word runs from its first letter to its last."""
    words: list[WordTiming] = []
    current: list[str] = []
    start = end = 0.0
    for char, char_start, char_end in zip(characters, starts, ends, strict=False):
        if char.isspace():
            if current:
                words.append(WordTiming("".join(current), start, end))
                current = []
            continue
        if not current:
            start = float(char_start)
        current.append(char)
        end = float(char_end)
    if current:
        words.append(WordTiming("".join(current), start, end))
    return words


def speed_for(rate_wpm: int | None) -> float | None:
    """Words per minute to ElevenLabs' speed factor, clamped to what it accepts."""
    if not rate_wpm:
        return None
    return round(min(MAX_SPEED, max(MIN_SPEED, rate_wpm / NORMAL_WPM)), 3)


class ElevenLabsVoice:
    """ElevenLabs through its official client; ``voice`` in ``speak`` is an ElevenLabs voice id."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        voice_id: str = DEFAULT_VOICE_ID,
        model: str = DEFAULT_MODEL,
        output_format: str = "mp3_44100_128",
        timeout_s: float = 120.0,
        max_retries: int = 2,
        ffmpeg: str | None = None,
    ) -> None:
        if not api_key:
            raise UnavailableError(
                f"The ElevenLabs voice needs an API key: set {KEY_ENV} in the environment or in .env "
                "(or use the espeak voice)."
            )
        from elevenlabs import ElevenLabs

        self.client = ElevenLabs(api_key=api_key, base_url=base_url, timeout=timeout_s)
        self.voice_id = voice_id
        self.model = model
        self.output_format = output_format
        self.max_retries = max_retries
        self._ffmpeg = ffmpeg

    def speak(self, text: str, *, out: Path, voice: str | None = None, rate_wpm: int | None = None) -> Speech:
        out.parent.mkdir(parents=True, exist_ok=True)
        if not text.strip():
            _write_pcm(out, b"\x00\x00" * 6615, 22050)
            return Speech(wav=out, duration_s=0.3, words=[])
        voice_id = ALTERNATE_VOICES.get(voice, voice) if voice else self.voice_id
        response = self._request(text, voice_id, speed_for(rate_wpm))
        audio = base64.b64decode(response.audio_base_64 or "")
        if not audio:
            raise BackendError("ElevenLabs returned no audio for the voice-over.")
        if self.output_format.startswith("pcm_"):
            _write_pcm(out, audio, int(self.output_format.split("_")[1]))
        else:
            self._to_wav(audio, out)
        with wave.open(str(out), "rb") as wav:
            duration = wav.getnframes() / wav.getframerate()
        alignment = response.alignment or response.normalized_alignment
        words = (
            words_from_alignment(
                alignment.characters,
                alignment.character_start_times_seconds,
                alignment.character_end_times_seconds,
            )
            if alignment is not None
            else []
        )
        return Speech(wav=out, duration_s=duration, words=words)

    def _request(self, text: str, voice_id: str, speed: float | None) -> Any:
        import httpx
        from elevenlabs import VoiceSettings
        from elevenlabs.core.api_error import ApiError

        options: dict[str, Any] = {}
        if speed is not None:
            options["voice_settings"] = VoiceSettings(speed=speed)
        try:
            return self.client.text_to_speech.convert_with_timestamps(
                voice_id,
                text=text,
                model_id=self.model,
                output_format=self.output_format,
                request_options={"max_retries": self.max_retries},
                **options,
            )
        except ApiError as exc:
            status = exc.status_code or 0
            if status in (401, 403):
                raise UnavailableError(
                    f"ElevenLabs refused the API key ({status}). Check {KEY_ENV} in the environment or .env."
                ) from exc
            if status in (408, 409, 429) or status >= 500:
                seconds = _seconds((exc.headers or {}).get("retry-after"))
                wait = f"; it asked to wait {seconds:g} s" if seconds is not None else ""
                err = TransientError(f"ElevenLabs is busy or failing right now (HTTP {status}{wait}).")
                err.retry_after_s = seconds  # type: ignore[attr-defined]
                raise err from exc
            if status == 404:
                raise BackendError(
                    f"ElevenLabs does not know the voice '{voice_id}'. Pick a voice id from your ElevenLabs voice library."
                ) from exc
            raise BackendError(f"ElevenLabs rejected the voice-over ({status}): {exc.body}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"Could not reach ElevenLabs ({type(exc).__name__}).") from exc

    def _to_wav(self, audio: bytes, out: Path) -> None:
        ffmpeg = self._ffmpeg
        if ffmpeg is None:
            import imageio_ffmpeg

            ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        result = subprocess.run(
            [ffmpeg, "-v", "error", "-y", "-i", "pipe:0", "-ac", "1", "-c:a", "pcm_s16le", str(out)],
            input=audio,
            capture_output=True,
        )
        if result.returncode != 0:
            raise BackendError(
                "Could not decode the ElevenLabs audio: "
                + result.stderr.decode(errors="replace").strip()[-300:]
            )


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _write_pcm(path: Path, pcm: bytes, rate: int) -> None:
    """ElevenLabs' pcm_* formats are 16-bit little-endian mono."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm[: len(pcm) - len(pcm) % 2])


@voices.register("elevenlabs")
def _create(**options: Any) -> ElevenLabsVoice:
    return ElevenLabsVoice(**options)
