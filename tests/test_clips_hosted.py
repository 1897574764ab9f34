"""Hosted clip engines through their official SDKs against loopback fakes (tests/support/fake_clips.py).

Each engine walks a task from queued to running (with progress) to succeeded, and the clip
lands in the shot at its length; failures, moderation refusals, 429s, halfway downloads,
timeouts, cancels and the budget each end in a clear outcome with nothing paid twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cutroom.core.backends import clips
from cutroom.core.clips import backend as clip_backend
from cutroom.core.clips.engines import ClipFailed, ClipRefused, ClipTimedOut, OverBudget
from cutroom.core.clips.ledger import open_ledger, today
from cutroom.core.errors import Cancelled, TransientError
from cutroom.core.models import Plan
from cutroom.core.qc.models import QcOptions
from cutroom.core.render import render_variant, variant_specs
from tests.support.fake_clips import ClipFake, LumaFake, RunwayFake, VeoFake, keyframe_server_publisher
from tests.test_render_helpers import ffprobe, make_plan, options

pytest.importorskip("runwayml")
pytest.importorskip("lumaai")
pytest.importorskip("google.genai")

ENGINES = ["runway", "veo", "luma"]
FAKES: dict[str, type[ClipFake]] = {"runway": RunwayFake, "veo": VeoFake, "luma": LumaFake}
SIZE = (96, 160)
FPS = 12


def base_url(engine: str, fake: ClipFake) -> str:
    return {"runway": fake.url, "veo": fake.url + "/", "luma": fake.url + LumaFake.BASE}[engine]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake(engine: str) -> Iterator[ClipFake]:
    server = FAKES[engine]().start()
    images: dict[str, bytes] = {}
    clip_backend.register_publisher("fakehost", keyframe_server_publisher(server, images))
    yield server
    server.stop()


def clip_options(engine: str, fake: ClipFake, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "api_key": fake.api_key,
        "base_url": base_url(engine, fake),
        "ledger": str(tmp_path / "ledger"),
        "cache_dir": str(tmp_path / "clips"),
        "publisher": "fakehost://keyframes",
        "poll_s": 0.01,
        **extra,
    }


def make(engine: str, fake: ClipFake, tmp_path: Path, **extra: Any) -> clip_backend.HostedClip:
    backend = clips.create(engine, **clip_options(engine, fake, tmp_path, **extra))
    assert isinstance(backend, clip_backend.HostedClip)
    return backend


def frames_of(backend: clip_backend.HostedClip, plan: Plan, index: int = 2) -> list[np.ndarray]:
    from cutroom.core.backends import images

    shot = plan.shots[index - 1]
    art = images.create("animatic").draw(plan, shot, size=SIZE, seed=0)
    return list(backend.frames(plan, shot, art, size=SIZE, fps=FPS, seed=0))


def test_a_clip_walks_queued_running_succeeded_and_fills_the_shot(engine: str, fake: ClipFake, tmp_path: Path) -> None:
    plan = make_plan()
    backend = make(engine, fake, tmp_path)
    seen: list[str] = []
    backend.on_progress = lambda fraction, message: seen.append(message)
    frames = frames_of(backend, plan)
    shot = plan.shots[1]
    assert len(frames) == round(shot.duration_s * FPS)
    assert frames[0].shape == (SIZE[1], SIZE[0], 3)
    assert len(fake.submissions) == 1
    assert any("running" in m for m in seen) and any("Shot 2" in m for m in seen)
    if engine == "runway":
        assert any("40%" in m for m in seen)
    # The motion prompt carries the shot's action and camera move; the keyframe is a picture.
    body = fake.submissions[0].json
    prompt = json.dumps(body)
    assert shot.description.split()[0] in prompt
    assert "camera" in prompt.lower()
    # Reused: a retry, an A/B variant, the assembly; no second submission.
    frames_of(make(engine, fake, tmp_path), plan)
    assert len(fake.submissions) == 1
    record = open_ledger(str(tmp_path / "ledger")).get(backend.results[2].key)
    assert record is not None and record.state == "done" and record.task_id


def test_a_moderation_refusal_names_the_shot_and_a_way_out(engine: str, fake: ClipFake, tmp_path: Path) -> None:
    fake.plans.append(("queued", "refused"))
    with pytest.raises(ClipRefused) as err:
        frames_of(make(engine, fake, tmp_path), make_plan(), index=3)
    assert "Shot 3" in str(err.value) and "Reword shot 3" in str(err.value)


def test_a_failed_task_says_which_shot_and_to_redo(engine: str, fake: ClipFake, tmp_path: Path) -> None:
    fake.plans.append(("queued", "running:0.5", "failed"))
    with pytest.raises(ClipFailed) as err:
        frames_of(make(engine, fake, tmp_path), make_plan())
    assert "Shot 2" in str(err.value) and "redo" in str(err.value)
    # The redo submits again (the failed task made nothing) and succeeds.
    frames_of(make(engine, fake, tmp_path), make_plan())
    assert len(fake.submissions) == 2


def test_rate_limits_are_waited_out(engine: str, fake: ClipFake, tmp_path: Path) -> None:
    fake.rate_limits = 2  # on submitting: nothing was created, so it is sent again
    fake.status_rate_limits = 2  # on polling: the same task is polled again
    frames_of(make(engine, fake, tmp_path), make_plan())
    assert len(fake.submissions) == 3
    assert len(fake.tasks) == 1
    assert fake.status_rate_limits == 0


def test_an_unknown_status_is_a_clear_failure(fake: ClipFake, engine: str, tmp_path: Path) -> None:
    if engine == "veo":
        pytest.skip("an operation is only done or not; there is no status to misread")
    fake.plans.append(("queued", "weird"))
    with pytest.raises(ClipFailed, match="do not know"):
        frames_of(make(engine, fake, tmp_path), make_plan())


def test_a_download_cut_halfway_is_fetched_again_without_paying_twice(
    engine: str, fake: ClipFake, tmp_path: Path
) -> None:
    if engine == "veo":
        pytest.skip("Veo answers the video inside the operation: there is no separate download to cut")
    fake.cut_downloads = 1
    with pytest.raises(TransientError):
        frames_of(make(engine, fake, tmp_path), make_plan())
    assert not list((tmp_path / "clips").glob("*.mp4"))
    frames_of(make(engine, fake, tmp_path), make_plan())
    assert len(fake.submissions) == 1


def test_a_task_that_never_finishes_times_out_and_the_redo_resumes_it(
    engine: str, fake: ClipFake, tmp_path: Path
) -> None:
    fake.hold.set()
    with pytest.raises(ClipTimedOut, match="Shot 2") as err:
        frames_of(make(engine, fake, tmp_path, timeout_s=0.3), make_plan())
    assert "nothing is paid twice" in str(err.value)
    fake.hold.clear()
    frames_of(make(engine, fake, tmp_path), make_plan())
    assert len(fake.submissions) == 1


def test_cancel_reaches_the_providers_task(engine: str, fake: ClipFake, tmp_path: Path) -> None:
    fake.hold.set()
    backend = make(engine, fake, tmp_path)
    polls: list[str] = []
    backend.on_progress = lambda fraction, message: polls.append(message)
    backend.should_cancel = lambda: len(polls) > 2
    with pytest.raises(Cancelled):
        frames_of(backend, make_plan())
    if engine == "veo":
        assert not fake.deletes  # the Gemini API has no cancel: the task is kept instead
    else:
        assert len(fake.deletes) == 1
        assert fake.deletes[0].path.endswith(next(iter(fake.tasks)))


def test_the_daily_budget_is_checked_before_submitting(engine: str, fake: ClipFake, tmp_path: Path) -> None:
    with pytest.raises(OverBudget, match="CUTROOM_CLIP_DAILY_BUDGET_USD"):
        frames_of(make(engine, fake, tmp_path, daily_budget_usd=0.01), make_plan())
    assert not fake.submissions
    assert open_ledger(str(tmp_path / "ledger")).spent(today()) == 0


def test_actual_spend_is_recorded(fake: ClipFake, engine: str, tmp_path: Path) -> None:
    if engine != "runway":
        pytest.skip("only Runway reports what a task cost")
    frames_of(make(engine, fake, tmp_path), make_plan())
    seconds = fake.tasks[next(iter(fake.tasks))].seconds
    assert open_ledger(str(tmp_path / "ledger")).spent(today()) == pytest.approx(seconds * 5 * 0.01)


def test_a_clip_shorter_than_its_shot_holds_its_last_frame_and_says_so(
    engine: str, fake: ClipFake, tmp_path: Path
) -> None:
    fake.clip_seconds = 1.0
    backend = make(engine, fake, tmp_path)
    frames = frames_of(backend, make_plan())
    assert np.array_equal(frames[-1], frames[-2])  # held, not cross-faded
    assert backend.notices and "held for 2.0 s" in backend.notices[0] and "Shot 2" in backend.notices[0]


def test_a_keyframe_too_big_is_refused_before_paying(fake: ClipFake, engine: str, tmp_path: Path) -> None:
    from cutroom.core.clips.engines import KeyframeRejected

    backend = make(engine, fake, tmp_path)
    object.__setattr__(backend.engine, "spec", backend.engine.spec.__class__(
        **{**backend.engine.spec.__dict__, "max_image_bytes": 10}))
    if engine == "luma":
        backend.publisher = None  # no public link at all
    with pytest.raises(KeyframeRejected, match="(?i)shot 2"):
        frames_of(backend, make_plan())
    assert not fake.submissions


@pytest.mark.slow
def test_a_full_render_over_the_engine(engine: str, fake: ClipFake, tmp_path: Path) -> None:
    plan = make_plan()
    spec = variant_specs(plan, aspects=["9:16"], fps=plan.fps)[0].model_copy(update={"width": 180, "height": 320})
    opts = options().model_copy(update={"clip_backend": engine,
                                        "backend_options": {"clip": clip_options(engine, fake, tmp_path)},
                                        "qc": QcOptions(enabled=False)})  # counts submissions; retakes: test_qc_*
    variant = render_variant(spec, out_dir=tmp_path / "ad", options=opts)
    probe = ffprobe(Path(variant.video))
    assert float(probe["format"]["duration"]) == pytest.approx(plan.brief.duration_s, abs=0.15)
    shots = [s for s in plan.shots if not s.is_end_card]
    assert len(fake.submissions) == len(shots)  # the end card is drawn, never paid for
