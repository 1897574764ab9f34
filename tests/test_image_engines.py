"""Hosted keyframe engines through their official SDKs against loopback fakes of the provider APIs.

OpenAI Images (``openai``: images.generate / images.edit) and Gemini (``google-genai``:
models.generate_content with image parts): the cast is generated, every shot is sent the cast
pictures of exactly its entities, 429s are retried then explained, refusals name the shot.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cutroom.core.backends import Backends, images
from cutroom.core.errors import RefusedError, TransientError, UnavailableError
from cutroom.core.models import Storyboard
from cutroom.core.pipeline import make_storyboard
from cutroom.core.plan import sample_brief
from cutroom.core.qc.models import QcOptions
from cutroom.storage.artifacts import LocalArtifactStore
from tests.support.fake_providers import GoogleGenAIFake, OpenAIImagesFake, multipart_parts, serving

pytest.importorskip("google.genai")


@pytest.fixture
def openai_fake() -> Iterator[OpenAIImagesFake]:
    with serving(OpenAIImagesFake()) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def google_fake() -> Iterator[GoogleGenAIFake]:
    with serving(GoogleGenAIFake()) as fake:
        yield fake  # type: ignore[misc]


def _openai(fake: OpenAIImagesFake, **options: object) -> object:
    return images.create("openai", api_key=fake.api_key, base_url=f"{fake.url}/v1", **options)


def _google(fake: GoogleGenAIFake, **options: object) -> object:
    return images.create("google", api_key=fake.api_key, base_url=fake.url, initial_delay_s=0.01, **options)


def _board(tmp_path: Path, engine: object) -> tuple[Storyboard, LocalArtifactStore]:
    store = LocalArtifactStore(tmp_path / "artifacts")
    backends = Backends.embedded()
    backends.qc = QcOptions(enabled=False)  # these tests count the engine's calls; QC retakes are tested in test_qc_*
    backends.image = engine  # type: ignore[assignment]
    brief = sample_brief().model_copy(update={"duration_s": 15})
    return make_storyboard(brief, store, backends=backends, aspect="9:16", seed=0), store


def _b64(text: str) -> bytes:
    """The Gemini API takes standard or URL-safe base64 (the SDK sends URL-safe, unpadded)."""
    return base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4))


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB")).astype(int)


# ── OpenAI Images ───────────────────────────────────────────────────────────────────────


def test_openai_casts_every_entity_and_edits_each_shot_from_its_cast(
    tmp_path: Path, openai_fake: OpenAIImagesFake
) -> None:
    board, store = _board(tmp_path, _openai(openai_fake))
    assert board.cast is not None
    people = [m for m in board.cast.members if m.kind == "character"]
    products = [m for m in board.cast.members if m.kind == "product"]
    for member in people:
        assert set(member.views) == {"front", "three_quarter", "side"}
    for member in products:
        assert set(member.views) == {"packshot"}
    generations = [r for r in openai_fake.requests if r.path == "/v1/images/generations"]
    edits = [r for r in openai_fake.requests if r.path == "/v1/images/edits"]
    # One generation per entity's main view; two edits (3/4 and side) per person; one edit per shot with entities.
    shots_with_entities = [s for s in board.plan.shots if s.entities]
    assert len(generations) == len(board.cast.members) + len(board.plan.shots) - len(shots_with_entities)
    assert len(edits) == 2 * len(people) + len(shots_with_entities)
    for request in generations:
        body = request.json
        assert body["model"] == "gpt-image-2" and body["n"] == 1 and body["quality"] == "medium"
        assert body["size"] in ("1024x1024", "1024x1536")
        assert "No text of any kind" in body["prompt"]
    shot_edits = [multipart_parts(r) for r in edits][2 * len(people) :]
    for shot, parts in zip(shots_with_entities, shot_edits, strict=True):
        files = [data for name, filename, data in parts if filename]
        fields = {name: data.decode() for name, filename, data in parts if not filename}
        assert fields["model"] == "gpt-image-2" and fields["size"] == "1024x1536"
        assert "No text of any kind" in fields["prompt"]
        assert len(files) == len(shot.entities)
        for entity_id, sent in zip(shot.entities, files, strict=True):
            member = board.cast.member(entity_id)
            assert member is not None and member.reference is not None
            assert np.array_equal(_pixels(sent), _pixels(store.get_bytes(member.reference)))
            assert f"reference image {shot.entities.index(entity_id) + 1}" in fields["prompt"]


def test_openai_retries_a_429_then_says_so_in_words(openai_fake: OpenAIImagesFake) -> None:
    from cutroom.core.plan import plan_ad

    plan = plan_ad(sample_brief(), seed=0)
    shot = next(s for s in plan.shots if not s.entities) if any(not s.entities for s in plan.shots) else None
    engine = _openai(openai_fake, max_retries=1)
    entity = plan.bible.entities[0]
    openai_fake.script(openai_fake.error(429, "Rate limit reached", retry_after=0))  # then the default picture
    views = engine.cast(plan, entity, size=(64, 64), seed=0)  # type: ignore[attr-defined]
    assert views and len(openai_fake.requests) >= 2
    openai_fake.script(*[openai_fake.error(429, "Rate limit reached", retry_after=0)] * 2)
    with pytest.raises(TransientError, match="rate limiting us \\(HTTP 429\\) after 2 tries"):
        engine.cast(plan, plan.bible.entities[-1], size=(64, 64), seed=0)  # type: ignore[attr-defined]
    del shot


def test_openai_refusal_names_the_shot_and_offers_a_redo(openai_fake: OpenAIImagesFake) -> None:
    from cutroom.core.plan import plan_ad

    plan = plan_ad(sample_brief(), seed=0)
    shot = plan.shots[2]
    engine = _openai(openai_fake, max_retries=0)
    openai_fake.script(openai_fake.refusal())
    with pytest.raises(RefusedError, match=f"refused shot {shot.index}: Your request was rejected.*redo"):
        engine.draw(plan, shot, size=(96, 160), seed=0)  # type: ignore[attr-defined]


def test_openai_without_a_key_says_which_variable() -> None:
    with pytest.raises(UnavailableError, match="OPENAI_API_KEY"):
        images.create("openai", api_key=None)


# ── Google GenAI ────────────────────────────────────────────────────────────────────────


def test_google_casts_every_entity_and_sends_each_shot_its_cast(tmp_path: Path, google_fake: GoogleGenAIFake) -> None:
    board, store = _board(tmp_path, _google(google_fake))
    assert board.cast is not None
    calls = list(google_fake.requests)
    assert all(r.path.endswith("/models/gemini-3.1-flash-image:generateContent") for r in calls)
    n_cast = sum(3 if m.kind == "character" else 1 for m in board.cast.members)
    shot_calls = calls[n_cast:]
    assert len(shot_calls) == len(board.plan.shots)
    for shot, request in zip(board.plan.shots, shot_calls, strict=True):
        body = request.json
        assert body["generationConfig"]["responseModalities"] == ["IMAGE"]
        assert body["generationConfig"]["imageConfig"]["aspectRatio"] == "9:16"
        parts = body["contents"][0]["parts"]
        sent = [_b64(p["inlineData"]["data"]) for p in parts if "inlineData" in p]
        assert len(sent) == len(shot.entities)
        for entity_id, data in zip(shot.entities, sent, strict=True):
            member = board.cast.member(entity_id)
            assert member is not None and member.reference is not None
            assert np.array_equal(_pixels(data), _pixels(store.get_bytes(member.reference)))
        assert "No text of any kind" in parts[-1]["text"]


def test_google_retries_a_429_blocks_name_the_shot_and_errors_read_as_words(google_fake: GoogleGenAIFake) -> None:
    from cutroom.core.plan import plan_ad

    plan = plan_ad(sample_brief(), seed=0)
    engine = _google(google_fake, attempts=2)
    google_fake.script(google_fake.error(429, "Resource has been exhausted"))  # then the default picture
    art = engine.draw(plan, plan.shots[0], size=(96, 160), seed=0)  # type: ignore[attr-defined]
    assert art.background.size == (96, 160) and len(google_fake.requests) == 2
    google_fake.script(*[google_fake.error(429, "Resource has been exhausted")] * 2)
    with pytest.raises(TransientError, match="rate limiting us \\(HTTP 429\\) after 2 tries at shot 2"):
        engine.draw(plan, plan.shots[1], size=(96, 160), seed=0)  # type: ignore[attr-defined]
    google_fake.script(google_fake.blocked())
    with pytest.raises(RefusedError, match="refused shot 3 \\(PROHIBITED_CONTENT\\).*redo"):
        engine.draw(plan, plan.shots[2], size=(96, 160), seed=0)  # type: ignore[attr-defined]
    google_fake.script(google_fake.error(403, "API key not valid"))
    with pytest.raises(UnavailableError, match="GEMINI_API_KEY"):
        engine.draw(plan, plan.shots[0], size=(96, 160), seed=0)  # type: ignore[attr-defined]


# ── the CLI, end to end ─────────────────────────────────────────────────────────────────


def _cli(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "CUTROOM_DATA_DIR": str(cwd / "data"), "COLUMNS": "200", "CUTROOM_VOICE_BACKEND": "none",
            "CUTROOM_RENDER_WORKERS": "1", "CUTROOM_QC_ENABLED": "false", **env}
    return subprocess.run(
        [sys.executable, "-c", "from cutroom.cli import main; main()", *args],
        cwd=cwd, env=full, capture_output=True, text=True, timeout=600,
    )


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["openai", "google"])
def test_cutroom_storyboard_and_make_with_a_hosted_engine(tmp_path: Path, engine: str) -> None:
    fake = OpenAIImagesFake() if engine == "openai" else GoogleGenAIFake()
    env = (
        {"CUTROOM_IMAGE_BACKEND": "openai", "OPENAI_API_KEY": fake.api_key, "OPENAI_BASE_URL": f"{fake.url}/v1"}
        if engine == "openai"
        else {"CUTROOM_IMAGE_BACKEND": "google", "GEMINI_API_KEY": fake.api_key, "CUTROOM_GOOGLE_BASE_URL": fake.url}
    )
    brief = "A 15 second TikTok ad for Lumen Glow serum with Ava, a young professional woman. Shop now at lumen.example"
    with serving(fake):
        board_dir = tmp_path / "board"
        made = _cli(["storyboard", brief, "--out", str(board_dir)], tmp_path, env)
        assert made.returncode == 0, made.stderr[-2000:]
        board = Storyboard.model_validate_json((board_dir / "storyboard.json").read_text())
        assert board.cast is not None and board.cast.members
        calls_after_board = len(fake.requests)
        assert calls_after_board >= len(board.plan.shots) + len(board.cast.members)
        out = tmp_path / "ads"
        rendered = _cli(
            ["make", "--from-storyboard", str(board_dir), "--out", str(out), "--size", "144x256"], tmp_path, env
        )
        assert rendered.returncode == 0, rendered.stderr[-2000:]
    videos = [Path(line) for line in rendered.stdout.split() if line.endswith(".mp4")]
    assert videos and all(v.is_file() and v.stat().st_size > 1000 for v in videos)
    # The render drew every shot from the approved cast with the same requests the storyboard made,
    # so every keyframe came from the keyframe cache: nothing was paid for twice.
    assert fake.requests[calls_after_board:] == []
    cached = list((tmp_path / "data" / "cache" / "keyframes").glob("*.png"))
    assert len(cached) == calls_after_board
    manifest = json.loads(next(out.rglob("manifest.json")).read_text())
    assert manifest


# ── cost before spending ────────────────────────────────────────────────────────────────


def test_the_budget_is_checked_before_anything_is_sent_and_the_spend_is_recorded(
    tmp_path: Path, openai_fake: OpenAIImagesFake
) -> None:
    from cutroom.core.cost import SpendLedger
    from cutroom.core.errors import BudgetError

    store = LocalArtifactStore(tmp_path / "artifacts")
    engine = _openai(openai_fake, cost_per_image_usd=0.05)
    backends = Backends.embedded()
    backends.qc = QcOptions(enabled=False)  # these tests count the engine's calls; QC retakes are tested in test_qc_*
    backends.image = engine  # type: ignore[assignment]
    brief = sample_brief().model_copy(update={"duration_s": 15})
    backends.image_daily_budget_usd = 0.10
    with pytest.raises(BudgetError, match=r"would cost about \$0\.\d\d.*\$0\.10 of today's"):
        make_storyboard(brief, store, backends=backends, aspect="9:16", seed=0)
    assert openai_fake.requests == []  # nothing was submitted

    backends.image_daily_budget_usd = 5.0
    backends.spend_ledger = str(tmp_path / "ledger")  # the budget is held there while the pictures are made
    from cutroom.core.clips.ledger import open_ledger

    counter = SpendLedger(store, daily_budget_usd=5.0, counter=open_ledger(backends.spend_ledger))
    openai_fake.script(openai_fake.refusal())  # the first picture is refused: nothing bought
    with pytest.raises(RefusedError):
        make_storyboard(brief, store, backends=backends, aspect="9:16", seed=0)
    assert len(openai_fake.requests) == 1 and counter.spent_today() == 0.0  # the reservation was released
    board = make_storyboard(brief, store, backends=backends, aspect="9:16", seed=0)
    sent = len(openai_fake.requests) - 1
    assert board.spend_usd == pytest.approx(0.05 * sent)
    assert SpendLedger(store, daily_budget_usd=5.0).spent_today() == pytest.approx(board.spend_usd)
    assert counter.spent_today() == pytest.approx(board.spend_usd)  # settled at what was bought
    # The same storyboard again costs nothing: the cast and the panels are found in the store.
    again = make_storyboard(brief, store, backends=backends, aspect="9:16", seed=0)
    assert again.id == board.id and len(openai_fake.requests) == sent + 1
    assert counter.spent_today() == pytest.approx(board.spend_usd)


def test_keyframe_retakes_are_paid_pictures_and_stop_at_the_budget(tmp_path: Path, google_fake: GoogleGenAIFake) -> None:
    """Gemini takes a seed, so a keyframe retake is a new, paid picture: it is held first, and one that
    would pass the budget is not drawn (the best take is kept, and the record says why)."""
    from cutroom.core.cast import images_to_cast
    from cutroom.core.clips.ledger import open_ledger
    from cutroom.core.cost import SpendLedger
    from cutroom.core.pipeline import plan
    from cutroom.core.qc.models import QcReport
    from cutroom.core.qc.report import qc_line

    store = LocalArtifactStore(tmp_path / "artifacts")
    backends = Backends.embedded()
    backends.image = _google(google_fake, cost_per_image_usd=0.05)  # type: ignore[assignment]
    backends.qc = QcOptions(thresholds={"sharpness": 1e12}, max_takes=3, max_retakes=20)  # every take misses
    backends.spend_ledger = str(tmp_path / "ledger")
    brief = sample_brief().model_copy(update={"duration_s": 15})
    # Room for exactly the storyboard's first takes and one retake.
    the_plan = plan(brief, backends=backends, seed=0)
    n_cast, _ = images_to_cast(the_plan, store, image=backends.image)
    first_takes = n_cast + len(the_plan.shots)
    backends.image_daily_budget_usd = round(0.05 * (first_takes + 1), 6)
    board = make_storyboard(the_plan, store, backends=backends, aspect="9:16", seed=0)
    assert len(google_fake.requests) == first_takes + 1  # no picture past the budget was asked for
    records = board.keyframe_qc
    assert [len(r.takes) for r in records] == [2] + [1] * (len(records) - 1)
    assert all(r.not_retaken == "budget" for r in records)
    assert any("CUTROOM_IMAGE_DAILY_BUDGET_USD" in n for n in records[-1].notes)
    assert board.spend_usd == pytest.approx(0.05 * (first_takes + 1))
    counter = SpendLedger(store, daily_budget_usd=None, counter=open_ledger(backends.spend_ledger))
    assert counter.spent_today() == pytest.approx(board.spend_usd)  # the retake's hold settled, nothing left held
    assert counter.recorded_today() == pytest.approx(board.spend_usd)
    assert f"{len(records)} shots not retaken: budget" in qc_line(QcReport(shots=records))
