"""The ad's sound: voice-over placed in its shots, a synthesised music bed, and the mix.

    lines per shot ──speak, fit──▶ voice track + word timings ──▶ caption cues
    brief tone + cut times ──▶ tempo, mood ──synth──▶ music bed
    voice + ducked music ──▶ -14 LUFS integrated, true peak <= -1 dBTP ──▶ WAV (AAC in the MP4)

Everything is numpy on whole arrays (no per-sample Python), 48 kHz, deterministic for a seed.
Loudness follows ITU-R BS.1770-4 (K-weighting, 400 ms blocks, absolute and relative gates);
the K-weighting filters are applied as their exact frequency response in the FFT domain.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from cutroom.core.backends import Speech, VoiceBackend, WordTiming
from cutroom.core.backends.espeak import DEFAULT_WPM, estimate_word_timings, read_wav
from cutroom.core.errors import Cancelled

RATE = 48_000
TARGET_LUFS = -14.0
#: Below -1 dBTP with room for the AAC encoder's overshoot.
PEAK_CEILING_DBTP = -1.8
MAX_WPM = 290
MAX_WORDS_PER_SHOT = 60

# ── voice ───────────────────────────────────────────────────────────────────────────────


@dataclass
class ShotLine:
    """A line to speak inside one shot's window of the timeline."""

    shot_index: int
    start_s: float
    end_s: float
    text: str


@dataclass
class VoiceTrack:
    samples: np.ndarray  # mono float32 at RATE, the whole ad
    words: list[WordTiming]  # absolute times
    word_shots: list[int]  # the shot each word belongs to
    notices: list[str] = field(default_factory=list)
    spoken: bool = True


def _window(line: ShotLine) -> tuple[float, float]:
    """Where speech may sound inside the shot: a breath after the cut, a beat before the next."""
    length = line.end_s - line.start_s
    lead = min(0.2, length * 0.08)
    tail = min(0.3, length * 0.1)
    return line.start_s + lead, line.end_s - tail


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE or samples.size == 0:
        return samples.astype(np.float32)
    n_out = int(round(samples.size * RATE / rate))
    positions = np.arange(n_out, dtype=np.float64) * (rate / RATE)
    return np.interp(positions, np.arange(samples.size), samples).astype(np.float32)


def _cap_words(text: str, limit: int) -> str:
    words = text.split()
    return " ".join(words[:limit]) if len(words) > limit else " ".join(words)


def build_voice_track(
    lines: list[ShotLine],
    *,
    total_s: float,
    backend: VoiceBackend | None,
    voice: str | None,
    work_dir: Path,
) -> VoiceTrack:
    """Speak each shot's line and fit it into the shot: faster first, then trimmed, with a notice.

    Without a backend, the words are timed as if spoken at a natural pace (captions only).
    """
    total = np.zeros(int(round(total_s * RATE)), dtype=np.float32)
    words: list[WordTiming] = []
    word_shots: list[int] = []
    notices: list[str] = []
    for line in lines:
        text = " ".join(line.text.split())
        if not text:
            continue
        start, end = _window(line)
        room = max(0.3, end - start)
        capped = _cap_words(text, MAX_WORDS_PER_SHOT)
        if backend is None:
            fitted, timings = _time_without_voice(capped, start, room)
            if fitted != text:
                notices.append(
                    f"Shot {line.shot_index}'s voice-over was too long for the shot and was shortened."
                )
            words += timings
            word_shots += [line.shot_index] * len(timings)
            continue
        speech, fitted, rate = _fit_speech(
            backend, capped, room, voice, work_dir / f"line-{line.shot_index:02d}.wav"
        )
        if fitted != text:
            notices.append(
                f"Shot {line.shot_index}'s voice-over was too long for its {line.end_s - line.start_s:g} s "
                f"and was shortened to: \u201c{fitted}\u201d."
            )
        elif rate > DEFAULT_WPM * 1.25:
            notices.append(
                f"Shot {line.shot_index}'s voice-over is read quickly ({rate} words a minute) to fit."
            )
        samples, sample_rate = read_wav(speech.wav)
        samples = _resample(samples, sample_rate)
        voiced_start = speech.words[0].start_s if speech.words else 0.0
        offset = start - voiced_start
        first = int(round(offset * RATE))
        # Keep the line inside its shot: never before the cut in, never past the cut out.
        lo = max(first, int(round(line.start_s * RATE)))
        hi = min(first + samples.size, int(round(line.end_s * RATE)), total.size)
        if hi > lo:
            piece = samples[lo - first : hi - first].copy()
            fade = min(piece.size, int(0.01 * RATE))
            if fade:
                piece[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
            total[lo:hi] += piece
        for timing in speech.words:
            s = min(max(timing.start_s + offset, line.start_s), line.end_s)
            e = min(max(timing.end_s + offset, s), line.end_s)
            words.append(WordTiming(timing.word, round(s, 4), round(e, 4)))
            word_shots.append(line.shot_index)
    return VoiceTrack(
        samples=total, words=words, word_shots=word_shots, notices=notices, spoken=backend is not None
    )


def _voiced_length(speech: Speech) -> float:
    if not speech.words:
        return 0.0
    return speech.words[-1].end_s - speech.words[0].start_s


def _fit_speech(
    backend: VoiceBackend, text: str, room: float, voice: str | None, out: Path
) -> tuple[Speech, str, int]:
    """Speak at the normal pace; too long: speak faster (up to MAX_WPM); still too long: trim."""
    rate = DEFAULT_WPM
    speech = backend.speak(text, out=out, voice=voice, rate_wpm=rate)
    length = _voiced_length(speech)
    if length > room:
        rate = int(min(MAX_WPM, math.ceil(rate * length / room * 1.04)))
        speech = backend.speak(text, out=out, voice=voice, rate_wpm=rate)
        length = _voiced_length(speech)
    fitted = text
    attempts = 0
    while length > room and attempts < 6:
        words = fitted.split()
        keep = max(1, int(len(words) * room / length * 0.95))
        if keep >= len(words):
            keep = len(words) - 1
        if keep < 1:
            break
        fitted = " ".join(words[:keep]).rstrip(",;:") + "\u2026"
        speech = backend.speak(fitted, out=out, voice=voice, rate_wpm=rate)
        length = _voiced_length(speech)
        attempts += 1
    return speech, fitted, rate


def _time_without_voice(text: str, start: float, room: float) -> tuple[str, list[WordTiming]]:
    words = text.split()
    natural = len(words) * 60.0 / DEFAULT_WPM
    if natural > room * MAX_WPM / DEFAULT_WPM:
        keep = max(1, int(room * MAX_WPM / 60.0))
        text = " ".join(words[:keep]) + "\u2026"
        natural = room
    return text, estimate_word_timings(text, start, start + min(room, natural))


# ── captions ────────────────────────────────────────────────────────────────────────────


@dataclass
class Cue:
    """One caption on screen: its text and when, always inside its shot."""

    shot_index: int
    start_s: float
    end_s: float
    text: str


def caption_cues(
    track: VoiceTrack, shot_ends: dict[int, float], *, max_chars: int = 30, max_s: float = 2.6
) -> list[Cue]:
    """Group words into short cues that break at punctuation and never cross a cut."""
    cues: list[Cue] = []
    group: list[WordTiming] = []
    shot_of_group = -1

    def flush() -> None:
        if group:
            cues.append(
                Cue(shot_of_group, group[0].start_s, group[-1].end_s, " ".join(w.word for w in group))
            )
            group.clear()

    for word, shot in zip(track.words, track.word_shots, strict=True):
        text_len = sum(len(w.word) + 1 for w in group) + len(word.word)
        if group and (shot != shot_of_group or text_len > max_chars or word.end_s - group[0].start_s > max_s):
            flush()
        shot_of_group = shot
        group.append(word)
        if word.word[-1] in ".!?":
            flush()
    flush()
    # Each cue stays up until the next one starts (or a little after its last word), within its shot.
    for i, cue in enumerate(cues):
        limit = shot_ends[cue.shot_index] - 0.05
        nxt = cues[i + 1].start_s if i + 1 < len(cues) and cues[i + 1].shot_index == cue.shot_index else limit
        cue.end_s = round(min(limit, max(cue.end_s + 0.25, cue.end_s), nxt), 3)
        cue.start_s = round(min(cue.start_s, cue.end_s - 0.05), 3)
    return [c for c in cues if c.end_s > c.start_s]


def srt(cues: list[Cue]) -> str:
    def stamp(t: float) -> str:
        ms = int(round(max(0.0, t) * 1000))
        return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    blocks = [
        f"{i}\n{stamp(c.start_s)} --> {stamp(c.end_s)}\n{c.text}\n" for i, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


# ── music ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Mood:
    name: str
    bpm_range: tuple[float, float]
    progression: tuple[tuple[int, ...], ...]  # chords as semitones above the key's root (A2 = 110 Hz)
    key: int  # semitones above A
    drums: str  # "full", "light"
    brightness: float  # harmonics of the pad


MOODS: dict[str, Mood] = {
    "upbeat": Mood(
        "upbeat",
        (112, 128),
        ((0, 4, 7, 12), (7, 11, 14, 19), (9, 12, 16, 21), (5, 9, 12, 17)),
        3,
        "full",
        0.55,
    ),
    "warm": Mood(
        "warm", (92, 106), ((0, 4, 7, 11), (5, 9, 12, 16), (9, 12, 16, 19), (7, 11, 14, 17)), 0, "light", 0.35
    ),
    "premium": Mood(
        "premium",
        (78, 92),
        ((0, 7, 11, 16), (5, 12, 16, 21), (2, 9, 12, 17), (7, 14, 17, 23)),
        5,
        "light",
        0.25,
    ),
    "bold": Mood(
        "bold", (100, 118), ((0, 3, 7, 12), (8, 12, 15, 20), (3, 7, 10, 15), (10, 14, 17, 22)), 2, "full", 0.5
    ),
}
_TONE_WORDS = {
    "upbeat": "playful fun funny energetic upbeat cheerful happy young fresh exciting lively bright quirky youthful",
    "warm": "warm friendly cozy cosy heartfelt honest caring family gentle authentic natural wholesome",
    "premium": "premium luxury luxurious elegant calm minimal sophisticated serene classy refined trustworthy",
    "bold": "bold dramatic urgent edgy intense powerful confident epic sporty serious",
}


def mood_for(tone: list[str]) -> Mood:
    """The first tone word that names a mood wins; friendly warmth when none does."""
    for word in tone:
        for name, words in _TONE_WORDS.items():
            if word.lower().strip() in words.split():
                return MOODS[name]
    return MOODS["warm"]


def tempo_for(cut_times: list[float], mood: Mood) -> tuple[float, float]:
    """The BPM that lands the cuts nearest to beats; (bpm, worst miss in s).

    Searched from 60 to 150 BPM with a small penalty for leaving the mood's range (2 ms of
    miss per BPM outside it), so uneven shot lengths still cut on the beat.
    """
    lo, hi = mood.bpm_range
    candidates = np.arange(60.0, 150.0 + 1e-9, 0.25)
    if not cut_times:
        return float((lo + hi) / 2), 0.0
    cuts = np.asarray(cut_times)[None, :]
    beat = 60.0 / candidates[:, None]
    miss = np.abs(cuts / beat - np.round(cuts / beat)) * beat
    outside = np.maximum(0.0, lo - candidates) + np.maximum(0.0, candidates - hi)
    score = miss.max(axis=1) + 0.002 * outside + 1e-4 * np.abs(candidates - (lo + hi) / 2)
    best = int(np.argmin(score))
    return float(candidates[best]), float(miss[best].max())


def _note_hz(semitones: float) -> float:
    return 110.0 * 2 ** (semitones / 12)


def music_bed(
    tone: list[str], cut_times: list[float], total_s: float, *, seed: int = 0
) -> tuple[np.ndarray, float, Mood]:
    """A stereo bed (chords, bass, beat) whose tempo puts the cuts on beats; (samples, bpm, mood)."""
    mood = mood_for(tone)
    bpm, _ = tempo_for(cut_times, mood)
    n = int(round(total_s * RATE))
    beat_s = 60.0 / bpm
    rng = np.random.default_rng([seed, 11])
    stereo = np.zeros((n, 2), dtype=np.float32)
    t_all = np.arange(int(4 * beat_s * RATE) + RATE, dtype=np.float32) / RATE

    def add(signal: np.ndarray, at_s: float, pan: float = 0.0) -> None:
        start = int(round(at_s * RATE))
        if start >= n:
            return
        end = min(n, start + signal.size)
        piece = signal[: end - start]
        stereo[start:end, 0] += piece * (1.0 - max(0.0, pan))
        stereo[start:end, 1] += piece * (1.0 + min(0.0, pan))

    # Chords: one per bar, soft attack and release, a few harmonics (brightness sets how many).
    bar_s = 4 * beat_s
    n_bars = int(math.ceil(total_s / bar_s)) + 1
    length = int(bar_s * RATE) + int(0.4 * RATE)
    t = t_all[:length]
    env = np.minimum(1.0, t / 0.25) * np.minimum(1.0, np.maximum(0.0, (bar_s + 0.4 - t) / 0.4))
    for bar in range(n_bars):
        chord = mood.progression[bar % len(mood.progression)]
        pad = np.zeros(length, dtype=np.float32)
        for k, semi in enumerate(chord):
            f = _note_hz(mood.key + semi + 12)
            detune = 1.0 + 0.002 * (k - 1.5)
            for h in range(1, 4):
                amp = (mood.brightness ** (h - 1)) / h
                pad += amp * np.sin(2 * np.pi * f * h * detune * t + rng.uniform(0, 2 * np.pi)).astype(
                    np.float32
                )
        pad *= (env * 0.08).astype(np.float32)
        add(pad, bar * bar_s, pan=0.15 if bar % 2 else -0.15)
        # Bass on beats 1 and 3.
        root = _note_hz(mood.key + chord[0] - 12)
        blen = int(beat_s * 1.8 * RATE)
        bt = t_all[:blen]
        bass = (
            (np.sin(2 * np.pi * root * bt) + 0.3 * np.sin(4 * np.pi * root * bt)) * np.exp(-bt * 2.2) * 0.22
        )
        bass *= np.minimum(1.0, bt / 0.01)
        for beat in (0, 2):
            add(bass.astype(np.float32), bar * bar_s + beat * beat_s)

    # Drums: kick, clap on 2 and 4 (full kits), off-beat hats.
    kt = t_all[: int(0.35 * RATE)]
    kick = (
        np.sin(2 * np.pi * (45 * kt + (110 / 18) * (1 - np.exp(-kt * 18)))) * np.exp(-kt * 9) * 0.55
    ).astype(np.float32)
    noise = rng.standard_normal(int(0.25 * RATE)).astype(np.float32)
    hat_noise = np.diff(noise, prepend=0.0).astype(np.float32)
    ht = t_all[: hat_noise.size]
    hat = hat_noise * np.exp(-ht * 60).astype(np.float32) * 0.05
    clap = noise * np.exp(-ht * 22).astype(np.float32) * 0.12
    n_beats = int(math.ceil(total_s / beat_s))
    intro_beats = 4 if n_beats > 16 else 0
    for b in range(n_beats):
        at = b * beat_s
        if mood.drums == "full" or b % 2 == 0:
            add(kick * (0.6 if b < intro_beats else 1.0), at)
        if mood.drums == "full" and b % 2 == 1 and b >= intro_beats:
            add(clap, at, pan=0.1)
        add(hat * (1.0 if mood.drums == "full" else 0.6), at + beat_s / 2, pan=-0.3 if b % 2 else 0.3)

    # Fade in a touch and out over the end card, so the ad ends, not stops.
    fade_in = min(n, int(0.05 * RATE))
    fade_out = min(n, int(min(1.5, total_s * 0.1) * RATE))
    if fade_in:
        stereo[:fade_in] *= np.linspace(0, 1, fade_in, dtype=np.float32)[:, None]
    if fade_out:
        stereo[-fade_out:] *= np.linspace(1, 0, fade_out, dtype=np.float32)[:, None]
    return stereo, bpm, mood


# ── mixing and loudness ─────────────────────────────────────────────────────────────────


@lru_cache(maxsize=8)
def _k_response(size: int) -> np.ndarray:
    """The K-weighting filters' frequency response at the rfft bins of ``size`` samples."""
    w = np.linspace(0, np.pi, size // 2 + 1)
    z1, z2 = np.exp(-1j * w), np.exp(-2j * w)

    def biquad(b: tuple[float, float, float], a: tuple[float, float, float]) -> np.ndarray:
        return (b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2)

    shelf = biquad(
        (1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585)
    )
    highpass = biquad((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))
    return (shelf * highpass).astype(np.complex64)


_HOP = RATE // 10  # 100 ms: the gating blocks' step


def _k_weighted_power(samples: np.ndarray) -> np.ndarray:
    """Summed K-weighted power of each 100 ms hop (BS.1770 channel weights 1.0 for L and R).

    Filtered in 10 s chunks, each with half a second of the signal before it to let the
    filters settle: memory stays the same whatever the ad's length.
    """
    n = samples.shape[0]
    hops = n // _HOP
    power = np.zeros(hops, dtype=np.float64)
    chunk_hops, settle = 100, RATE // 2
    for first in range(0, hops, chunk_hops):
        last = min(hops, first + chunk_hops)
        start, end = first * _HOP, last * _HOP
        lead = min(settle, start)
        size = int(math.ceil((end - start + lead + _HOP) / _HOP)) * _HOP
        response = _k_response(size)
        for ch in range(samples.shape[1]):
            piece = np.ascontiguousarray(samples[start - lead : end, ch], dtype=np.float32)
            weighted = np.fft.irfft(np.fft.rfft(piece, n=size) * response, n=size)[lead : lead + end - start]
            power[first:last] += (
                np.square(weighted, dtype=np.float32).reshape(-1, _HOP).sum(axis=1, dtype=np.float64)
            )
    return power


def integrated_loudness(samples: np.ndarray) -> float:
    """Integrated loudness (LUFS) of float samples at RATE, gated as BS.1770-4 says."""
    if samples.ndim == 1:
        samples = samples[:, None]
    hop_power = _k_weighted_power(samples)
    if hop_power.size < 4:
        return -70.0
    # 400 ms blocks overlapping by 75%: four consecutive 100 ms hops.
    z = (hop_power[:-3] + hop_power[1:-2] + hop_power[2:-1] + hop_power[3:]) / (4 * _HOP)
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(np.maximum(z, 1e-12))
    gated = z[loud > -70]
    if gated.size == 0:
        return -70.0
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10
    final = z[(loud > -70) & (loud > relative)]
    return float(-0.691 + 10 * np.log10(max(final.mean(), 1e-12)))


def true_peak_db(samples: np.ndarray) -> float:
    """Peak of the 4x oversampled signal (dBTP).

    Only 1024-sample blocks whose sample peak comes within 4 dB of the loudest are
    oversampled (band-limited, by FFT, with context either side): inter-sample peaks never
    rise that far above the samples around them, and the rest costs nothing.
    """
    if samples.ndim == 1:
        samples = samples[:, None]
    block, context = 1024, 256
    n = samples.shape[0]
    magnitude = _block_peaks(samples, block)
    top = float(magnitude.max()) if magnitude.size else 0.0
    if top <= 0:
        return -200.0
    chosen = np.nonzero(magnitude >= top * 10 ** (-4 / 20))[0]
    peak = top
    width = block + 2 * context
    for ch in range(samples.shape[1]):
        for batch in range(0, chosen.size, 128):  # batches keep memory flat for long ads
            windows = np.zeros((min(128, chosen.size - batch), width), dtype=np.float32)
            for row, i in enumerate(chosen[batch : batch + 128]):
                lo, hi = i * block - context, i * block + block + context
                piece = samples[max(0, lo) : min(n, hi), ch]
                windows[row, max(0, -lo) : max(0, -lo) + piece.size] = piece
            up = np.fft.irfft(np.fft.rfft(windows, axis=1), n=4 * width, axis=1) * 4
            peak = max(peak, float(np.abs(up[:, 4 * context : 4 * (context + block)]).max()))
    return 20 * math.log10(peak)


_CHUNK = 10 * RATE  # whole-signal work is done 10 s at a time: memory stays flat


def _apply_gain(samples: np.ndarray, positions: np.ndarray, values: np.ndarray, *, db: bool = False) -> None:
    """Multiply ``samples`` in place by a gain curve given at ``positions``, 10 s at a time."""
    n = samples.shape[0]
    for start in range(0, n, _CHUNK):
        end = min(n, start + _CHUNK)
        gain = np.interp(np.arange(start, end), positions, values).astype(np.float32)
        if db:
            gain = np.power(np.float32(10), gain / np.float32(20))
        samples[start:end] *= gain[:, None] if samples.ndim == 2 else gain


def _block_peaks(samples: np.ndarray, hop: int) -> np.ndarray:
    """Largest absolute sample (any channel) of each ``hop``-long block, 10 s at a time."""
    n = samples.shape[0]
    blocks = int(math.ceil(n / hop))
    peaks = np.zeros(blocks, dtype=np.float32)
    step = (_CHUNK // hop) * hop
    for start in range(0, n, step):
        piece = np.abs(samples[start : start + step]).max(axis=1)
        count = int(math.ceil(piece.size / hop))
        padded = np.zeros(count * hop, dtype=np.float32)
        padded[: piece.size] = piece
        peaks[start // hop : start // hop + count] = padded.reshape(count, hop).max(axis=1)
    return peaks


def _limit(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """A look-ahead peak limiter on 1 ms blocks: smooth gain, never above what a peak needs (in place)."""
    hop = 48
    blocks = int(math.ceil(samples.shape[0] / hop))
    peaks = _block_peaks(samples, hop)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9))
    reach = 5
    padded = np.pad(need, reach, mode="edge")
    held = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1).min(axis=1)
    smooth = np.convolve(np.pad(held, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    _apply_gain(samples, np.arange(blocks) * hop + hop / 2, smooth)
    return samples


def master(
    samples: np.ndarray,
    *,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = PEAK_CEILING_DBTP,
    should_stop: Callable[[], bool] = lambda: False,
) -> np.ndarray:
    """Normalise to the target loudness, then limit peaks; repeat until both hold.

    Gain is linear, so one measurement per pass is enough; the limiter only touches peaks,
    so two or three passes converge.
    """
    out = samples if samples.dtype == np.float32 else samples.astype(np.float32)  # worked on in place
    if not np.any(out):
        return out
    for attempt in range(8):
        if should_stop():
            raise Cancelled("The render was cancelled.")
        loudness = integrated_loudness(out)
        if loudness <= -69:
            return out
        out *= np.float32(10 ** ((target_lufs - loudness) / 20))
        tp = true_peak_db(out)
        if tp <= ceiling_dbtp:
            break
        # Limit the sample peaks a bit below the ceiling: inter-sample peaks sit a little higher.
        out = _limit(out, 10 ** ((ceiling_dbtp - 0.5 * (attempt + 1) - (tp - ceiling_dbtp)) / 20))
    return out


def duck(music: np.ndarray, voice: np.ndarray, *, depth_db: float = 11.0) -> np.ndarray:
    """Lower the music under speech (in place): fast attack (40 ms), slow release (300 ms)."""
    hop = RATE // 100
    n = voice.size
    blocks = int(math.ceil(n / hop))
    padded = np.zeros(blocks * hop, dtype=np.float32)
    padded[:n] = voice
    rms = np.sqrt((padded.reshape(blocks, hop) ** 2).mean(axis=1))
    active = (rms > 0.01).astype(np.float32)
    env = np.empty_like(active)
    level = 0.0
    attack, release = 1 - math.exp(-1 / 4), 1 - math.exp(-1 / 30)
    # A short Python loop over 10 ms blocks (6000 for a minute): cheap, and it is a true follower.
    for i, target in enumerate(active):
        level += (target - level) * (attack if target > level else release)
        env[i] = level
    # Start ducking slightly before the voice (look-ahead of 2 blocks).
    env = np.maximum(env, np.concatenate([env[2:], np.zeros(2, dtype=np.float32)]))
    _apply_gain(music[:n], np.arange(blocks) * hop + hop / 2, -depth_db * env, db=True)
    return music


def mix(
    voice: np.ndarray,
    music: np.ndarray,
    *,
    music_db: float = -9.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> np.ndarray:
    """Voice in the centre over the ducked bed, mastered to -14 LUFS and -1 dBTP.

    Works in ``music``'s own array (the bed is made for this mix): no copies of the whole
    soundtrack, so memory does not grow with the ad's length beyond the tracks themselves.
    """
    n = max(voice.size, music.shape[0])
    if music.shape[0] < n or music.dtype != np.float32:
        grown = np.zeros((n, 2), dtype=np.float32)
        grown[: music.shape[0]] = music
        music = grown
    has_voice = bool(np.any(voice))
    if music.size and np.any(music):
        music_level = integrated_loudness(music)
        target = -18.0 + music_db if has_voice else -18.0
        music *= np.float32(10 ** ((target - music_level) / 20) if music_level > -69 else 1.0)
        if has_voice:
            duck(music, voice)
    if has_voice:
        # The voice plays in both channels: twice the power of the mono measurement (+3.01 dB).
        voice_level = integrated_loudness(voice) + 10 * math.log10(2)
        vgain = np.float32(10 ** ((-18.0 - voice_level) / 20) if voice_level > -69 else 1.0)
        for start in range(0, voice.size, _CHUNK):
            piece = voice[start : start + _CHUNK] * vgain
            music[start : start + piece.size] += piece[:, None]
    return master(music, should_stop=should_stop)


def write_wav(path: Path, stereo: np.ndarray) -> Path:
    """16-bit 48 kHz stereo PCM, written under a temporary name then renamed."""
    tmp = path.with_name(f".{path.name}.part")
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        for start in range(0, stereo.shape[0], _CHUNK):
            piece = np.clip(stereo[start : start + _CHUNK], -1.0, 1.0)
            wav.writeframes(np.round(piece * 32767).astype("<i2").tobytes())
    tmp.replace(path)
    return path
