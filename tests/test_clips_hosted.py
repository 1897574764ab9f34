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


def sent_keyframe(fake: ClipFake) -> bytes:
    import base64

    uri = str(fake.submissions[-1].json["promptImage"])
    return base64.b64decode(uri.split(",", 1)[1])


def test_clips_start_from_the_approved_keyframe_as_is_recropped_or_redrawn(tmp_path: Path) -> None:
    """The storyboard's panel is what Runway gets: its bytes at its aspect, a recrop near it, a redraw far from it."""
    import io

    from PIL import Image, ImageOps

    from cutroom.core.clips.keyframes import png_bytes

    fake = RunwayFake().start()
    try:
        plan = make_plan()
        shot = plan.shots[1]
        panel = Image.new("RGB", (90, 160), (200, 60, 30))
        panel.paste((20, 200, 90), (10, 40, 80, 120))
        path = tmp_path / "panel.png"
        path.write_bytes(png_bytes(panel))
        approved = path.read_bytes()
        backend = make("runway", fake, tmp_path, keyframes={str(shot.index): str(path)})
        backend.clip(plan, shot, None, size=(90, 160), seed=0)  # 9:16, Runway's 720:1280: as it is
        assert sent_keyframe(fake) == approved
        backend.clip(plan, shot, None, size=(160, 200), seed=0)  # 4:5, Runway's 832:1104: recropped
        recrop = ImageOps.fit(panel, (832, 1104), Image.Resampling.LANCZOS)
        assert sent_keyframe(fake) == png_bytes(recrop)
        backend.clip(plan, shot, None, size=(160, 90), seed=0)  # 16:9 keeps a third of it: no image backend, recrop said
        assert Image.open(io.BytesIO(sent_keyframe(fake))).size == (1280, 720)
        assert any(f"Shot {shot.index}" in n and "recropped" in n for n in backend.notices)
        redraw = make("runway", fake, tmp_path / "redraw", keyframes={str(shot.index): str(path)},
                      image_backend="animatic")
        redraw.clip(plan, shot, None, size=(160, 90), seed=0)  # with an image backend: redrawn at 16:9
        drawn = Image.open(io.BytesIO(sent_keyframe(fake)))
        assert drawn.size == (1280, 720) and sent_keyframe(fake) != png_bytes(ImageOps.fit(panel, (1280, 720)))
        assert len(fake.submissions) == 4
    finally:
        fake.stop()


def test_luma_fetches_its_video_where_the_base_url_says_and_sends_its_key_to_that_host_only(tmp_path: Path) -> None:
    """A custom endpoint (LUMAAI_BASE_URL: a gateway) answering a link on itself gets the key; a signed link elsewhere does not."""
    fake = LumaFake().start()
    cdn = LumaFake().start()
    clip_backend.register_publisher("fakehost", keyframe_server_publisher(fake, {}))
    try:
        fake.files_need_key = True
        fake.file_link = lambda task: f"/files/{task.id}.mp4"  # relative to the configured endpoint
        frames_of(make("luma", fake, tmp_path), make_plan())
        assert [r.headers.get("authorization") for r in fake.file_requests] == [f"Bearer {fake.api_key}"]
        cdn.tasks = fake.tasks
        fake.file_link = lambda task: f"{cdn.url}/files/{task.id}.mp4"  # an S3-style signed link on another host
        frames_of(make("luma", fake, tmp_path / "second"), make_plan(), index=3)
        assert len(cdn.file_requests) == 1 and "authorization" not in cdn.file_requests[0].headers
        assert len(fake.file_requests) == 1
    finally:
        fake.stop()
        cdn.stop()


# ── QC retakes of paid clips stay within the budget ─────────────────────────────────────

#: Every take misses this sharpness, so QC asks for every retake it is allowed.
NEVER_SHARP = {"sharpness": 1e12}


def clip_estimates(engine: str, fake: ClipFake, tmp_path: Path, plan: Plan, usd_per_s: float) -> list[float]:
    """What each paid shot's clip is estimated at (the end card is drawn, never paid for)."""
    from cutroom.core.clips.engines import choose_duration

    backend = make(engine, fake, tmp_path)
    _, model_spec = backend.engine.spec.model(getattr(backend.engine, "model", None))
    return [round(usd_per_s * choose_duration(model_spec.durations, s.duration_s), 4)
            for s in plan.shots if not s.is_end_card]


def retake_options(engine: str, fake: ClipFake, tmp_path: Path, budget: float) -> object:
    clip = clip_options(engine, fake, tmp_path, daily_budget_usd=budget, usd_per_s=0.1)
    return options().model_copy(update={
        "clip_backend": engine, "backend_options": {"clip": clip},
        "qc": QcOptions(thresholds=NEVER_SHARP, max_takes=3, max_retakes=20),
    })


def render_ad(tmp_path: Path, opts: object, out: str = "ad"):  # type: ignore[no-untyped-def]
    plan = make_plan()
    spec = variant_specs(plan, aspects=["9:16"], fps=plan.fps)[0].model_copy(update={"width": 180, "height": 320})
    return render_variant(spec, out_dir=tmp_path / out, options=opts, cache_dir=tmp_path / "cache")  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["veo"])
def test_retakes_of_paid_clips_stop_at_the_budget_and_the_report_says_which_shots(
    engine: str, fake: ClipFake, tmp_path: Path
) -> None:
    from cutroom.core.qc.report import qc_line, qc_table

    plan = make_plan()
    first = clip_estimates(engine, fake, tmp_path, plan, 0.1)
    budget = sum(first) + first[0]  # every shot's clip, and one retake of shot 1: N = shots + 1 clips
    variant = render_ad(tmp_path, retake_options(engine, fake, tmp_path, budget))
    assert len(fake.submissions) == len(first) + 1  # at most N submissions reached the provider
    assert open_ledger(str(tmp_path / "ledger")).spent(today()) == pytest.approx(budget)
    qc = variant.qc
    assert qc is not None
    paid = [s for s in qc.shots if not plan.shots[s.index - 1].is_end_card]
    assert [len(s.takes) for s in paid] == [2] + [1] * (len(paid) - 1)  # shot 1 retaken once, then money ran out
    assert qc.not_retaken_for_budget == [s.index for s in paid]
    assert all(any("not retaken: budget" in n and "CUTROOM_CLIP_DAILY_BUDGET_USD" in n for n in s.notes)
               for s in paid)
    end_card = qc.shots[-1]
    assert plan.shots[-1].is_end_card and len(end_card.takes) == 3 and end_card.not_retaken is None  # free
    assert f"{len(paid)} shots not retaken: budget" in qc_line(qc)
    assert "(not retaken: budget)" in qc_table(qc)
    # Every paid take's task id was written to the ledger (the retake's too).
    ledger_dir = tmp_path / "ledger" / "tasks"
    recorded = {json.loads(p.read_text())["task_id"].rsplit("/", 1)[-1] for p in ledger_dir.glob("*.json")}
    assert recorded == set(fake.tasks)  # (Veo's task id is the operation's name, ending in the fake's id)
    manifest = json.loads(Path(variant.manifest).read_text())
    assert manifest["qc"]["shots"][0]["not_retaken"] == "budget"


def _render_in_child(tmp_path: Path, opts: object) -> None:
    render_ad(tmp_path, opts)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["veo"])
def test_a_render_killed_while_a_retake_waits_resumes_that_task_and_pays_nothing_twice(
    engine: str, fake: ClipFake, tmp_path: Path
) -> None:
    import multiprocessing
    import os
    import signal
    import time

    from tests.support.fake_clips import DEFAULT_PLAN

    plan = make_plan()
    first = clip_estimates(engine, fake, tmp_path, plan, 0.1)
    opts = retake_options(engine, fake, tmp_path, sum(first) + first[0])
    fake.plans.extend([DEFAULT_PLAN, ("queued",) + ("running:0.5",) * 100_000])  # shot 1's retake never ends
    child = multiprocessing.get_context("spawn").Process(target=_render_in_child, args=(tmp_path, opts))
    child.start()
    ledger = open_ledger(str(tmp_path / "ledger"))
    retake = None
    deadline = time.monotonic() + 300  # a bound on waiting, not a speed check
    while retake is None and time.monotonic() < deadline and child.is_alive():
        waiting = [r for r in (ledger.get(p.stem) for p in (tmp_path / "ledger" / "tasks").glob("*.json"))
                   if r is not None and r.state == "submitted" and r.task_id]
        retake = waiting[0] if waiting and len(fake.submissions) == 2 else None
        time.sleep(0.05)
    assert retake is not None, "the retake's task id never reached the ledger while it waited"
    os.kill(child.pid or 0, signal.SIGKILL)  # the render dies mid-wait, as a worker would
    child.join(30)
    held = fake.tasks[retake.task_id.rsplit("/", 1)[-1]]
    held.plan.clear()
    held.plan.append("succeeded")

    variant = render_ad(tmp_path, opts, out="again")  # the retry resumes the retake's task
    assert len(fake.submissions) == len(first) + 1  # the retake was paid for once
    assert variant.qc is not None and len(variant.qc.shots[0].takes) == 2
    record = ledger.get(retake.key)
    assert record is not None and record.state == "done" and record.submissions == 1
    assert ledger.spent(today()) == pytest.approx(sum(first) + first[0])


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["veo"])
def test_the_qc_cost_cap_counts_paid_retakes_in_dollars(engine: str, fake: ClipFake, tmp_path: Path) -> None:
    plan = make_plan()
    first = clip_estimates(engine, fake, tmp_path, plan, 0.1)
    opts = retake_options(engine, fake, tmp_path, 1000.0)
    qc = opts.qc.model_copy(update={"max_cost": first[0]})  # type: ignore[attr-defined]
    variant = render_ad(tmp_path, opts.model_copy(update={"qc": qc}))  # type: ignore[attr-defined]
    assert len(fake.submissions) == len(first) + 1  # one retake's worth of dollars: one retake
    assert variant.qc is not None and len(variant.qc.shots[0].takes) == 2
    assert any("retake budget" in n for n in variant.qc.shots[0].notes)
