"""Casting on the embedded backends: one reference per entity, on the sheet, kept and recast as asked."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from cutroom.core.backends import Backends, PanelArt
from cutroom.core.backends.animatic import AnimaticImageBackend
from cutroom.core.cast import check_references, read_upload
from cutroom.core.errors import InputError
from cutroom.core.models import Plan, Shot, Storyboard
from cutroom.core.pipeline import make_storyboard, recast, redo_scene
from cutroom.core.plan import sample_brief
from cutroom.core.storyboard import cast_row_boxes, render_sheet
from cutroom.storage.artifacts import LocalArtifactStore


class CountingAnimatic(AnimaticImageBackend):
    """The real animatic drawings, remembering which shots it drew and the references it saw."""

    def __init__(self) -> None:
        self.drawn: list[int] = []
        self.refs: dict[int, dict[str, str | None]] = {}

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt:
        self.drawn.append(shot.index)
        self.refs[shot.index] = {e: plan.bible.entity(e).reference_image for e in shot.entities}
        return super().draw(plan, shot, size=size, seed=seed)


def _backends(image: Any = None) -> Backends:
    base = Backends.embedded()
    base.image = image or CountingAnimatic()
    base.voice = None
    return base


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _board(tmp_path: Path, image: Any = None, brief: Any = None) -> tuple[Storyboard, LocalArtifactStore]:
    store = LocalArtifactStore(tmp_path / "artifacts")
    brief = brief or sample_brief().model_copy(update={"duration_s": 15})
    return make_storyboard(brief, store, backends=_backends(image), aspect="9:16", seed=0), store


def test_every_entity_is_cast_once_under_a_content_key_and_each_shot_gets_its_references(tmp_path: Path) -> None:
    artist = CountingAnimatic()
    board, store = _board(tmp_path, artist)
    assert board.cast is not None
    ids = [e.id for e in board.plan.bible.entities]
    assert [m.entity_id for m in board.cast.members] == ids
    for member in board.cast.members:
        assert member.source == "generated"
        ref = member.reference
        assert ref is not None and ref.startswith("cast/") and store.exists(ref)
        assert set(member.views) == ({"packshot"} if member.kind == "product" else {"front"})
    # Every shot was drawn with the local copy of exactly its entities' cast pictures.
    for shot in board.plan.shots:
        seen = artist.refs[shot.index]
        assert set(seen) == set(shot.entities)
        for entity_id, path in seen.items():
            member = board.cast.member(entity_id)
            assert member is not None and member.reference is not None and path is not None
            assert Path(path).read_bytes() == store.get_bytes(member.reference)
    # The saved storyboard carries the cast, and old JSON without one still loads.
    again = Storyboard.model_validate_json(store.get_bytes(f"runs/{board.id}/storyboard.json"))
    assert again.cast == board.cast
    legacy = board.model_dump(mode="json")
    legacy.pop("cast")
    assert Storyboard.model_validate(legacy).cast is None


def test_the_sheet_shows_each_cast_picture_in_the_cast_row(tmp_path: Path) -> None:
    board, store = _board(tmp_path)
    assert board.cast is not None
    sheet = Image.open(io.BytesIO(store.get_bytes(board.sheet))).convert("RGB")
    pictures = [Image.open(io.BytesIO(store.get_bytes(m.reference or ""))).convert("RGB") for m in board.cast.members]
    cast = list(zip(board.cast.members, pictures, strict=True))

    def error(image: Image.Image, top: int) -> float:
        worst = 0.0
        for picture, box in zip(pictures, cast_row_boxes(cast, top), strict=True):
            region = np.asarray(image.crop(box)).astype(float)
            expected = np.asarray(picture.resize(region.shape[1::-1], Image.Resampling.LANCZOS)).astype(float)
            inner = (slice(20, -20), slice(20, -20))  # the corners are rounded
            worst = max(worst, float(np.abs(region[inner] - expected[inner]).mean()))
        return worst

    # The row sits right under the header (at least 300 px tall): each picture is found there.
    top = min(range(300, 700, 2), key=lambda y: error(sheet, y))
    assert error(sheet, top) < 6
    # The same sheet drawn without a cast has no picture there.
    panels = [Image.open(io.BytesIO(store.get_bytes(p.image))).convert("RGB") for p in board.panels]
    bare = render_sheet(board.plan, panels, aspect="9:16")
    assert bare.height < sheet.height
    assert error(bare, top) > 20


def test_a_reference_the_planner_invented_is_dropped_with_a_note_and_never_fetched(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    from cutroom.core.plan import plan_ad

    plan = plan_ad(sample_brief().model_copy(update={"duration_s": 15}), seed=0)
    entities = [
        e.model_copy(update={"reference_image": "https://cdn.example.invalid/ava.png"}) for e in plan.bible.entities
    ]
    plan = plan.model_copy(update={"bible": plan.bible.model_copy(update={"entities": entities})})
    checked, notes = check_references(plan, store)
    assert all(e.reference_image is None for e in checked.bible.entities)
    assert len(notes) == len(entities) and "not an upload" in notes[0]
    board = make_storyboard(plan, store, backends=_backends(), aspect="9:16", seed=0)
    assert board.cast is not None and board.cast.notes == notes
    assert all(m.source == "generated" for m in board.cast.members)


def test_an_upload_is_the_reference_and_bad_uploads_are_refused_in_words(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    photo = Image.new("RGB", (300, 400), (200, 120, 90))
    key = store.put_bytes("uploads/slack-c1/ava.png", _png(photo), content_type="image/png")
    from cutroom.core.plan import plan_ad

    plan = plan_ad(sample_brief().model_copy(update={"duration_s": 15}), seed=0)
    ava = next(e for e in plan.bible.entities if e.kind == "character")
    entities = [e.model_copy(update={"reference_image": key}) if e.id == ava.id else e for e in plan.bible.entities]
    plan = plan.model_copy(update={"bible": plan.bible.model_copy(update={"entities": entities})})
    board = make_storyboard(plan, store, backends=_backends(), aspect="9:16", seed=0)
    assert board.cast is not None
    member = board.cast.member(ava.id)
    assert member is not None and member.source == "upload" and member.reference
    assert Image.open(io.BytesIO(store.get_bytes(member.reference))).getpixel((5, 5)) == (200, 120, 90)
    assert board.plan.bible.entity(ava.id).reference_image == key  # the plan keeps the upload's key

    with pytest.raises(InputError, match="not a picture"):
        read_upload(b"%PDF-1.4 not an image", what="Ava")
    with pytest.raises(InputError, match="MB"):
        read_upload(b"\0" * (21 * 1024 * 1024), what="Ava")
    huge = io.BytesIO()
    Image.new("L", (9000, 10), 0).save(huge, format="PNG")
    with pytest.raises(InputError, match="pixels a side"):
        read_upload(huge.getvalue(), what="Ava")


def test_recasting_one_entity_redraws_only_its_shots_and_a_scene_redo_keeps_the_cast(tmp_path: Path) -> None:
    artist = CountingAnimatic()
    board, store = _board(tmp_path, artist)
    assert board.cast is not None
    person = next(e for e in board.plan.bible.entities if e.kind == "character")
    artist.drawn.clear()
    older = recast(board, person.id, store, backends=_backends(artist), look=f"{person.look}, in her sixties")
    assert older.cast is not None and older.id != board.id and older.version == board.version + 1
    with_person = [s.index for s in board.plan.shots if person.id in s.entities]
    assert sorted(artist.drawn) == with_person
    for old, new in zip(board.cast.members, older.cast.members, strict=True):
        assert (old == new) == (old.entity_id != person.id)
    for old_panel, new_panel in zip(board.panels, older.panels, strict=True):
        if old_panel.shot_index not in with_person:
            assert store.get_bytes(old_panel.image) == store.get_bytes(new_panel.image)

    redone = redo_scene(older, 2, store, backends=_backends(), seed=7)
    assert redone.cast == older.cast

    with pytest.raises(InputError, match="no 'zed'"):
        recast(board, "zed", store, backends=_backends(), look="taller")
