"""The realistic fixture threads: the test-only ones and the playground's examples, each stored once."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "threads"
EXAMPLES = ROOT / "playground" / "examples"  # shipped with the playground, used here as they are


def thread_paths() -> list[Path]:
    """Every fixture thread (JSON with "messages"), by name."""
    return sorted([*FIXTURES.glob("*.json"), *EXAMPLES.glob("*.json")], key=lambda p: p.stem)


def thread_path(name: str) -> Path:
    for folder in (FIXTURES, EXAMPLES):
        path = folder / f"{name}.json"
        if path.is_file():
            return path
    raise FileNotFoundError(f"No fixture thread named {name!r} in {FIXTURES} or {EXAMPLES}.")
