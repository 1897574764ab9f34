"""``cutroom make``: a storyboard's plan.json to variants on disk, paths printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import cutroom.cli  # noqa: F401  registers every command on the app
from cutroom.cli.app import app
from tests.test_render_helpers import ffprobe, make_plan, video_stream

pytestmark = pytest.mark.skipif(
    "animatic" not in __import__("cutroom.core.backends", fromlist=["images"]).images.names(),
    reason="the animatic panel artist is not installed",
)


def test_make_from_storyboard_renders_each_aspect_and_variant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUTROOM_DATA_DIR", str(tmp_path / "data"))
    board = tmp_path / "board"
    board.mkdir()
    (board / "plan.json").write_text(make_plan(fps=12).model_dump_json())
    result = CliRunner().invoke(
        app,
        [
            "make",
            "--from-storyboard",
            str(board),
            "--out",
            str(tmp_path / "out"),
            "--aspect",
            "9:16",
            "--aspect",
            "1:1",
            "--variants",
            "2",
            "--fps",
            "12",
            "--size",
            "180x320",
        ],
    )
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.stdout.strip().splitlines() if line.endswith(".mp4")]
    assert [p.parent.name for p in paths] == ["9x16-A", "9x16-B", "1x1-A", "1x1-B"]
    for path in paths:
        stream = video_stream(ffprobe(path))
        assert (stream["width"], stream["height"]) == (180, 320)
    assert (tmp_path / "out" / "plan.json").is_file()


def test_make_without_a_brief_says_what_to_give(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["make", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "--from-storyboard" in result.output


def test_make_rejects_an_unknown_aspect(tmp_path: Path) -> None:
    board = tmp_path / "board"
    board.mkdir()
    (board / "plan.json").write_text(make_plan().model_dump_json())
    result = CliRunner().invoke(
        app, ["make", "--from-storyboard", str(board), "--aspect", "3:2", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "3:2" in result.output
