"""Sound: espeak-ng lines fitted into shots, captions, the music bed, loudness against ffmpeg's meter."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cutroom.core import audio
from cutroom.core.backends.espeak import EspeakVoice, estimate_word_timings, syllables
from cutroom.core.errors import UnavailableError
from tests.test_render_helpers import integrated_loudness

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def _tone(seconds: float, hz: float, level: float) -> np.ndarray:
    t = np.arange(int(seconds * audio.RATE)) / audio.RATE
    mono = (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def test_loudness_agrees_with_ffmpeg_ebur128(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    signal = (
        _tone(6, 440, 0.2)
        + _tone(6, 3000, 0.05)
        + (rng.standard_normal((6 * audio.RATE, 2)) * 0.02).astype(np.float32)
    )
    signal[2 * audio.RATE : 3 * audio.RATE] *= 0.05  # a quiet stretch for the gates to handle
    wav = audio.write_wav(tmp_path / "x.wav", signal)
    ours = audio.integrated_loudness(signal)
    theirs, _ = integrated_loudness(wav)
    assert abs(ours - theirs) < 0.2


def test_master_hits_minus_14_lufs_with_true_peak_below_minus_1(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    # Spiky material: a quiet bed with loud clicks, the worst case for a limiter.
    signal = _tone(8, 220, 0.05)
    for at in rng.integers(0, signal.shape[0] - 100, 40):
        signal[at : at + 40] += 0.9
    mastered = audio.master(signal)
    wav = audio.write_wav(tmp_path / "m.wav", mastered)
    lufs, peak = integrated_loudness(wav)
    assert abs(lufs - -14.0) < 0.5
    assert peak <= -1.0
    assert audio.true_peak_db(mastered) <= -1.0


def test_tempo_puts_cuts_on_beats() -> None:
    mood = audio.mood_for(["playful"])
    bpm, miss = audio.tempo_for([3.0, 6.0, 9.0, 12.0], mood)
    assert mood.bpm_range[0] <= bpm <= mood.bpm_range[1]
    assert miss < 0.02
    beat = 60 / bpm
    for cut in (3.0, 6.0, 9.0, 12.0):
        assert abs(cut / beat - round(cut / beat)) * beat < 0.02


def test_mood_follows_the_tone() -> None:
    assert audio.mood_for(["Premium", "calm"]).name == "premium"
    assert audio.mood_for(["playful"]).name == "upbeat"
    assert audio.mood_for(["bold"]).name == "bold"
    assert audio.mood_for(["unheard-of"]).name == "warm"
    assert audio.mood_for([]).name == "warm"


def test_music_bed_is_deterministic_and_fills_the_ad() -> None:
    a, bpm, _ = audio.music_bed(["warm"], [5.0, 10.0], 15.0, seed=2)
    b, _, _ = audio.music_bed(["warm"], [5.0, 10.0], 15.0, seed=2)
    assert a.shape == (15 * audio.RATE, 2) and np.array_equal(a, b)
    assert 80 <= bpm <= 140
    quarters = np.abs(a).reshape(4, -1, 2).max(axis=(1, 2))
    assert (quarters > 0.01).all()  # sound all the way through


def test_music_ducks_under_the_voice() -> None:
    music = _tone(4, 200, 0.3)
    voice = np.zeros(4 * audio.RATE, dtype=np.float32)
    voice[audio.RATE : 2 * audio.RATE] = 0.3 * np.sin(np.arange(audio.RATE) / 10)
    ducked = audio.duck(music, voice)
    during = np.abs(ducked[int(1.3 * audio.RATE) : int(1.8 * audio.RATE)]).max()
    before = np.abs(ducked[int(0.2 * audio.RATE) : int(0.7 * audio.RATE)]).max()
    assert during < before * 0.4


@needs_espeak
def test_lines_are_spoken_inside_their_shots(tmp_path: Path) -> None:
    lines = [
        audio.ShotLine(1, 0.0, 4.0, "Tired of flat mornings? Meet Oat Latte."),
        audio.ShotLine(2, 4.0, 6.0, " ".join(["A very long line that cannot possibly fit"] * 6)),
        audio.ShotLine(3, 6.0, 9.0, ""),
    ]
    track = audio.build_voice_track(lines, total_s=9.0, backend=EspeakVoice(), voice=None, work_dir=tmp_path)
    assert track.spoken and track.samples.shape == (9 * audio.RATE,)
    assert any("Shot 2's voice-over" in n and "shortened" in n for n in track.notices)
    windows = {1: (0.0, 4.0), 2: (4.0, 6.0), 3: (6.0, 9.0)}
    for word, shot in zip(track.words, track.word_shots, strict=True):
        start, end = windows[shot]
        assert start <= word.start_s <= word.end_s <= end
    assert 3 not in track.word_shots
    # Voice where the words are, silence in the empty shot.
    assert np.abs(track.samples[int(0.5 * audio.RATE) : int(2 * audio.RATE)]).max() > 0.05
    assert np.abs(track.samples[int(6.1 * audio.RATE) :]).max() == 0.0


def test_without_a_voice_backend_words_are_still_timed(tmp_path: Path) -> None:
    lines = [audio.ShotLine(1, 0.0, 3.0, "Captions only, please.")]
    track = audio.build_voice_track(lines, total_s=3.0, backend=None, voice=None, work_dir=tmp_path)
    assert not track.spoken and not np.any(track.samples)
    assert [w.word for w in track.words] == ["Captions", "only,", "please."]
    assert all(0.0 <= w.start_s < w.end_s <= 3.0 for w in track.words)


def test_caption_cues_stay_short_and_inside_shots(tmp_path: Path) -> None:
    words = estimate_word_timings("One two three four five six seven eight nine ten eleven twelve.", 0.2, 3.8)
    words += estimate_word_timings("Next shot here.", 4.2, 5.5)
    track = audio.VoiceTrack(
        samples=np.zeros(1, np.float32), words=words, word_shots=[1] * 12 + [2] * 3, notices=[]
    )
    cues = audio.caption_cues(track, {1: 4.0, 2: 6.0}, max_chars=20)
    assert all(len(c.text) <= 20 for c in cues)
    for cue in cues:
        end = {1: 4.0, 2: 6.0}[cue.shot_index]
        start = {1: 0.0, 2: 4.0}[cue.shot_index]
        assert start <= cue.start_s < cue.end_s <= end
    text = audio.srt(cues)
    assert text.startswith("1\n00:00:00,") and "-->" in text and "Next shot here." in text


def test_word_timings_follow_syllables() -> None:
    assert syllables("banana") == 3 and syllables("cake") == 1 and syllables("2026") == 8
    timings = estimate_word_timings("a extraordinarily long word", 0.0, 2.0)
    lengths = [t.end_s - t.start_s for t in timings]
    assert lengths[1] == max(lengths)
    assert timings[-1].end_s == pytest.approx(2.0, abs=1e-3)


def test_missing_espeak_executable_is_unavailable() -> None:
    with pytest.raises(UnavailableError, match="apt-get install espeak-ng"):
        EspeakVoice(executable="/nonexistent/espeak-ng")


@needs_espeak
def test_espeak_speaks_a_line_and_times_its_words(tmp_path: Path) -> None:
    voice = EspeakVoice()
    speech = voice.speak("-starts with a dash, still spoken", out=tmp_path / "a.wav")
    assert speech.duration_s > 0.5 and len(speech.words) == 6
    assert speech.words[0].start_s >= 0 and speech.words[-1].end_s <= speech.duration_s
    fast = voice.speak("-starts with a dash, still spoken", out=tmp_path / "b.wav", rate_wpm=280)
    assert fast.duration_s < speech.duration_s
    empty = voice.speak("   ", out=tmp_path / "c.wav")
    assert empty.duration_s == 0.0 and empty.words == []
    unknown = voice.speak("Hello", out=tmp_path / "d.wav", voice="xx-no-such-voice")
    assert unknown.duration_s > 0
