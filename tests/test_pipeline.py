"""core.pipeline end to end on the embedded backends: uploads kept in the store reach the pictures."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image

from cutroom.core.backends import Backends
from cutroom.core.pipeline import make_storyboard, render_storyboard, with_local_assets
from cutroom.core.plan import sample_brief
from cutroom.core.render import RenderOptions
from cutroom.storage.artifacts import LocalArtifactStore


def _logo_png() -> bytes:
    image = Image.new("RGBA", (64, 32), (220, 40, 40, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _notices(store: LocalArtifactStore, logo: str, tmp_path: Path) -> tuple[str, list[str]]:
    brief = sample_brief().model_copy(update={"duration_s": 15})
    brief = brief.model_copy(update={"brand": brief.brand.model_copy(update={"logo": logo})})
    board = make_storyboard(brief, store, backends=Backends.embedded(), aspect="9:16", seed=0)
    opts = RenderOptions(preset="ultrafast", workers=1, voice_backend=None)
    [variant] = render_storyboard(board, store, aspects=["9:16"], options=opts, scale=0.15)
    manifest = json.loads(store.get_bytes(variant.manifest))
    return board.plan.brief.brand.logo or "", manifest["notices"]


def test_a_logo_kept_in_the_store_is_drawn_and_the_plan_keeps_its_key(tmp_path: Path) -> None:
    """Slack and Discord uploads are stored under a key, not a path on the worker's disk."""
    store = LocalArtifactStore(tmp_path / "artifacts")
    key = store.put_bytes("logos/slack-c1-t1/logo.png", _logo_png(), content_type="image/png")
    kept, notices = _notices(store, key, tmp_path)
    assert kept == key  # the saved plan stays valid on any machine
    assert not [n for n in notices if "logo" in n.lower()], notices


def test_a_logo_nobody_stored_is_skipped_in_words(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    _, notices = _notices(store, "logos/nowhere/logo.png", tmp_path)
    assert any("logo file logo.png was not found" in n for n in notices), notices


def test_local_assets_leave_files_and_unknown_values_alone(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    file = tmp_path / "logo.png"
    file.write_bytes(_logo_png())
    brief = sample_brief()
    plan_brief = brief.model_copy(update={"brand": brief.brand.model_copy(update={"logo": str(file)})})
    from cutroom.core.plan import plan_ad

    plan = plan_ad(plan_brief, seed=0)
    assert with_local_assets(plan, store, tmp_path / "assets") is plan
