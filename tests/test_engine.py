"""The conversation engine's rules without Slack: a tiny in-test platform, a real Redis, the real
job queue, and (for flows that run jobs) a real worker process.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cutroom.bots.engine import Engine, EngineConfig, brief_line, choice_for, describe_changes, explain_error
from cutroom.bots.events import Actor, Attachment, Mention, MessageDeleted, ReactionAdded, ThreadMessage
from cutroom.bots.messages import APPROVE, CANCEL, REDO, SCENES, Button, StoryboardPost, VariantPost
from cutroom.bots.platform import FileTooLarge, PlatformError, PlatformGone, ThreadHistory
from cutroom.bots.policy import Limits, Policy
from cutroom.core.backends import extractors
from cutroom.core.errors import InputError
from cutroom.core.models import Brief, Message
from cutroom.jobs.queue import JobQueue
from cutroom.storage.artifacts import LocalArtifactStore
from cutroom.storage.state import DeliveryLog, Session, SessionKey, SessionStore, connect_redis
from tests.support import workers
from tests.support.redis_server import RedisServer

worker = workers.worker  # fixtures: a real worker process and its data folder
worker_data_dir = workers.worker_data_dir

KEY = SessionKey(platform="test", channel="C1", thread="T1")
ALICE = Actor(id="U1", name="Alice")
BOB = Actor(id="U2", name="Bob")
BRIEF_THREAD = [
    Message(author="U1", text="We're launching Glow serum, a vitamin C face serum, next month."),
    Message(author="U2", text="For busy parents. Playful tone. 15 seconds, vertical. CTA: Shop now."),
]


@dataclass
class Posted:
    kind: str
    key: SessionKey
    id: str
    body: Any


@dataclass
class TinyPlatform:
    """A test double of a chat platform: records what the engine posts, serves a thread."""

    name: str = "test"
    thread: list[Message] = field(default_factory=list)
    truncated: bool = False
    gone: bool = False
    files: dict[str, bytes] = field(default_factory=dict)
    image_delay_s: float = 0.0  # a slow upload
    refuse_images: int = 0  # the next N image posts are refused (a 429 storm, a 5xx)
    too_large: bool = False  # every video is over the upload limit
    image_posting: asyncio.Event = field(default_factory=asyncio.Event)
    posts: list[Posted] = field(default_factory=list)
    edits: list[tuple[str, str]] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def _post(self, kind: str, key: SessionKey, body: Any) -> str:
        if self.gone:
            raise PlatformGone("removed from the channel")
        posted = Posted(kind, key, f"m{next(self._ids)}", body)
        self.posts.append(posted)
        return posted.id

    async def post_text(self, key: SessionKey, text: str, *, buttons: Sequence[Button] = ()) -> str:
        return self._post("text", key, text)

    async def post_image(self, key: SessionKey, post: StoryboardPost) -> str:
        self.image_posting.set()
        await asyncio.sleep(self.image_delay_s)
        if self.refuse_images > 0:
            self.refuse_images -= 1
            raise PlatformError("ratelimited (HTTP 429)")
        return self._post("storyboard", key, post)

    async def post_file(self, key: SessionKey, post: VariantPost) -> str:
        if self.too_large:
            raise FileTooLarge("over the workspace's upload limit")
        return self._post("video", key, post)

    async def edit_message(self, key: SessionKey, message_id: str, text: str) -> None:
        if self.gone:
            raise PlatformGone("removed from the channel")
        self.edits.append((message_id, text))

    async def add_reactions(self, key: SessionKey, message_id: str, emojis: Sequence[str]) -> None:
        self.reactions.setdefault(message_id, []).extend(emojis)

    async def fetch_thread(self, key: SessionKey, *, limit: int) -> ThreadHistory:
        return ThreadHistory(
            messages=self.thread[-limit:], truncated=self.truncated or len(self.thread) > limit
        )

    async def fetch_file(self, attachment: Attachment, *, limit: int) -> bytes:
        return self.files[attachment.url][: limit + 1]

    def texts(self) -> list[str]:
        return [p.body for p in self.posts if p.kind == "text"]

    def of(self, kind: str) -> list[Posted]:
        return [p for p in self.posts if p.kind == kind]


@dataclass
class Rig:
    engine: Engine
    platform: TinyPlatform
    sessions: SessionStore
    queue: JobQueue


FAST = EngineConfig(follow_interval_s=0.1, n_variants=1)


@pytest.fixture
async def rig(redis_server: RedisServer, worker_data_dir: Path) -> AsyncIterator[Rig]:
    redis = connect_redis(redis_server.url)
    queue = await JobQueue.connect(redis_server.url, max_running_per_requester=2)
    platform = TinyPlatform(thread=list(BRIEF_THREAD))
    sessions = SessionStore(redis)
    limits = Limits(
        approvers=["U9", "S_APPROVERS"], requests_per_user_per_minute=20, renders_per_user_per_hour=3
    )
    engine = Engine(
        platform=platform,
        queue=queue,
        sessions=sessions,
        deliveries=DeliveryLog(redis),
        store=LocalArtifactStore(worker_data_dir / "artifacts"),
        extractor=extractors.create("heuristic"),
        policy=Policy(redis, limits),
        config=FAST,
    )
    yield Rig(engine, platform, sessions, queue)
    await engine.close()
    await queue.close()
    await redis.aclose()


def mention(event_id: str, text: str = "make us an ad", *, actor: Actor = ALICE, **kw: Any) -> Mention:
    return Mention(
        event_id=event_id,
        workspace="W1",
        actor=actor,
        key=kw.pop("key", KEY),
        message_id=event_id,
        text=text,
        **kw,
    )


# ── pure rules ──────────────────────────────────────────────────────────────────────────


def test_reactions_mean_the_same_on_every_platform() -> None:
    assert choice_for(APPROVE, "storyboard") == "approve"
    assert choice_for(REDO, "storyboard") == "redo_all"
    assert choice_for(REDO, "variant") == "more"
    assert choice_for(CANCEL, "status") == "cancel"
    assert choice_for(SCENES[2], "storyboard") == "scene:3"
    assert choice_for("3\u20e3", "storyboard") == "scene:3"  # keycap without the variation selector
    assert choice_for(APPROVE, "variant") is None
    assert choice_for("👍", "storyboard") is None


def test_brief_changes_are_described_in_words() -> None:
    before = Brief(product="Glow serum", duration_s=30, tone=["calm"])
    after = before.model_copy(update={"duration_s": 15, "tone": ["calm", "punchy"]})
    assert describe_changes(before, after) == "tone: punchy; length 30 s → 15 s"
    assert "Glow serum" in brief_line(after) and "15 s" in brief_line(after)


def test_errors_become_sentences() -> None:
    assert explain_error(InputError("There is no scene 12.")) == "There is no scene 12."
    assert "went wrong on my side" in explain_error(KeyError("boom"))
    assert "boom" not in explain_error(KeyError("boom"))


async def test_who_may_decide(redis_server: RedisServer) -> None:
    redis = connect_redis(redis_server.url)
    policy = Policy(redis, Limits(approvers=["U9", "S_APPROVERS"]))
    session = Session(key=KEY, requester="U1")
    assert policy.may_decide(session, ALICE)
    assert policy.may_decide(session, Actor(id="U9"))
    assert policy.may_decide(session, Actor(id="U7", groups=["S_APPROVERS"]))
    assert not policy.may_decide(session, BOB)
    assert not policy.may_decide(session, Actor(id="U1", is_bot=True))
    await redis.aclose()


async def test_limits_refuse_with_a_reason_and_refusals_cost_nothing(redis_server: RedisServer) -> None:
    redis = connect_redis(redis_server.url)
    policy = Policy(
        redis,
        Limits(requests_per_user_per_minute=2, renders_per_user_per_hour=5, renders_per_workspace_per_day=3),
    )
    assert await policy.admit_request(ALICE, "W1") is None
    assert await policy.admit_request(ALICE, "W1") is None
    refusal = await policy.admit_request(ALICE, "W1")
    assert refusal is not None and "minute" in refusal
    assert await policy.admit_request(BOB, "W1") is None  # per user

    for _ in range(3):
        assert await policy.admit_render(BOB, "W2") is None
    budget = await policy.admit_render(ALICE, "W2")
    assert budget is not None and "budget" in budget
    # The refused render did not use up Alice's own hourly allowance.
    assert await policy.admit_render(ALICE, "W3") is None
    assert await redis.get(next(iter(await redis.keys("cutroom:bots:count:user:U1:render:*")))) == b"1"

    assert await policy.first_time("Ev1") and not await policy.first_time("Ev1")
    await redis.aclose()


# ── the engine with a real Redis and queue (no worker needed) ──────────────────────────


async def test_channel_allow_list(rig: Rig) -> None:
    rig.engine.policy.limits.allowed_channels = ["C_ADS"]
    await rig.engine.handle(mention("Ev1"))
    assert len(rig.platform.texts()) == 1 and "not switched on for this channel" in rig.platform.texts()[0]
    assert await rig.sessions.get(KEY) is None


async def test_a_bare_mention_with_no_thread_asks_what_the_ad_is_for(rig: Rig) -> None:
    rig.platform.thread = []
    await rig.engine.handle(mention("Ev1", text=""))
    assert "Tell me what it's for" in rig.platform.texts()[0]
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "collecting"


async def test_duplicate_events_are_handled_once(rig: Rig) -> None:
    for _ in range(3):
        await rig.engine.handle(mention("EvSame"))
    session = await rig.sessions.get(KEY)
    assert session is not None and len(session.jobs) == 1
    assert len([t for t in rig.platform.texts() if t.startswith("⏳")]) == 1


async def test_reactions_on_unknown_messages_are_ignored_quietly(rig: Rig) -> None:
    await rig.engine.handle(
        ReactionAdded(
            event_id="Ev9",
            workspace="W1",
            actor=ALICE,
            platform="test",
            channel="C1",
            message_id="old",
            emoji=APPROVE,
        )
    )
    assert rig.platform.posts == []


async def test_a_long_thread_is_read_in_part_and_says_so(rig: Rig) -> None:
    rig.platform.thread = [Message(author="U3", text=f"chatter {i}") for i in range(500)] + list(BRIEF_THREAD)
    await rig.engine.handle(mention("Ev1"))
    assert any("most recent" in t for t in rig.platform.texts())


async def test_unsupported_logo_files_are_named_and_left_out(rig: Rig, worker_data_dir: Path) -> None:
    png = (Path(__file__).parent / "fixtures").glob("*.png")
    logo = next(iter(png), None)
    rig.platform.files = {"u1": b"%PDF-1.4 not an image", "u2": logo.read_bytes() if logo else _tiny_png()}
    files = [
        Attachment(id="F1", name="brand-guide.pdf", mimetype="application/pdf", size=20, url="u1"),
        Attachment(id="F2", name="logo.png", mimetype="image/png", size=100, url="u2"),
    ]
    await rig.engine.handle(mention("Ev1", files=files))
    said = "\n".join(rig.platform.texts())
    assert "brand-guide.pdf" in said and "left it out" in said and "Using “logo.png” as the logo" in said
    session = await rig.sessions.get(KEY)
    assert session is not None and session.brief is not None and session.brief.brand.logo
    assert (worker_data_dir / "artifacts" / session.brief.brand.logo).read_bytes()[:4] == b"\x89PNG"


async def test_when_the_bot_is_removed_it_stops_posting_and_keeps_the_session(rig: Rig) -> None:
    rig.platform.gone = True
    await rig.engine.handle(mention("Ev1"))
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "storyboarding" and session.jobs
    rig.platform.gone = False
    await rig.engine.handle(
        ThreadMessage(event_id="Ev2", workspace="W1", actor=ALICE, key=KEY, message_id="x", text="punchier")
    )
    assert rig.platform.posts == []  # still quiet: nobody has mentioned the bot since


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "#1a73e8").save(buffer, format="PNG")
    return buffer.getvalue()


# ── flows that run jobs on a real worker ────────────────────────────────────────────────


async def until(predicate: Any, *, timeout_s: float = 120.0, what: str = "") -> Any:
    import asyncio
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def react(rig: Rig, message_id: str, emoji: str, *, actor: Actor = ALICE, event_id: str) -> ReactionAdded:
    return ReactionAdded(
        event_id=event_id,
        workspace="W1",
        actor=actor,
        platform="test",
        channel=KEY.channel,
        message_id=message_id,
        emoji=emoji,
    )


async def test_at_most_two_question_rounds_then_stated_defaults(rig: Rig) -> None:
    rig.platform.thread = [Message(author="U1", text="we should make an ad")]
    await rig.engine.handle(mention("Ev1", text="we should make an ad"))
    asked = [t for t in rig.platform.texts() if t.startswith("❓") or "❓" in t]
    assert len(asked) == 1
    for i, answer in enumerate(["not sure yet", "whatever you think"], start=2):
        rig.platform.thread.append(Message(author="U1", text=answer))
        await rig.engine.handle(
            ThreadMessage(
                event_id=f"Ev{i}", workspace="W1", actor=ALICE, key=KEY, message_id=f"m{i}", text=answer
            )
        )
    said = rig.platform.texts()
    assert len([t for t in said if "❓" in t]) == 2
    assert any("I'll go with defaults" in t for t in said)
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "storyboarding" and session.question_rounds == 2


@pytest.mark.slow
async def test_a_reply_edits_the_brief_keeps_the_rest_and_replans(rig: Rig, worker) -> None:
    await rig.engine.handle(mention("Ev1"))
    await until(lambda: rig.platform.of("storyboard"), what="storyboard")
    await rig.engine.idle()  # the session is saved just after the post
    before = await rig.sessions.get(KEY)
    assert before is not None and before.brief is not None and before.stage == "awaiting_approval"

    await rig.engine.handle(
        ThreadMessage(
            event_id="Ev2", workspace="W1", actor=ALICE, key=KEY, message_id="m2", text="make it 30 seconds"
        )
    )
    await until(lambda: len(rig.platform.of("storyboard")) >= 2, what="second storyboard")
    await rig.engine.idle()
    after = await rig.sessions.get(KEY)
    assert after is not None and after.brief is not None
    assert after.brief.duration_s == 30 and before.brief.duration_s == 15
    assert after.brief.product == before.brief.product and after.brief.audience == before.brief.audience
    assert after.plan is not None and after.plan.duration_s == 30
    assert any("as Alice asked: length 15 s → 30 s" in t for t in rig.platform.texts())

    # Chatter that changes nothing gets no answer.
    posts = len(rig.platform.posts)
    await rig.engine.handle(
        ThreadMessage(event_id="Ev3", workspace="W1", actor=BOB, key=KEY, message_id="m3", text="lunch at 1?")
    )
    assert len(rig.platform.posts) == posts


@pytest.mark.slow
async def test_a_reply_that_changes_one_look_recasts_that_entity_only(rig: Rig, worker) -> None:
    await rig.engine.handle(mention("Ev1"))
    await until(lambda: rig.platform.of("storyboard"), what="storyboard")
    await rig.engine.idle()
    before = await rig.sessions.get(KEY)
    assert before is not None and before.plan is not None and before.brief is not None
    entity = before.plan.bible.entities[-1]
    await rig.engine.handle(
        ThreadMessage(
            event_id="Ev2", workspace="W1", actor=BOB, key=KEY, message_id="m2", text=f"make {entity.name} older"
        )
    )
    await until(lambda: len(rig.platform.of("storyboard")) >= 2, what="recast storyboard")
    await rig.engine.idle()
    after = await rig.sessions.get(KEY)
    assert after is not None and after.plan is not None and after.brief == before.brief
    assert after.plan.bible.entity(entity.id).look.endswith("now older")
    others = [e for e in after.plan.bible.entities if e.id != entity.id]
    assert others == [e for e in before.plan.bible.entities if e.id != entity.id]
    assert after.plan.shots == before.plan.shots
    assert any(f"Recasting {entity.name}" in t for t in rig.platform.texts())


@pytest.mark.slow
async def test_a_photo_captioned_with_a_cast_name_becomes_that_reference(rig: Rig, worker) -> None:
    await rig.engine.handle(mention("Ev1"))
    await until(lambda: rig.platform.of("storyboard"), what="storyboard")
    await rig.engine.idle()
    before = await rig.sessions.get(KEY)
    assert before is not None and before.plan is not None
    entity = before.plan.bible.entities[-1]
    rig.platform.files = {"bad": b"%PDF-1.4 not an image", "photo": _tiny_png()}
    bad = [Attachment(id="F9", name="x.png", mimetype="image/png", size=20, url="bad")]
    await rig.engine.handle(
        ThreadMessage(event_id="Ev2", workspace="W1", actor=BOB, key=KEY, message_id="m2",
                      text=f"this is {entity.name}", files=bad)
    )
    assert any("not a picture Cutroom can read" in t for t in rig.platform.texts())
    good = [Attachment(id="F1", name="photo.png", mimetype="image/png", size=100, url="photo")]
    await rig.engine.handle(
        ThreadMessage(event_id="Ev3", workspace="W1", actor=BOB, key=KEY, message_id="m3",
                      text=f"use this for {entity.name}", files=good)
    )
    await until(lambda: len(rig.platform.of("storyboard")) >= 2, what="recast storyboard")
    await rig.engine.idle()
    after = await rig.sessions.get(KEY)
    assert after is not None and after.plan is not None and after.brief == before.brief
    ref = after.plan.bible.entity(entity.id).reference_image
    assert ref is not None and ref.startswith("uploads/")
    assert after.brief is not None and after.brief.brand.logo == before.brief.brand.logo  # not taken as a logo


@pytest.mark.slow
async def test_a_restart_during_an_upload_lets_it_land_and_records_it(rig: Rig, worker) -> None:
    """close() (a redeploy) while the storyboard is uploading: the upload finishes, the session
    points at it, and the next process has nothing left to deliver."""
    rig.platform.image_delay_s = 1.0
    await rig.engine.handle(mention("Ev1"))
    await asyncio.wait_for(rig.platform.image_posting.wait(), timeout=120)
    await rig.engine.close()
    [board] = rig.platform.of("storyboard")
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "awaiting_approval"
    assert session.storyboard_message == board.id
    assert await rig.engine.resume() == 0
    await rig.engine.close()


@pytest.mark.slow
async def test_a_refused_storyboard_post_is_tried_again_and_lands_once(rig: Rig, worker) -> None:
    rig.engine.config.delivery_retry_s = [0.1, 0.1]
    rig.platform.refuse_images = 1
    await rig.engine.handle(mention("Ev1"))
    await until(lambda: rig.platform.of("storyboard"), what="storyboard")
    await rig.engine.idle()
    [board] = rig.platform.of("storyboard")
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "awaiting_approval"
    assert session.storyboard_message == board.id
    assert not any("couldn't post" in t for t in rig.platform.texts())


@pytest.mark.slow
async def test_a_storyboard_that_cannot_be_posted_is_said_and_a_new_mention_retries(rig: Rig, worker) -> None:
    rig.engine.config.delivery_retry_s = [0.05]
    rig.platform.refuse_images = 2
    await rig.engine.handle(mention("Ev1"))
    await until(lambda: any("couldn't post the storyboard" in t for t in rig.platform.texts()), what="the apology")
    await rig.engine.idle()
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "failed" and session.storyboard_message is None
    await rig.engine.handle(mention("Ev2"))
    await until(lambda: rig.platform.of("storyboard"), what="storyboard on the second try")
    await rig.engine.idle()
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "awaiting_approval"


@pytest.mark.slow
async def test_a_video_too_big_to_upload_from_a_local_store_says_how_to_get_links(rig: Rig, worker) -> None:
    rig.platform.too_large = True
    await rig.engine.handle(mention("Ev1"))
    board = await until(lambda: rig.platform.of("storyboard"), what="storyboard")
    await rig.engine.idle()
    await rig.engine.handle(react(rig, board[0].id, APPROVE, event_id="Ev2"))
    said = await until(
        lambda: [t for t in rig.platform.texts() if "too big to upload here" in t], what="the too-big note"
    )
    assert "CUTROOM_ARTIFACTS_URL" in said[0] and "file://" not in said[0]
    await rig.engine.idle()
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "delivered"


@pytest.mark.slow
async def test_deleting_the_request_mid_render_stops_it_and_says_so(rig: Rig, worker) -> None:
    await rig.engine.handle(mention("Ev1"))
    board = await until(lambda: rig.platform.of("storyboard"), what="storyboard")
    await rig.engine.idle()
    await rig.engine.handle(react(rig, board[0].id, APPROVE, event_id="Ev2"))
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "rendering"
    render = session.jobs[-1]
    # Deleting some other message changes nothing; deleting the request stops the render.
    await rig.engine.handle(MessageDeleted(event_id="Ev3", workspace="W1", actor=ALICE, key=KEY, message_id="zz"))
    assert (await rig.queue.latest(render.job_id)).state in ("queued", "running")  # type: ignore[union-attr]
    await rig.engine.handle(MessageDeleted(event_id="Ev4", workspace="W1", actor=ALICE, key=KEY, message_id="Ev1"))
    assert (await rig.queue.wait(render.job_id, timeout_s=60)).state == "cancelled"
    assert any("The request was deleted, so I stopped the render" in t for t in rig.platform.texts())
    await rig.engine.idle()
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "awaiting_approval"  # the storyboard stays
    assert rig.platform.of("video") == []


@pytest.mark.slow
async def test_cancel_stops_a_running_render(rig: Rig, worker) -> None:
    await rig.engine.handle(mention("Ev1"))
    board = await until(lambda: rig.platform.of("storyboard"), what="storyboard")
    await rig.engine.handle(react(rig, board[0].id, APPROVE, event_id="Ev2"))
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "rendering"
    render = session.jobs[-1]
    await until(lambda: any("Rendering" in text for _, text in rig.platform.edits), what="render progress")

    await rig.engine.handle(react(rig, board[0].id, CANCEL, actor=BOB, event_id="Ev3"))  # not allowed
    await rig.engine.handle(react(rig, board[0].id, CANCEL, event_id="Ev4"))
    final = await rig.queue.wait(render.job_id, timeout_s=60)
    assert final.state == "cancelled"
    await rig.engine.idle(timeout_s=30)
    session = await rig.sessions.get(KEY)
    assert session is not None and session.stage == "cancelled"
    assert rig.platform.of("video") == []
    assert any("Cancelled by Alice" in t for t in rig.platform.texts())
    assert len([t for t in rig.platform.texts() if "Only the person who asked" in t]) == 1
