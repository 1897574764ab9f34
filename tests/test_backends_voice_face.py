"""The ElevenLabs voice (real ``elevenlabs`` client against a loopback fake of its API, real
ffmpeg decoding) and the face identity score (insightface's unavailable path, and the score
math on vectors and on images through a small honest embedder)."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cutroom.core.backends import FaceEmbedder, Speech, VoiceBackend, faces, voices
from cutroom.core.backends.elevenlabs import ElevenLabsVoice, speed_for, words_from_alignment
from cutroom.core.backends.face_identity import (
    InsightFaceEmbedder,
    cosine,
    identity_consistency,
    identity_scores,
)
from cutroom.core.errors import BackendError, TransientError, UnavailableError
from cutroom.core.models import Brief, CallToAction, Entity, Plan, Shot, StyleBible
from tests.support.fake_providers import ElevenLabsFake, serving

KEY = "xi-test-key"
LINE = "Tired skin at five? One drop, all-day glow."


@pytest.fixture
def eleven() -> Iterator[ElevenLabsFake]:
    with serving(ElevenLabsFake(KEY)) as fake:
        yield fake  # type: ignore[misc]


def _voice(fake: ElevenLabsFake, **options: object) -> ElevenLabsVoice:
    voice = voices.create("elevenlabs", api_key=KEY, base_url=fake.url, **options)
    assert isinstance(voice, ElevenLabsVoice) and isinstance(voice, VoiceBackend)
    return voice


def _wav_facts(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path), "rb") as wav:
        return (
            wav.getnchannels(),
            wav.getsampwidth(),
            wav.getframerate(),
            wav.getnframes() / wav.getframerate(),
        )


# ── ElevenLabs ──────────────────────────────────────────────────────────────────────────


def test_elevenlabs_speaks_to_a_wav_with_word_timings(eleven: ElevenLabsFake, tmp_path: Path) -> None:
    speech = _voice(eleven).speak(LINE, out=tmp_path / "vo" / "line.wav")

    assert isinstance(speech, Speech)
    channels, width, rate, seconds = _wav_facts(speech.wav)
    assert (channels, width, rate) == (1, 2, 44100)
    expected = len(LINE) * eleven.seconds_per_char + 0.2
    assert abs(seconds - expected) < 0.1 and speech.duration_s == pytest.approx(seconds)
    assert [w.word for w in speech.words] == LINE.split()
    first, second = speech.words[:2]
    assert first.start_s == 0 and first.end_s == pytest.approx(5 * 0.06)  # "Tired"
    assert second.start_s == pytest.approx(6 * 0.06)  # after the space
    assert all(a.end_s <= b.start_s for a, b in zip(speech.words, speech.words[1:], strict=False))

    [request] = eleven.requests
    assert request.method == "POST"
    assert request.path == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/with-timestamps"
    assert request.headers["xi-api-key"] == KEY
    assert request.query["output_format"] == ["mp3_44100_128"]
    assert request.json["text"] == LINE and request.json["model_id"] == "eleven_multilingual_v2"
    assert "voice_settings" not in request.json


def test_elevenlabs_voice_and_rate_reach_the_request(eleven: ElevenLabsFake, tmp_path: Path) -> None:
    _voice(eleven).speak("Hello there", out=tmp_path / "a.wav", voice="voice123", rate_wpm=220)
    request = eleven.requests[0]
    assert request.path == "/v1/text-to-speech/voice123/with-timestamps"
    assert request.json["voice_settings"]["speed"] == 1.2  # 220 wpm is faster than ElevenLabs allows


def test_elevenlabs_pcm_is_written_without_ffmpeg(eleven: ElevenLabsFake, tmp_path: Path) -> None:
    speech = _voice(eleven, output_format="pcm_22050", ffmpeg="/nonexistent/ffmpeg").speak(
        "Shop now", out=tmp_path / "b.wav"
    )
    channels, width, rate, seconds = _wav_facts(speech.wav)
    assert (channels, width, rate) == (1, 2, 22050)
    assert seconds == pytest.approx(len("Shop now") * 0.06 + 0.2, abs=0.01)
    assert eleven.requests[0].query["output_format"] == ["pcm_22050"]


def test_elevenlabs_empty_line_is_silence_without_a_request(eleven: ElevenLabsFake, tmp_path: Path) -> None:
    speech = _voice(eleven).speak("   ", out=tmp_path / "c.wav")
    assert speech.words == [] and _wav_facts(speech.wav)[3] == pytest.approx(0.3)
    assert eleven.requests == []


def test_elevenlabs_errors_in_words(eleven: ElevenLabsFake, tmp_path: Path) -> None:
    eleven.script(
        eleven.error(429, "too many requests", retry_after=4),
        eleven.error(500),
        eleven.error(404, "voice not found"),
    )
    voice = _voice(eleven, max_retries=0)
    with pytest.raises(TransientError, match="429") as caught:
        voice.speak(LINE, out=tmp_path / "x.wav")
    assert caught.value.retry_after_s == 4.0  # type: ignore[attr-defined]
    with pytest.raises(TransientError, match="500"):
        voice.speak(LINE, out=tmp_path / "x.wav")
    with pytest.raises(BackendError, match="does not know the voice 'nobody'"):
        voice.speak(LINE, out=tmp_path / "x.wav", voice="nobody")


def test_elevenlabs_keys(eleven: ElevenLabsFake, tmp_path: Path) -> None:
    with pytest.raises(UnavailableError, match="ELEVENLABS_API_KEY"):
        voices.create("elevenlabs", api_key=None)
    wrong = voices.create("elevenlabs", api_key="wrong", base_url=eleven.url)
    with pytest.raises(UnavailableError, match="refused the API key"):
        wrong.speak(LINE, out=tmp_path / "x.wav")


def test_words_from_alignment_and_speed() -> None:
    text = " Hi,  you!"
    words = words_from_alignment(
        list(text), [i * 0.1 for i in range(len(text))], [i * 0.1 + 0.1 for i in range(len(text))]
    )
    assert [(w.word, round(w.start_s, 2), round(w.end_s, 2)) for w in words] == [
        ("Hi,", 0.1, 0.4),
        ("you!", 0.6, 1.0),
    ]
    assert speed_for(None) is None and speed_for(160) == 1.0 and speed_for(60) == 0.7


# ── faces ───────────────────────────────────────────────────────────────────────────────


def test_insightface_without_its_model_pack_says_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(UnavailableError) as caught:
        faces.create("insightface", root=tmp_path, pack="buffalo_l")
    message = str(caught.value)
    assert str(tmp_path / "models" / "buffalo_l") in message
    assert "CUTROOM_FACE_BACKEND" in message and "cannot be downloaded" in message


def test_importing_the_face_backend_module_first_keeps_the_faces_registry(tmp_path: Path) -> None:
    """The order that used to break: the backend's module imported before any lookup replaced
    the ``faces`` registry attribute with the module. A fresh interpreter, so no earlier test
    has loaded the modules already."""
    import subprocess
    import sys

    script = (
        "import core.backends.face_identity\n"
        "import core.backends as backends\n"
        "from core.errors import UnavailableError\n"
        "assert isinstance(backends.faces, backends.Registry), type(backends.faces)\n"
        "try:\n"
        f"    backends.faces.create('insightface', root={str(tmp_path)!r}, pack='buffalo_l')\n"
        "except UnavailableError:\n"
        "    print('unavailable, as it should be')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[1]
    )
    assert done.returncode == 0, done.stderr
    assert "unavailable, as it should be" in done.stdout


def test_insightface_runs_a_model_pack_from_disk_end_to_end(tmp_path: Path) -> None:
    """A tiny SCRFD-shaped detector and ArcFace-shaped recogniser built with onnx: the real
    FaceAnalysis loads them by shape, detects, aligns (norm_crop) and embeds."""
    pytest.importorskip("onnx")
    from tests.support.tiny_models import build_face_pack

    build_face_pack(tmp_path / "models" / "tiny")
    embedder = faces.create("insightface", root=tmp_path, pack="tiny", device="cpu")
    assert isinstance(embedder, InsightFaceEmbedder) and isinstance(embedder, FaceEmbedder)

    def portrait(skin: tuple[int, int, int], eyes: tuple[int, int, int]) -> Image.Image:
        image = Image.new("RGB", (96, 128), (30, 30, 40))
        draw = ImageDraw.Draw(image)
        draw.ellipse((18, 24, 78, 104), fill=skin)
        draw.ellipse((32, 50, 42, 58), fill=eyes)
        draw.ellipse((54, 50, 64, 58), fill=eyes)
        draw.rectangle((38, 84, 58, 90), fill=(120, 20, 30))
        return image

    maya = portrait((224, 172, 140), (40, 30, 20))
    leo = portrait((120, 80, 60), (20, 90, 200))
    a, b, c = embedder.embed(maya), embedder.embed(maya.copy()), embedder.embed(leo)
    assert a is not None and b is not None and c is not None
    assert a.shape == (64,) and np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert identity_consistency([a, b]) == pytest.approx(1.0, abs=1e-6)
    assert identity_consistency([a, c]) < identity_consistency([a, b])  # type: ignore[operator]
    assert embedder.embed(Image.new("RGB", (96, 96), (90, 90, 90))) is None  # a flat picture has no face


def test_identity_consistency_math() -> None:
    rng = np.random.default_rng(0)
    face = rng.normal(size=512)
    assert identity_consistency([face]) is None
    assert identity_consistency([face, face * 3]) == pytest.approx(1.0)
    assert cosine(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == 0.0
    assert cosine(np.zeros(3), np.ones(3)) == 0.0
    same_person = [face + rng.normal(scale=0.3, size=512) for _ in range(4)]
    strangers = [rng.normal(size=512) for _ in range(4)]
    high, low = identity_consistency(same_person), identity_consistency(strangers)
    assert high is not None and low is not None
    assert high > 0.8 and abs(low) < 0.15
    # Three faces: the mean of the three pairs.
    a, b, c = np.array([1.0, 0]), np.array([0, 1.0]), np.array([1.0, 1.0])
    assert identity_consistency([a, b, c]) == pytest.approx((0 + 2**-0.5 + 2**-0.5) / 3)
    with pytest.raises(ValueError, match="differ in length"):
        cosine(np.ones(3), np.ones(4))


class ColourEmbedder:
    """A real (if simple-minded) embedder: an image's coarse colour histogram, None when the
    image is blank. Enough to check which shots the score compares, not faces."""

    def embed(self, image: Image.Image) -> np.ndarray | None:
        pixels = np.asarray(image.convert("RGB"))
        if pixels.std() == 0 and pixels.mean() == 255:
            return None
        hist, _ = np.histogramdd(pixels.reshape(-1, 3), bins=(4, 4, 4), range=[(0, 256)] * 3)
        return hist.ravel().astype(np.float32)


def test_identity_scores_compare_each_character_across_its_solo_shots() -> None:
    plan = Plan(
        title="t",
        hook="h",
        brief=Brief(duration_s=15),
        shots=[
            Shot(index=1, duration_s=3, description="Maya", entities=["maya"]),
            Shot(index=2, duration_s=3, description="Maya again", entities=["maya", "serum"]),
            Shot(index=3, duration_s=3, description="Maya and Leo", entities=["maya", "leo"]),
            Shot(index=4, duration_s=3, description="Leo", entities=["leo"]),
            Shot(index=5, duration_s=3, description="Leo, no face", entities=["leo"]),
        ],
        cta=CallToAction(),
        bible=StyleBible(
            palette=["#000000"],
            entities=[
                Entity(id="maya", name="Maya", kind="character"),
                Entity(id="leo", name="Leo", kind="character"),
                Entity(id="serum", name="Serum", kind="product"),
            ],
        ),
    )
    red = Image.new("RGB", (16, 16), (200, 20, 20))
    shots = {
        1: red,
        2: red.copy(),
        3: Image.new("RGB", (16, 16), (20, 20, 200)),
        4: Image.new("RGB", (16, 16), (20, 200, 20)),
        5: Image.new("RGB", (16, 16), (255, 255, 255)),
    }
    embedder = ColourEmbedder()
    assert isinstance(embedder, FaceEmbedder)

    scores = identity_scores(plan, shots, embedder)

    # Maya: shots 1 and 2 (the product does not count; shot 3 has two people). Leo: one face only.
    assert scores == {"maya": pytest.approx(1.0)}
    shots[2] = Image.new("RGB", (16, 16), (20, 200, 20))
    assert identity_scores(plan, shots, embedder)["maya"] == pytest.approx(0.0)
