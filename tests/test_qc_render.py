"""QC acting in a real render: a planted bad take is retaken and the better take ends up in the
MP4 (checked on the decoded video), through core and through a real worker process; a budget
that runs out keeps take 1 and says so; ``cutroom eval`` scores a rendered video the same way.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cutroom.core.encode import extract_frames
from cutroom.core.qc.models import QcOptions, QcReport
from cutroom.core.qc.report import qc_line
from cutroom.core.render import render_variant, shot_frames, variant_specs
from tests.support.qc_fakes import BAD_COLOUR, BAD_SHOT
from tests.test_render_helpers import ffprobe, make_plan, options, video_stream

SMALL = {"width": 180, "height": 320}
REPO = Path(__file__).resolve().parents[1]


def flaky_options(**qc: object) -> object:
    return options(
        image_backend="qc-flaky",
        backend_modules=["tests.test_render_helpers", "tests.support.qc_fakes"],
        qc=QcOptions(**qc),  # type: ignore[arg-type]
    )


def middle_of_shot(video: Path, plan, index: int, fps: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    starts = shot_frames(plan, fps)
    at = (starts[index - 1] + starts[index]) // 2 / fps
    return extract_frames(video, [at], size=(SMALL["width"], SMALL["height"]))[0]


def is_bad(frame: np.ndarray) -> bool:
    """Most of the picture is the planted magenta."""
    close = np.abs(frame.astype(int) - np.array(BAD_COLOUR)).sum(axis=2) < 60
    return float(close.mean()) > 0.5


def render(tmp_path: Path, opts: object):  # type: ignore[no-untyped-def]
    plan = make_plan()
    spec = variant_specs(plan, aspects=["9:16"], fps=plan.fps)[0].model_copy(update=SMALL)
    variant = render_variant(spec, out_dir=tmp_path / "ad", options=opts, cache_dir=tmp_path / "cache")  # type: ignore[arg-type]
    return plan, variant


@pytest.mark.slow
def test_a_bad_take_is_retaken_and_the_second_take_kept(tmp_path: Path) -> None:
    plan, variant = render(tmp_path, flaky_options())
    assert variant.qc is not None
    shot = variant.qc.shots[BAD_SHOT - 1]
    assert [t.take for t in shot.takes] == [1, 2]
    first, second = shot.takes
    assert {"palette_delta_e", "sharpness"} <= set(first.failed) and not first.kept
    assert second.kept and not second.failed and second.seed != first.seed
    assert variant.qc.retaken == [BAD_SHOT]
    assert all(len(s.takes) == 1 for s in variant.qc.shots if s.index != BAD_SHOT)
    # The MP4 has the second take: shot 2's middle frame is no longer the magenta card.
    assert not is_bad(middle_of_shot(Path(variant.video), plan, BAD_SHOT, plan.fps))
    # Shot 3 opens with a whip pan out of shot 2: it must leave the kept take, not the bad one.
    assert plan.shots[BAD_SHOT].transition_in == "whip_pan"
    first_of_next = shot_frames(plan, plan.fps)[BAD_SHOT] / plan.fps
    frame = extract_frames(Path(variant.video), [first_of_next], size=(SMALL["width"], SMALL["height"]))[0]
    close = np.abs(frame.astype(int) - np.array(BAD_COLOUR)).sum(axis=2) < 60
    assert float(close.mean()) < 0.05
    manifest = json.loads(Path(variant.manifest).read_text())
    recorded = QcReport.model_validate(manifest["qc"])
    assert [t.failed != [] for t in recorded.shots[BAD_SHOT - 1].takes] == [True, False]
    assert "retakes" in manifest["timings_s"]
    # No take files are left beside the cached segments.
    assert not list((tmp_path / "cache" / "segments").glob(".*take*"))

    # A second render from the same cache reuses the kept take and its scores.
    spec = variant_specs(plan, aspects=["9:16"], fps=plan.fps)[0].model_copy(update=SMALL)
    again = render_variant(
        spec, out_dir=tmp_path / "ad2", options=flaky_options(), cache_dir=tmp_path / "cache"
    )  # type: ignore[arg-type]
    assert again.qc is not None and all(s.reused for s in again.qc.shots)
    assert again.qc.retaken == [BAD_SHOT]


@pytest.mark.slow
def test_budget_out_keeps_the_best_take_so_far_and_says_so(tmp_path: Path) -> None:
    plan, variant = render(tmp_path, flaky_options(max_retakes=0))
    assert variant.qc is not None
    shot = variant.qc.shots[BAD_SHOT - 1]
    assert len(shot.takes) == 1 and shot.failed
    assert any("retake budget" in n and "best so far" in n for n in shot.notes)
    assert "still weak: shot 2" in qc_line(variant.qc)
    assert is_bad(middle_of_shot(Path(variant.video), plan, BAD_SHOT, plan.fps))


@pytest.mark.slow
def test_cutroom_eval_scores_a_rendered_video(tmp_path: Path) -> None:
    plan, variant = render(tmp_path, flaky_options(max_retakes=0))
    video = Path(variant.video)
    stream = video_stream(ffprobe(video))
    assert stream["codec_name"] == "h264" and int(stream["nb_read_frames"]) == plan.total_frames
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(plan.model_dump_json())
    done = subprocess.run(
        [sys.executable, "-c", "from cutroom.cli import main; main()", "eval", str(video), "--plan", str(plan_file), "--json"],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = QcReport.model_validate(json.loads(done.stdout)[str(video)])
    assert [s.index for s in report.shots] == [s.index for s in plan.shots]
    bad = report.shots[BAD_SHOT - 1]
    assert "palette_delta_e" in bad.failed
    others = [s for s in report.shots if s.index != BAD_SHOT and not plan.shots[s.index - 1].is_end_card]
    assert all(s.scores["palette_delta_e"] < bad.scores["palette_delta_e"] for s in others)
    # The table, as people read it.
    table = subprocess.run(
        [sys.executable, "-c", "from cutroom.cli import main; main()", "eval", str(video), "--plan", str(plan_file)],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    shown = table.stdout + table.stderr  # the CLI's console may write to either
    assert table.returncode == 0 and "palette ΔE" in shown and "Sequence consistency" in shown


def test_eval_of_a_missing_path_or_a_non_video_is_a_clear_error(tmp_path: Path) -> None:
    from cutroom.core.errors import InputError
    from cutroom.core.qc.evaluate import evaluate_video, videos_in

    with pytest.raises(InputError, match="no file or folder"):
        videos_in(tmp_path / "nope")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    with pytest.raises(InputError, match="not a video"):
        evaluate_video(junk)


def test_the_storyboard_retakes_a_bad_keyframe(tmp_path: Path) -> None:
    from dataclasses import replace

    from PIL import Image

    from cutroom.core.backends import Backends, images
    from cutroom.core.pipeline import make_storyboard
    from cutroom.storage.artifacts import LocalArtifactStore

    store = LocalArtifactStore(tmp_path / "artifacts")
    backends = replace(Backends.embedded(), image=images.create("qc-flaky"), voice=None)
    board = make_storyboard(make_plan(), store, backends=backends, aspect="9:16")
    record = board.keyframe_qc[BAD_SHOT - 1]
    assert [t.take for t in record.takes] == [1, 2] and record.takes[1].kept
    assert "palette_delta_e" in record.takes[0].failed and not record.failed
    assert all(len(r.takes) == 1 for r in board.keyframe_qc if r.index != BAD_SHOT)
    panel = board.panels[BAD_SHOT - 1]
    with Image.open(io.BytesIO(store.get_bytes(panel.image))) as image:
        assert not is_bad(np.asarray(image.convert("RGB")))
