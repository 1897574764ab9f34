"""The Slack bot end to end: the real bolt request handler over HTTP with signed requests, the
loopback fake Web API, a real Redis, and (for the flows) a real worker process.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cutroom.bots.engine import EngineConfig
from cutroom.bots.slack.app import build, socket_handler
from tests.support import workers
from tests.support.fake_slack import APP_TOKEN, SIGNING_SECRET, FakeSlack, event_body, signed_headers
from tests.support.redis_server import RedisServer
from tests.support.slack_bot import Bot, bot_settings, start_bot, storyboard_posts, texts, variant_posts

worker = workers.worker  # fixtures: a real worker process and its data folder
worker_data_dir = workers.worker_data_dir

C = "C0CAMPAIGN"
THREAD = [
    ("U1", "We're launching Glow serum next month, a vitamin C face serum."),
    ("U2", "Audience: busy parents who want a 2 minute routine. Keep it playful."),
    ("U1", "15 seconds, vertical for Reels, CTA 'Shop now' glow.example.com, brand blue #1a73e8"),
]
#: Quick progress edits; the test worker renders small (tests/support/workers.py FAST_ENV).
FAST = EngineConfig(follow_interval_s=0.2, n_variants=2)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeSlack, redis_server: RedisServer, worker_data_dir: Path) -> AsyncIterator[Bot]:
    running = await start_bot(bot_settings(fake, redis_server.url, worker_data_dir), fake, config=FAST)
    yield running
    await running.stop()


def seed_thread(fake: FakeSlack, channel: str = C) -> str:
    parent = fake.add_message(channel, THREAD[0][1], user=THREAD[0][0])
    for user, text in THREAD[1:]:
        fake.add_message(channel, text, user=user, thread_ts=parent)
    return parent


async def until_storyboard(fake: FakeSlack, thread: str, count: int = 1, timeout_s: float = 90) -> dict:
    posts = await fake.wait_for(
        lambda: (p := storyboard_posts(fake, C, thread)) and len(p) >= count and p,
        timeout_s=timeout_s,
        what=f"storyboard #{count}",
    )
    return posts[count - 1]


async def until_session_shows(bot: Bot, thread: str, ts: str, timeout_s: float = 10) -> Any:
    """The session is saved a moment after the storyboard is posted: wait for it to catch up."""
    deadline = time.monotonic() + timeout_s
    while True:
        session = await bot.engine.sessions.get(_key(thread))
        if session is not None and session.storyboard_message == ts:
            return session
        assert time.monotonic() < deadline, f"the session never pointed at storyboard {ts}: {session}"
        await asyncio.sleep(0.05)


# ── the HTTP edge: signatures, acks ─────────────────────────────────────────────────────


async def test_bad_signature_and_stale_timestamp_get_401(bot: Bot) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    status, text = await bot.send(body)
    assert (status, json.loads(text)["challenge"]) == (200, "abc123")

    forged = {"X-Slack-Signature": "v0=" + "0" * 64}
    assert (await bot.send(body, headers=forged))[0] == 401

    stale = signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    assert (await bot.send(body, headers=stale))[0] == 401

    wrong_secret = signed_headers(body, secret="not-" + SIGNING_SECRET)
    assert (await bot.send(body, headers=wrong_secret))[0] == 401


async def test_events_are_acked_within_three_seconds(bot: Bot, fake: FakeSlack) -> None:
    parent = seed_thread(fake)
    started = time.monotonic()
    _, status = await bot.mention(C, parent, "make an ad from this", event_id="EvAck1")
    assert status == 200
    assert time.monotonic() - started < 3.0
    # the status line follows at once, without any worker running
    await fake.wait_for(
        lambda: any("Storyboard" in t for t in texts(fake, C, parent)), timeout_s=10, what="status"
    )


async def test_slash_command_opens_a_thread_and_help_is_ephemeral(bot: Bot, fake: FakeSlack) -> None:
    status, body = await bot.command("", channel=C)
    assert status == 200 and "/cutroom a 15 s ad" in body

    started = time.monotonic()
    brief = "a 15 s ad for Glow serum for busy parents, playful, CTA Shop now at glow.example.com"
    status, _ = await bot.command(brief, channel=C)
    assert status == 200 and time.monotonic() - started < 3.0
    opener = await fake.wait_for(
        lambda: next((m for m in fake.channels.get(C, []) if "asked for an ad" in m.get("text", "")), None),
        timeout_s=10,
    )
    assert "thread_ts" not in opener  # a new top-level message: the request's thread
    await fake.wait_for(lambda: any("Storyboard" in t for t in texts(fake, C, opener["ts"])), timeout_s=10)


async def test_slash_command_where_the_bot_is_not_invited_says_how_to_fix_it(
    bot: Bot, fake: FakeSlack
) -> None:
    fake.remove_bot_from("C0PRIVATE")
    status, _ = await bot.command("an ad for Glow serum", channel="C0PRIVATE")
    assert status == 200
    reply = await fake.wait_for(lambda: next((c for c in fake.calls if c.method == "response_url"), None))
    assert "/invite @Cutroom" in reply.args["text"] and reply.args["response_type"] == "ephemeral"


async def test_slash_command_in_a_channel_cutroom_is_off_in_answers_only_the_asker(
    bot: Bot, fake: FakeSlack
) -> None:
    bot.engine.policy.limits.allowed_channels = ["C0ADS"]
    posts_before = len(fake.calls_to("chat.postMessage"))
    status, body = await bot.command("an ad for Glow serum", channel=C)
    assert status == 200 and "not switched on for this channel" in body  # the ack itself, ephemeral
    await asyncio.sleep(0.3)
    assert len(fake.calls_to("chat.postMessage")) == posts_before  # nothing posted in the channel


async def test_a_429_on_the_status_post_is_waited_out(bot: Bot, fake: FakeSlack) -> None:
    parent = seed_thread(fake)
    fake.rate_limit_next("chat.postMessage", retry_after=1, times=2)
    await bot.mention(C, parent, "make it", event_id="Ev429")
    await fake.wait_for(lambda: any("Storyboard" in t for t in texts(fake, C, parent)), timeout_s=15)
    assert len([c for c in fake.calls if c.status == 429]) == 2


async def test_removed_from_the_channel_the_bot_goes_quiet_and_keeps_the_session(
    bot: Bot, fake: FakeSlack
) -> None:
    parent = seed_thread(fake)
    await bot.mention(C, parent, "make it", event_id="EvGone1")
    await fake.wait_for(lambda: any("Storyboard" in t for t in texts(fake, C, parent)), timeout_s=10)
    posted = len(fake.bot_posts(C, parent))
    fake.remove_bot_from(C)
    _, status = await bot.mention(C, parent, "make it 30 seconds", event_id="EvGone2")
    assert status == 200
    await asyncio.sleep(1.0)
    assert len(fake.bot_posts(C, parent)) == posted
    session = await _session_eventually(bot, parent)
    assert session.stage == "storyboarding" and len(session.jobs) == 1


async def _session_eventually(bot: Bot, thread: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        session = await bot.engine.sessions.get(_key(thread))
        if session is not None and session.jobs:
            return session
        await asyncio.sleep(0.05)
    raise AssertionError("no session")


async def test_socket_mode_receives_events_and_acks_each_envelope(
    fake: FakeSlack, redis_server: RedisServer, worker_data_dir: Path
) -> None:
    settings = bot_settings(
        fake,
        redis_server.url,
        worker_data_dir,
        slack_mode="socket",
        slack_app_token=APP_TOKEN,
        slack_signing_secret=None,
    )
    app, engine, _ = await build(settings, config=FAST)
    handler = socket_handler(app, settings)
    await handler.connect_async()
    try:
        await fake.wait_for(lambda: fake.sockets, timeout_s=10, what="a websocket")
        parent = seed_thread(fake)
        ts = fake.add_message(C, "<@UBOT> make it", user="U1", thread_ts=parent)
        event = {
            "type": "app_mention",
            "user": "U1",
            "text": "<@UBOT> make it",
            "ts": ts,
            "thread_ts": parent,
            "channel": C,
            "event_ts": ts,
        }
        await fake.socket_send(json.loads(event_body(event, event_id="EvSock1")), envelope_id="env-1")
        await fake.wait_for(
            lambda: any(a.get("envelope_id") == "env-1" for a in fake.socket_acks), timeout_s=10
        )
        await fake.wait_for(lambda: any("Storyboard" in t for t in texts(fake, C, parent)), timeout_s=10)
    finally:
        await handler.close_async()
        await engine.close()
        await engine.queue.close()


# ── the flows, with a real worker ───────────────────────────────────────────────────────


@pytest.mark.slow
async def test_thread_to_storyboard_to_approval_to_videos_in_the_thread(
    bot: Bot, fake: FakeSlack, worker
) -> None:
    parent = seed_thread(fake)
    await bot.mention(C, parent, "can you make this?", event_id="EvFlow1")

    board = await until_storyboard(fake, parent)
    sheets = [u for u in fake.uploads_in(C, parent) if u.filename.endswith(".png")]
    assert len(sheets) == 1 and sheets[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    # The reactions go on one API call at a time, after the post.
    await fake.wait_for(
        lambda: {"white_check_mark", "repeat", "one", "x"} <= set(board["reactions"]), what="the reactions"
    )
    header = board["blocks"][0]["text"]["text"]
    assert header and "Glow" in json.dumps(board["blocks"])
    # The cast, approved with the storyboard, is named in the post under the summary.
    cast = next(b for b in board["blocks"] if b["type"] == "context" and "Cast:" in b["elements"][0]["text"])
    assert "recast" in cast["elements"][0]["text"]
    status = next(m for m in fake.bot_posts(C, parent) if "Storyboard" in m["text"] and m.get("edits"))
    assert status["text"].startswith("✅ Storyboard")

    await bot.react(C, board["ts"], "white_check_mark", user="U1", event_id="EvFlow2")
    videos = await fake.wait_for(
        lambda: (
            (v := [u for u in fake.uploads_in(C, parent) if u.filename.endswith(".mp4")])
            and len(v) >= 2
            and v
        ),
        timeout_s=240,
        what="two videos",
    )
    assert all(v.data[4:8] == b"ftyp" for v in videos)  # real MP4s
    cards = await fake.wait_for(
        lambda: len(variant_posts(fake, C, parent)) >= 2 and variant_posts(fake, C, parent)
    )
    await fake.wait_for(lambda: all("repeat" in c["reactions"] for c in variant_posts(fake, C, parent)))
    assert all("Variant" in c["text"] for c in cards)
    assert any(t.startswith("🎬 2 videos") for t in texts(fake, C, parent))
    session = await bot.engine.sessions.get(_key(parent))
    for _ in range(100):  # the last card is posted just before the session records the delivery
        if session is not None and session.stage == "delivered":
            break
        await asyncio.sleep(0.05)
        session = await bot.engine.sessions.get(_key(parent))
    assert session is not None and session.stage == "delivered" and len(session.variants) == 2


@pytest.mark.slow
async def test_redo_all_and_a_scene_redo(bot: Bot, fake: FakeSlack, worker) -> None:
    parent = seed_thread(fake)
    await bot.mention(C, parent, "storyboard please", event_id="EvRedo1")
    first = await until_storyboard(fake, parent)

    await bot.react(C, first["ts"], "repeat", event_id="EvRedo2")
    second = await until_storyboard(fake, parent, 2)
    assert second["ts"] != first["ts"]
    session = await until_session_shows(bot, parent, second["ts"])
    after_redo_all = session.storyboard_id

    # A reaction on the old storyboard now does nothing.
    await bot.react(C, first["ts"], "white_check_mark", event_id="EvRedo3")

    # Scene 2 through the Block Kit select that mirrors 2️⃣.
    assert await bot.press(C, second["ts"], "scene:2", select=True) == 200
    third = await until_storyboard(fake, parent, 3)
    session = await until_session_shows(bot, parent, third["ts"])
    assert session.storyboard_id != after_redo_all and session.stage == "awaiting_approval"
    assert not [j for j in session.jobs if j.kind == "render"]


@pytest.mark.slow
async def test_an_unauthorized_approver_gets_one_polite_note(bot: Bot, fake: FakeSlack, worker) -> None:
    parent = seed_thread(fake)
    await bot.mention(C, parent, "go", user="U1", event_id="EvAuth1")
    board = await until_storyboard(fake, parent)
    await bot.react(C, board["ts"], "white_check_mark", user="U5", event_id="EvAuth2")
    await bot.press(C, board["ts"], "approve", user="U5")
    await fake.wait_for(lambda: any("Only the person who asked" in t for t in texts(fake, C, parent)))
    await asyncio.sleep(1.0)
    notes = [t for t in texts(fake, C, parent) if "Only the person who asked" in t]
    assert len(notes) == 1 and "<@U5>" in notes[0]
    session = await bot.engine.sessions.get(_key(parent))
    assert session is not None and session.stage == "awaiting_approval"
    assert not [j for j in session.jobs if j.kind == "render"]


@pytest.mark.slow
async def test_a_retried_event_makes_one_job(bot: Bot, fake: FakeSlack, worker) -> None:
    parent = seed_thread(fake)
    ts = fake.add_message(C, "<@UBOT> make it", user="U1", thread_ts=parent)
    event = {
        "type": "app_mention",
        "user": "U1",
        "text": "<@UBOT> make it",
        "ts": ts,
        "thread_ts": parent,
        "channel": C,
        "event_ts": ts,
    }
    statuses = await asyncio.gather(
        bot.event(event, event_id="EvDup1"),
        bot.event(event, event_id="EvDup1", retry=1),
        bot.event(event, event_id="EvDup1", retry=2),
    )
    assert statuses == [200, 200, 200]
    await until_storyboard(fake, parent)
    await asyncio.sleep(1.0)
    assert len(storyboard_posts(fake, C, parent)) == 1
    assert len([t for t in texts(fake, C, parent) if "Storyboard" in t]) == 1  # one status line
    assert len(await bot.engine.redis.keys("cutroom:job:storyboard-*")) == 1


@pytest.mark.slow
async def test_a_bot_restart_mid_render_still_delivers_exactly_once(
    fake: FakeSlack,
    redis_server: RedisServer,
    worker_data_dir: Path,
    worker,
) -> None:
    settings = bot_settings(fake, redis_server.url, worker_data_dir)
    first = await start_bot(settings, fake, config=FAST)
    parent = seed_thread(fake)
    await first.mention(C, parent, "ad please", event_id="EvRs1")
    board = await until_storyboard(fake, parent)
    # The board is known to the engine once its reactions go on (a ✅ before that is ignored).
    await fake.wait_for(lambda: "x" in board["reactions"], what="the reactions")
    await first.react(C, board["ts"], "white_check_mark", event_id="EvRs2")
    await fake.wait_for(
        lambda: any(t.startswith(("⏳ Rendering", "🎬 Rendering")) for t in texts(fake, C, parent))
    )
    await first.stop()  # the bot goes away while the worker renders

    second = await start_bot(settings, fake, config=FAST)  # resume() follows the render again
    try:
        await fake.wait_for(lambda: len(variant_posts(fake, C, parent)) >= 2, timeout_s=240, what="videos")
        # A third bot process starting now finds everything delivered and posts nothing more.
        third = await start_bot(settings, fake, config=FAST)
        await asyncio.sleep(2.0)
        await third.stop()
    finally:
        await second.stop()
    videos = [u for u in fake.uploads_in(C, parent) if u.filename.endswith(".mp4")]
    assert len(videos) == 2 and len({v.filename for v in videos}) == 2
    assert len(variant_posts(fake, C, parent)) == 2
    assert len([t for t in texts(fake, C, parent) if t.startswith("🎬 2 videos")]) == 1


def _key(thread: str):  # type: ignore[no-untyped-def]
    from cutroom.storage.state import SessionKey

    return SessionKey(platform="slack", channel=C, thread=thread)
