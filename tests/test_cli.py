"""The installed ``cutroom`` command: user mistakes are one clear line and exit code 2, no traceback.

Run as a real process, so the entry point's error handling is what is tested.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BRIEF = "a 15 second TikTok ad for Zing soda, playful, CTA buy now at zing.example"


def cutroom(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUTROOM_DATA_DIR": str(cwd / "data"), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", "from cutroom.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["storyboard", "make"])
def test_an_out_that_is_a_file_is_refused_before_any_work(tmp_path: Path, command: str) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    result = cutroom(command, BRIEF, "--out", str(taken), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    said = result.stdout + result.stderr
    assert "is a file, not a folder" in said and "Traceback" not in said
    assert taken.read_text() == "mine"
    assert not (tmp_path / "data" / "artifacts").exists()  # nothing was drawn first


def test_an_out_below_a_file_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = cutroom("plan", BRIEF, "--out", str(tmp_path / "notes.txt" / "plan.json"), cwd=tmp_path)
    assert result.returncode == 2
    said = result.stdout + result.stderr
    assert "choose another --out" in said.lower() and "Traceback" not in said


def test_an_empty_brief_says_what_to_give(tmp_path: Path) -> None:
    result = cutroom("brief", "   ", cwd=tmp_path)
    assert result.returncode == 2
    said = result.stdout + result.stderr
    assert "The brief is empty" in said and "Traceback" not in said
