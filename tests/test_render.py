"""Render tests: real ffmpeg output probed with ffprobe and ffmpeg's own filters.

Small frames (240x428) and 15 fps keep each render to a few seconds; two full-size renders
are marked slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cutroom.core.errors import Cancelled, InputError, PlanError, RenderError
from cutroom.core.models import RenderSpec
from cutroom.core.render import RenderOptions, render_variant, render_variants, variant_specs
from tests.test_render_helpers import (
    black_intervals,
    ffprobe,
    frame_hashes,
    integrated_loudness,
    make_plan,
    options,
    parse_srt,
    shot_windows,
    top_level_atoms,
    video_stream,
)

SMALL = {"width": 240, "height": 428}


def small_spec(plan=None, **update: object) -> RenderSpec:  # type: ignore[no-untyped-def]
    plan = plan or make_plan()
    spec = variant_specs(plan, aspects=["9:16"], fps=plan.fps)[0]
    return spec.model_copy(update={**SMALL, **update})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("render")
    spec = small_spec()
    variant = render_variant(spec, out_dir=out / "ad", options=options(), cache_dir=out / "cache")
    return spec, variant, out


def test_video_has_the_plans_duration_fps_and_size(rendered) -> None:  # type: ignore[no-untyped-def]
    spec, variant, _ = rendered
    info = ffprobe(Path(variant.video))
    video = video_stream(info)
    assert (video["width"], video["height"]) == (240, 428)
    assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p"
    assert video["r_frame_rate"] == "15/1"
    assert int(video["nb_read_frames"]) == 15 * 15
    assert abs(float(info["format"]["duration"]) - spec.plan.duration_s) <= 1 / 15 + 1e-6
    assert variant.duration_s == pytest.approx(15.0)


def test_video_has_an_aac_audio_stream_at_48k(rendered) -> None:  # type: ignore[no-untyped-def]
    _, variant, _ = rendered
    audio = [s for s in ffprobe(Path(variant.video))["streams"] if s["codec_type"] == "audio"]
    assert len(audio) == 1
    assert audio[0]["codec_name"] == "aac" and audio[0]["sample_rate"] == "48000"


def test_moov_comes_before_mdat(rendered) -> None:  # type: ignore[no-untyped-def]
    _, variant, _ = rendered
    atoms = top_level_atoms(Path(variant.video))
    assert atoms.index("moov") < atoms.index("mdat")


def test_mix_is_minus_14_lufs_and_peaks_below_minus_1(rendered) -> None:  # type: ignore[no-untyped-def]
    _, variant, _ = rendered
    lufs, peak = integrated_loudness(Path(variant.video))
    assert abs(lufs - -14.0) <= 1.0
    assert peak <= -1.0


def test_captions_fall_inside_their_shots(rendered) -> None:  # type: ignore[no-untyped-def]
    spec, variant, _ = rendered
    cues = parse_srt(Path(variant.captions))
    assert len(cues) >= 5
    windows = shot_windows(spec.plan)
    for start, end, text in cues:
        assert end > start and text
        assert any(s - 1e-3 <= start and end <= e + 1e-3 for s, e in windows), (start, end, text)
    spoken = " ".join(text for _, _, text in cues)
    assert "Oat Latte" in spoken and "students" in spoken


def test_no_black_frames(rendered) -> None:  # type: ignore[no-untyped-def]
    _, variant, _ = rendered
    assert black_intervals(Path(variant.video)) == []


def test_thumbnail_and_manifest(rendered) -> None:  # type: ignore[no-untyped-def]
    import json

    from PIL import Image

    _, variant, out = rendered
    with Image.open(variant.thumbnail) as thumb:
        assert thumb.size == (240, 428)
    manifest = json.loads(Path(variant.manifest).read_text())
    assert manifest["shots_rendered"] == 5 and manifest["shots_reused"] == 0
    assert manifest["settings"]["fps"] == 30 and manifest["fps"] == 15
    assert {"voice", "music", "mix", "shots", "mux"} <= set(manifest["timings_s"])
    assert manifest["render_s"] > 0 and manifest["audio"]["bpm"] > 0
    # Nothing half-written is left beside the finished files.
    leftovers = [p.name for p in (out / "ad").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert not list((out / "cache").rglob("*.part*"))


def test_manifest_has_a_consistency_report(rendered) -> None:  # type: ignore[no-untyped-def]
    import json

    spec, variant, _ = rendered
    report = json.loads(Path(variant.manifest).read_text())["consistency"]
    assert 0.0 <= report["palette_share"] <= 1.0
    assert [s["index"] for s in report["shots"]] == [s.index for s in spec.plan.shots]
    assert report["entities"][0]["shots"] == [1, 2, 3, 4, 5] and not report["identity_measured"]
    assert variant.consistency is not None and variant.consistency.summary == report["summary"]
    assert variant.scores["palette"] == report["palette_share"]


def test_resume_reuses_finished_shots_and_gives_the_same_frames(rendered, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec, first, out = rendered
    segments = sorted((out / "cache" / "segments").glob("*.mp4"))
    assert len(segments) == 5
    # As if a render had been killed after three shots: two segments are missing.
    for path in segments[:2]:
        path.unlink()
    again = render_variant(spec, out_dir=tmp_path / "again", options=options(), cache_dir=out / "cache")
    import json

    manifest = json.loads(Path(again.manifest).read_text())
    assert (manifest["shots_reused"], manifest["shots_rendered"]) == (3, 2)
    assert frame_hashes(Path(again.video)) == frame_hashes(Path(first.video))


@pytest.mark.slow
def test_same_seed_gives_identical_frames_without_a_cache(tmp_path: Path) -> None:
    spec = small_spec()
    a = render_variant(spec, out_dir=tmp_path / "a", options=options())
    b = render_variant(spec, out_dir=tmp_path / "b", options=options())
    assert frame_hashes(Path(a.video)) == frame_hashes(Path(b.video))
    other = render_variant(spec.model_copy(update={"seed": 5}), out_dir=tmp_path / "c", options=options())
    assert frame_hashes(Path(other.video)) != frame_hashes(Path(a.video))


def test_cancel_stops_at_the_next_check_and_removes_partial_files(tmp_path: Path) -> None:
    """Work, not time (the bench times it): once cancel is asked, the render reports no more
    progress than the step it was in and raises at its next check."""
    spec = small_spec()
    asked_at: list[float] = []
    after: list[float] = []

    def on_progress(stage: str, fraction: float, message: str = "") -> None:
        if asked_at:
            after.append(fraction)
        elif fraction > 0.3:
            asked_at.append(fraction)

    with pytest.raises(Cancelled):
        render_variant(
            spec,
            out_dir=tmp_path / "ad",
            options=options(),
            cache_dir=tmp_path / "cache",
            on_progress=on_progress,
            should_cancel=lambda: bool(asked_at),
        )
    assert max(after, default=asked_at[0]) - asked_at[0] < 0.15, (asked_at, after)
    assert list((tmp_path / "ad").iterdir()) == []
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and ".part" in p.name]


def test_a_failed_encode_leaves_no_mp4(tmp_path: Path) -> None:
    with pytest.raises(RenderError):
        render_variant(small_spec(), out_dir=tmp_path / "ad", options=options(preset="no-such-preset"))
    assert list((tmp_path / "ad").iterdir()) == []


def test_plan_whose_shots_do_not_add_up_names_the_shot(tmp_path: Path) -> None:
    plan = make_plan()
    plan.shots[2].duration_s = 9.0  # a hand edit: the shot is valid alone, the plan is not
    with pytest.raises(PlanError, match="Shorten shot 3"):
        variant_specs(plan, aspects=["9:16"], fps=15)
    spec = small_spec().model_copy(update={"plan": plan})
    with pytest.raises(PlanError, match=r"shot 4 already ends at 18 s\. Shorten shot 3 \(9 s"):
        render_variant(spec, out_dir=tmp_path / "ad", options=options())
    short = make_plan()
    short.shots[4].duration_s = 1.0
    with pytest.raises(PlanError, match="lengthen shot 5"):
        render_variant(
            small_spec().model_copy(update={"plan": short}), out_dir=tmp_path / "ad", options=options()
        )


def test_unwritable_output_folder_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(InputError, match="cannot write"):
        render_variant(small_spec(), out_dir=blocker / "ad", options=options())


def test_bad_inputs_render_with_notices(tmp_path: Path) -> None:
    """Long and empty lines, overflowing text, a corrupt logo and an unknown font: an ad, and words."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"this is not a PNG at all")
    long_line = " ".join(["an unbelievably long voice-over sentence that keeps going"] * 12)
    lines = [
        ("", "SUPERCALIFRAGILISTICEXPIALIDOCIOUSLY-LONG-WORD " * 4, "push_in", "cut"),
        (long_line, "text " * 80, "truck_right", "crossfade"),
        ("Short and sweet.", "", "tilt_down", "whip_pan"),
        ("Order now.", "", "drift", "cut"),
    ]
    plan = make_plan(lines=lines, logo=str(logo), font="No Such Font Sans", fps=12)
    variant = render_variant(small_spec(plan), out_dir=tmp_path / "ad", options=options())
    notices = " ".join(variant.notices)
    assert "logo" in notices and "could not be read" in notices
    assert "No Such Font Sans" in notices
    assert "Shot 2's voice-over" in notices and "shortened" in notices
    windows = shot_windows(plan)
    for start, end, _ in parse_srt(Path(variant.captions)):
        assert any(s - 1e-3 <= start and end <= e + 1e-3 for s, e in windows)
    assert abs(float(ffprobe(Path(variant.video))["format"]["duration"]) - 15.0) <= 1 / 12


def test_missing_logo_is_skipped_with_a_notice(tmp_path: Path) -> None:
    plan = make_plan(logo=str(tmp_path / "nowhere.png"))
    variant = render_variant(small_spec(plan), out_dir=tmp_path / "ad", options=options(voice_backend=None))
    assert any("nowhere.png" in n and "not found" in n for n in variant.notices)
    assert parse_srt(Path(variant.captions))  # captions without a voice


def test_missing_espeak_gives_captions_only_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    variant = render_variant(small_spec(), out_dir=tmp_path / "ad", options=options())
    monkeypatch.undo()
    assert any("espeak-ng is not installed" in n for n in variant.notices)
    assert len(parse_srt(Path(variant.captions))) >= 5
    streams = [s["codec_type"] for s in ffprobe(Path(variant.video))["streams"]]
    assert streams.count("audio") == 1  # music still plays


def test_variant_specs_cover_aspects_and_alternate_hooks() -> None:
    plan = make_plan()
    specs = variant_specs(plan, aspects=["9:16", "16:9"], n_variants=3, seed=1, fps=24)
    assert [(s.aspect_ratio, s.variant.name) for s in specs] == [
        ("9:16", "A"),
        ("9:16", "B"),
        ("9:16", "C"),
        ("16:9", "A"),
        ("16:9", "B"),
        ("16:9", "C"),
    ]
    main, b, c = specs[:3]
    assert main.variant.hook is None and main.variant.description == "Main cut"
    assert b.variant.hook and b.variant.voice and b.variant.hook != plan.hook
    assert b.variant.hook in b.variant.description and "voice" in b.variant.description
    assert c.variant.hook != b.variant.hook and c.variant.voice != b.variant.voice
    assert all(s.fps == 24 and s.seed == 1 for s in specs)
    assert specs[3].size == (1920, 1080) and specs[0].size == (1080, 1920)


def test_variants_render_in_parallel_with_progress(tmp_path: Path) -> None:
    plan = make_plan()
    specs = [s.model_copy(update=SMALL) for s in variant_specs(plan, aspects=["9:16"], n_variants=2, fps=12)]
    seen: list[float] = []
    variants = render_variants(
        specs,
        out_root=tmp_path,
        options=options(workers=2),
        cache_dir=tmp_path / "cache",
        on_progress=lambda stage, fraction, message="": seen.append(fraction),
    )
    assert [v.id for v in variants] == ["9x16-A", "9x16-B"]
    assert variants[1].choice.hook and Path(variants[1].video).is_file()
    assert seen and max(seen) == pytest.approx(1.0) and min(seen) >= 0.0
    a_cues, b_cues = (parse_srt(Path(v.captions)) for v in variants)
    assert a_cues[0][2] != b_cues[0][2]  # the alternate hook is what is said first


def test_cancel_reaches_worker_processes(tmp_path: Path) -> None:
    plan = make_plan()
    specs = [s.model_copy(update=SMALL) for s in variant_specs(plan, aspects=["9:16", "1:1"], fps=12)]
    seen: list[float] = []
    with pytest.raises(Cancelled):
        render_variants(
            specs,
            out_root=tmp_path,
            options=options(workers=2),
            on_progress=lambda stage, fraction, message="": seen.append(fraction),
            should_cancel=lambda: bool(seen) and max(seen) > 0.2,
        )
    assert max(seen) < 0.9
    assert not list(tmp_path.rglob("*.mp4"))


@pytest.mark.slow
def test_full_size_aspects_are_recomposed_not_letterboxed(tmp_path: Path) -> None:
    plan = make_plan(fps=12)
    specs = variant_specs(plan, aspects=["16:9", "1:1"], fps=12)
    variants = render_variants(specs, out_root=tmp_path, options=options(workers=2, voice_backend=None))
    sizes = {
        v.aspect_ratio: (
            video_stream(ffprobe(Path(v.video)))["width"],
            video_stream(ffprobe(Path(v.video)))["height"],
        )
        for v in variants
    }
    assert sizes == {"16:9": (1920, 1080), "1:1": (1080, 1080)}
    for variant in variants:
        assert black_intervals(Path(variant.video)) == []


def test_render_options_are_picklable() -> None:
    import pickle

    opts = RenderOptions(voice_backend=None, workers=3)
    assert pickle.loads(pickle.dumps(opts)) == opts


def test_a_configured_voice_provider_speaks_through_the_render_and_its_key_stays_out(
    tmp_path: Path,
) -> None:
    """Backends built by name inside the renderer get their options (here ElevenLabs' key and
    URL, served by a loopback fake); the manifest records the choice but never the key."""
    from tests.support.fake_providers import ElevenLabsFake, serving

    key = "xi-render-key"
    with serving(ElevenLabsFake(key)) as fake:
        opts = options(
            voice_backend="elevenlabs",
            backend_options={"voice": {"api_key": key, "base_url": fake.url}},
            workers=2,
        )
        plan = make_plan(duration_s=15)
        specs = [s.model_copy(update=SMALL) for s in variant_specs(plan, aspects=["9:16"], n_variants=2, fps=plan.fps)]
        variants = render_variants(specs, out_root=tmp_path, options=opts)  # two worker processes
        spoken = " ".join(r.json["text"] for r in fake.requests)
        voices_used = {r.path.split("/")[3] for r in fake.requests}
    assert "Oat Latte" in spoken and "students" in spoken
    # A reads in the configured voice, B in a premade alternate (not an espeak voice name).
    assert voices_used == {"21m00Tcm4TlvDq8ikWAM", "EXAVITQu4vr4xnSDxMaL"}
    for variant in variants:
        manifest = Path(variant.manifest).read_text()
        assert key not in manifest and '"voice": true' in manifest
        assert '"voice_backend": "elevenlabs"' in manifest


_PEAK_RSS = """
import sys, tempfile
from pathlib import Path
from cutroom.core.render import RenderOptions, render_variant, variant_specs
from tests.test_render_helpers import make_plan
plan = make_plan(duration_s=int(sys.argv[1]), fps=30)
spec = variant_specs(plan, aspects=["9:16"], fps=30)[0].model_copy(update={"width": 540, "height": 960})
with tempfile.TemporaryDirectory() as tmp:
    options = RenderOptions(preset="ultrafast", workers=1, voice_backend=None)
    render_variant(spec, out_dir=Path(tmp) / "v", options=options)
# VmHWM, not ru_maxrss: a child forked from a big pytest worker keeps the parent's figure
# in ru_maxrss across exec; VmHWM is this process's own peak.
status = Path("/proc/self/status").read_text()
print(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) // 1024)
"""


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_ads_length() -> None:
    """Frames stream to the encoder: a 60 s render peaks where a 15 s one does (bench/render.py
    measures the full 1080x1920 case). Holding the frames would take 3.7 GB at 60 s here."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]

    def peak_mib(seconds: int) -> int:
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, str(seconds)],
            cwd=root, capture_output=True, text=True, timeout=240, check=True,
        )
        return int(done.stdout.strip().splitlines()[-1])

    short, long = peak_mib(15), peak_mib(60)
    assert long < 600, f"a 60 s render peaked at {long} MiB"
    assert long <= short * 1.25, f"peak memory grew with length: {short} MiB at 15 s, {long} MiB at 60 s"
