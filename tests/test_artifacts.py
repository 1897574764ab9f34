"""The local artifact store: atomic writes, listing, and no way out of its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from cutroom.core.errors import InputError
from cutroom.core.store import safe_key, slug
from cutroom.storage.artifacts import LocalArtifactStore, open_store


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "a/../../b", "/abs/../x", "..", "a/./b", "con\x00trol", "-rf", "ev il/x"]
)
def test_path_tricks_are_refused(name: str) -> None:
    with pytest.raises(InputError):
        safe_key(name)


def test_slug_handles_any_text() -> None:
    assert slug("Lumen Glow™ Serum — 30ml!") == "lumen-glow-serum-30ml"
    assert slug("日本語のみ") == "item"
    assert slug("../../etc") == "etc"


def test_store_round_trip_list_and_delete(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "art"))
    assert isinstance(store, LocalArtifactStore)
    store.put_bytes("runs/sb_1/plan.json", b"{}")
    source = tmp_path / "panel.png"
    source.write_bytes(b"png")
    store.put_file("runs/sb_1/panels/01.png", source)
    assert store.get_bytes("runs/sb_1/panels/01.png") == b"png"
    assert store.list("runs/sb_1") == ["runs/sb_1/panels/01.png", "runs/sb_1/plan.json"]
    assert store.url("runs/sb_1/plan.json").startswith("file://")
    assert store.delete_prefix("runs/sb_1") == 2
    assert not store.exists("runs/sb_1/plan.json")
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "art").rglob("*"))


def test_stored_files_are_readable_by_others_as_usual(tmp_path: Path) -> None:
    """Not mkstemp's owner-only mode: a copied storyboard folder is readable like any file."""
    import stat

    store = LocalArtifactStore(tmp_path / "store")
    src = tmp_path / "clip.bin"
    src.write_bytes(b"x")
    for key in (store.put_bytes("a/sheet.png", b"png"), store.put_file("a/clip.bin", src)):
        assert stat.S_IMODE(store.path(key).stat().st_mode) == 0o644
