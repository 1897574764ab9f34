"""The Discord bot end to end: real gateway payloads through discord.py's parsing and dispatch,
REST calls recorded by a loopback Discord API, a real Redis, the real engine and (for the
flows) a real worker process. See tests/support/discord_harness.py for what is fake and why.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.http import Route

from cutroom.bots.discord import CutroomBot
from cutroom.bots.discord.cog import DM_REPLY
from cutroom.bots.discord.platform import DiscordPlatform, session_key
from cutroom.bots.discord.render import button_view
from cutroom.bots.engine import Engine, EngineConfig, build_engine
from cutroom.bots.messages import REDO, Button, VariantPost
from cutroom.settings import Settings
from tests.support.discord_harness import (
    BOT_TOKEN,
    P_ALL_TEXT,
    P_ATTACH_FILES,
    FakeDiscordAPI,
    Gateway,
)
from tests.support.redis_server import RedisServer
from tests.support.workers import start_worker, stop_worker

MESSAGES = "POST /channels/{channel_id}/messages"
EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
THREAD_FROM_MESSAGE = "POST /channels/{channel_id}/messages/{message_id}/threads"
CALLBACK = "POST /interactions/{interaction_id}/{token}/callback"
REACT = "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
#: Small, quick renders: the engine passes these to the render job.
RENDER_OPTIONS: dict[str, Any] = {"fps": 12, "preset": "ultrafast", "workers": 1}
BRIEF = (
    "A 15 second ad for Brightbean oat-milk latte, for commuters, warm and cosy. Call to action: Order now."
)


# ── fixtures ────────────────────────────────────────────────────────────────────────────


@pytest.fixture
async def api() -> AsyncIterator[FakeDiscordAPI]:
    fake = await FakeDiscordAPI().start()
    old = Route.BASE
    Route.BASE = fake.base  # type: ignore[misc]
    yield fake
    Route.BASE = old  # type: ignore[misc]
    await fake.stop()


class Bots:
    """Start (and restart) bot processes' worth of client + engine on one Redis and one API."""

    def __init__(self, api: FakeDiscordAPI, gateway: Gateway, redis_url: str, data_dir: Path) -> None:
        self.api, self.gateway, self.redis_url, self.data_dir = api, gateway, redis_url, data_dir
        self.started: list[CutroomBot] = []

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "redis_url": self.redis_url,
            "data_dir": self.data_dir,
            "approvers": [self.gateway.approver_role_id],
            "allowed_channels": [],
            "max_running_per_requester": 2,
        }
        values.update(overrides)
        return Settings(**values)

    async def start(
        self, *, message_content: bool = True, upload_limit: int | None = None, **settings: Any
    ) -> CutroomBot:
        config = EngineConfig(follow_interval_s=0.2, render_options=RENDER_OPTIONS)
        resolved = self.settings(**settings)

        async def engine_for(platform: DiscordPlatform) -> Engine:
            return await build_engine(resolved, platform, config=config)

        bot = CutroomBot(
            engine_factory=engine_for, message_content=message_content, upload_limit=upload_limit
        )
        await bot.login(BOT_TOKEN)
        await self.gateway.connect(bot)
        self.started.append(bot)
        return bot

    async def stop(self, bot: CutroomBot) -> None:
        engine = bot.engine
        await bot.close()
        if isinstance(engine, Engine):
            await engine.queue.close()
            await engine.redis.aclose()

    async def stop_all(self) -> None:
        for bot in self.started:
            if not bot.is_closed():
                await self.stop(bot)


@pytest.fixture
async def bots(api: FakeDiscordAPI, redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[Bots]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    manager = Bots(api, Gateway(api), redis_server.url, data)
    yield manager
    await manager.stop_all()


@pytest.fixture
async def flow_bots(api: FakeDiscordAPI, redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[Bots]:
    """Bots sharing a real worker's data folder (the artifact store); the worker renders small frames."""
    data = tmp_path / "data"
    proc = start_worker(redis_server.url, data, env={"CUTROOM_RENDER_SCALE": "0.25"})
    manager = Bots(api, Gateway(api), redis_server.url, data)
    try:
        yield manager
    finally:
        await manager.stop_all()
        stop_worker(proc, kill=True)


# ── helpers ─────────────────────────────────────────────────────────────────────────────


def texts(api: FakeDiscordAPI, channel_id: str) -> list[str]:
    return [m["content"] for m in api.posts_in(channel_id)]


def storyboard_posts(api: FakeDiscordAPI, channel_id: str) -> list[dict[str, Any]]:
    return [
        m
        for m in api.posts_in(channel_id)
        if m["embeds"] and m["attachments"] and m["attachments"][0]["filename"].endswith(".png")
    ]


def video_posts(api: FakeDiscordAPI, channel_id: str) -> list[dict[str, Any]]:
    return [
        m for m in api.posts_in(channel_id) if any(a["filename"].endswith(".mp4") for a in m["attachments"])
    ]


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


def thread_of(api: FakeDiscordAPI) -> str:
    created = api.calls_to(THREAD_FROM_MESSAGE)
    assert created, "no thread was created"
    return str(created[-1].response["id"])


async def request_storyboard(
    bots: Bots, bot: CutroomBot, *, timeout: float = 90
) -> tuple[str, dict[str, Any]]:
    """Alice runs /ad; returns (thread id, the storyboard message) once it is posted with its reactions."""
    api, gw = bots.api, bots.gateway
    gw.feed(bot, "INTERACTION_CREATE", gw.slash(gw.alice, "ad", {"brief": BRIEF}))
    await api.wait_for(lambda: api.calls_to(THREAD_FROM_MESSAGE), what="a thread for the request")
    thread = thread_of(api)

    def posted_or_failed() -> list[dict[str, Any]]:
        failed = [t for t in texts(api, thread) if t.startswith("⚠️")]
        assert not failed, f"the storyboard failed: {failed}"
        return storyboard_posts(api, thread)

    board = await api.wait_for(posted_or_failed, timeout=timeout, what="the storyboard")
    await api.wait_for(
        lambda: (
            "❌"
            in [c.params["emoji"] for c in api.calls_to(REACT) if c.params["message_id"] == board[-1]["id"]]
        ),
        what="reactions on the storyboard",
    )
    return thread, board[-1]


# ── the flows (real worker) ─────────────────────────────────────────────────────────────


@pytest.mark.slow
async def test_slash_command_to_storyboard_to_approval_to_videos_in_the_thread(flow_bots: Bots) -> None:
    api, gw = flow_bots.api, flow_bots.gateway
    bot = await flow_bots.start()

    thread, board = await request_storyboard(flow_bots, bot)

    # 1. The request was answered at once, in the channel, and the thread opened from that answer.
    answer = api.calls_to(CALLBACK)[0]
    assert answer.body["type"] == 4 and "Brightbean" in answer.body["data"]["content"]
    opened = api.calls_to(THREAD_FROM_MESSAGE)[0]
    assert opened.params["channel_id"] == gw.channel_id
    assert opened.params["message_id"] == thread  # Discord gives the thread the message's id
    assert "Brightbean" in opened.body["name"] and len(opened.body["name"]) <= 100
    # 2. Everything after that is in the thread: the brief line, the status, the storyboard.
    assert all(c.params["channel_id"] == thread for c in api.calls_to(MESSAGES))
    assert any("📝" in t for t in texts(api, thread))
    # 3. The storyboard: the sheet as an attachment shown in the embed, the shot list, the buttons.
    upload = next(c for c in api.calls_to(MESSAGES) if c.files)
    assert upload.files[0].data[:8] == b"\x89PNG\r\n\x1a\n" and len(upload.files[0].data) > 10_000
    embed = board["embeds"][0]
    assert embed["image"]["url"] == f"attachment://{board['attachments'][0]['filename']}"
    assert "1." in embed["description"] and "✅" in embed["footer"]["text"]
    ids = custom_ids(board)
    assert ids[:1] == ["cutroom:approve"] and "cutroom:redo_all" in ids and "cutroom:cancel" in ids
    assert "cutroom:scene:1" in ids
    emojis = [c.params["emoji"] for c in api.calls_to(REACT) if c.params["message_id"] == board["id"]]
    assert emojis[:2] == ["✅", "🔁"] and emojis[-1] == "❌"
    # 4. The status message was edited with progress and ends "done".
    edits = [c for c in api.calls_to(EDIT) if c.params["channel_id"] == thread]
    assert edits and "done" in edits[-1].body["content"]

    # 5. Bob is neither the requester nor an approver: a polite note, once, and nothing renders.
    gw.feed(bot, "MESSAGE_REACTION_ADD", gw.reaction(gw.bob, board["id"], "✅", channel_id=thread))
    gw.feed(bot, "MESSAGE_REACTION_ADD", gw.reaction(gw.bob, board["id"], "🔁", channel_id=thread))
    note = await api.wait_for(
        lambda: [t for t in texts(api, thread) if "Only the person who asked" in t],
        what="the unauthorized note",
    )
    await asyncio.sleep(0.5)
    assert len(note) == 1
    assert not [t for t in texts(api, thread) if "Rendering" in t]

    # 6. Carol has the approver role: her ✅ renders, and the videos land in the thread.
    #    (Buttons take the same path: see the restart test.)
    gw.feed(bot, "MESSAGE_REACTION_ADD", gw.reaction(gw.carol, board["id"], "✅", channel_id=thread))
    videos = await api.wait_for(
        lambda: len(video_posts(api, thread)) >= 2 and video_posts(api, thread),
        timeout=240,
        what="the videos",
    )
    assert len([t for t in texts(api, thread) if "Rendering" in t]) == 1
    for video in videos:
        attachment = next(a for a in video["attachments"] if a["filename"].endswith(".mp4"))
        assert attachment["size"] > 10_000
        assert video["embeds"] and "Variant" in video["embeds"][0]["description"]
        assert any(i.startswith("cutroom:more:") for i in custom_ids(video))
    uploads = [c for c in api.calls_to(MESSAGES) if any(f.filename.endswith(".mp4") for f in c.files)]
    assert all(f.data[4:8] == b"ftyp" for c in uploads for f in c.files)
    assert any(t.startswith("🎬") and "video" in t for t in texts(api, thread))  # the summary
    for video in videos:

        def reactions(message_id: str = video["id"]) -> list[str]:
            return [c.params["emoji"] for c in api.calls_to(REACT) if c.params["message_id"] == message_id]

        assert await api.wait_for(reactions, what="🔁 on each video") == [REDO]


@pytest.mark.slow
async def test_a_button_press_after_a_restart_and_a_duplicated_interaction_run_one_job(
    flow_bots: Bots,
) -> None:
    api, gw = flow_bots.api, flow_bots.gateway
    first = await flow_bots.start()
    thread, board = await request_storyboard(flow_bots, first)

    # The bot restarts: a new client instance, same Redis; the old message's button still works.
    await first.engine.idle(30)  # the storyboard's follower has written the session
    await flow_bots.stop(first)
    second = await flow_bots.start()
    press = gw.button(gw.alice, "cutroom:approve", board)
    gw.feed(second, "INTERACTION_CREATE", press)
    gw.feed(second, "INTERACTION_CREATE", press)  # the same interaction delivered twice
    await api.wait_for(lambda: [t for t in texts(api, thread) if "Rendering" in t], what="the render status")
    # A third copy reaching another process (e.g. a gateway replay after a reconnect) is dropped by the engine.
    third = await flow_bots.start()
    gw.feed(third, "INTERACTION_CREATE", press)
    await asyncio.sleep(1.0)

    statuses = [t for t in texts(api, thread) if "Rendering" in t]
    assert len(statuses) == 1
    callbacks = [c for c in api.calls if c.route == CALLBACK and c.params["interaction_id"] == press["id"]]
    # The copy in the same process is dropped before answering; the other process's answer is
    # refused by Discord (40060, already acknowledged) and it stops there.
    assert [c.status for c in callbacks] == [200, 400] and callbacks[0].body["type"] == 6
    # Both live processes follow the render; the videos are still posted once each.
    await api.wait_for(lambda: len(video_posts(api, thread)) >= 2, timeout=240, what="the videos")
    await third.engine.idle(30)
    await second.engine.idle(30)
    assert len(video_posts(api, thread)) == 2


# ── bad input and Discord's edges (no worker needed) ────────────────────────────────────


async def test_dm_gets_a_polite_pointer_and_other_bots_are_ignored(bots: Bots) -> None:
    api, gw = bots.api, bots.gateway
    bot = await bots.start()
    dm = gw.dm(gw.alice, "make me an ad")
    gw.feed(bot, "MESSAGE_CREATE", dm)
    await api.wait_for(lambda: texts(api, dm["channel_id"]), what="the DM reply")
    assert texts(api, dm["channel_id"]) == [DM_REPLY]

    before = len(api.calls)
    gw.feed(bot, "MESSAGE_CREATE", gw.message(gw.other_bot, "make an ad for shoes", mentions_bot=True))
    gw.feed(bot, "MESSAGE_REACTION_ADD", gw.reaction(gw.other_bot, dm["id"], "✅"))
    await asyncio.sleep(0.5)
    assert api.calls[before:] == []


async def test_reactions_and_buttons_on_messages_the_engine_does_not_know_are_ignored(bots: Bots) -> None:
    api, gw = bots.api, bots.gateway
    bot = await bots.start()
    someone_elses = gw.message(gw.bob, "lunch?")
    gw.feed(bot, "MESSAGE_CREATE", someone_elses)
    # A message with Cutroom's buttons that no session knows (e.g. from before its records expired).
    stale_id = await bot.platform.post_text(
        session_key(gw.channel_id, gw.channel_id),
        "an old storyboard",
        buttons=[Button(id="approve", emoji="✅", label="Approve")],
    )
    before = len(api.calls)
    for emoji in ("✅", "❌", "1️⃣", "🎉"):
        gw.feed(bot, "MESSAGE_REACTION_ADD", gw.reaction(gw.alice, someone_elses["id"], emoji))
        gw.feed(bot, "MESSAGE_REACTION_ADD", gw.reaction(gw.alice, stale_id, emoji))
    gw.feed(bot, "INTERACTION_CREATE", gw.button(gw.alice, "cutroom:approve", api.messages[stale_id]))
    await api.wait_for(lambda: api.calls_to(CALLBACK), what="the button ack")
    await asyncio.sleep(0.5)
    assert [c.route for c in api.calls[before:]] == [CALLBACK]  # acknowledged, nothing posted
    assert api.calls_to(CALLBACK)[0].body["type"] == 6
    assert not bot.is_closed()


async def test_a_reaction_added_again_is_a_new_event_and_a_duplicated_delivery_is_not(
    bots: Bots, monkeypatch: pytest.MonkeyPatch
) -> None:
    """✅ removed and added again (to retry a failed render) reaches the engine again; the same
    MESSAGE_REACTION_ADD delivered twice, to one process or to two on the same Redis (a deploy
    overlap), reaches it once."""
    import cutroom.bots.discord.cog as cog

    api, gw = bots.api, bots.gateway
    monkeypatch.setattr(cog, "_reaction_window", lambda: 170_000_000)  # no window boundary mid-test
    first, second = await bots.start(), await bots.start()
    reached: list[tuple[int, str]] = []

    def spy(process: int) -> Any:
        async def on_choice(event: Any) -> None:
            reached.append((process, event.emoji))

        return on_choice

    monkeypatch.setattr(first.engine, "_on_choice", spy(1))
    monkeypatch.setattr(second.engine, "_on_choice", spy(2))
    board = gw.message(gw.bob, "a storyboard")
    gw.feed(first, "MESSAGE_CREATE", board)

    async def settle(count: int) -> None:
        await api.wait_for(lambda: len(reached) >= count, what=f"{count} reactions at the engine")
        await asyncio.sleep(0.3)  # and no more
        assert len(reached) == count, reached

    add = gw.reaction(gw.alice, board["id"], "✅")
    gw.feed(first, "MESSAGE_REACTION_ADD", add)
    gw.feed(first, "MESSAGE_REACTION_ADD", add)  # a replayed delivery
    await settle(1)

    gw.feed(first, "MESSAGE_REACTION_REMOVE", gw.reaction_remove(gw.alice, board["id"], "✅"))
    gw.feed(first, "MESSAGE_REACTION_ADD", gw.reaction(gw.alice, board["id"], "✅"))
    await settle(2)

    # Both processes get every gateway event: the third add is handled by one of them only.
    for bot in (first, second):
        gw.feed(bot, "MESSAGE_REACTION_REMOVE", gw.reaction_remove(gw.alice, board["id"], "✅"))
    third = gw.reaction(gw.alice, board["id"], "✅")
    for bot in (first, second):
        gw.feed(bot, "MESSAGE_REACTION_ADD", third)
    await settle(3)

    # A later window (hours on, or after a restart that never saw the remove) is a new add too.
    monkeypatch.setattr(cog, "_reaction_window", lambda: 170_000_001)
    gw.feed(second, "MESSAGE_REACTION_ADD", gw.reaction(gw.alice, board["id"], "✅"))
    await settle(4)
    assert [emoji for _, emoji in reached] == ["✅"] * 4


async def test_mention_without_message_content_intent_opens_a_thread_and_replies_are_skipped(
    bots: Bots,
) -> None:
    api, gw = bots.api, bots.gateway
    bot = await bots.start(message_content=False)
    assert not bot.intents.message_content and bot.intents.guild_messages and bot.intents.guild_reactions
    mention = gw.message(gw.alice, BRIEF, mentions_bot=True, message_content_intent=False)
    gw.feed(bot, "MESSAGE_CREATE", mention)
    await api.wait_for(lambda: api.calls_to(THREAD_FROM_MESSAGE), what="a thread")
    thread = thread_of(api)
    assert thread == mention["id"]
    await api.wait_for(
        lambda: [t for t in texts(api, thread) if "Storyboard" in t], what="the status in the thread"
    )
    assert any("Brightbean" in t for t in texts(api, thread))

    # Without the intent Discord blanks a plain reply: the bot has nothing to read and stays quiet.
    before = len(api.posts_in(thread))
    gw.feed(
        bot,
        "MESSAGE_CREATE",
        gw.message(gw.alice, "make it 15 s", channel_id=thread, message_content_intent=False),
    )
    await asyncio.sleep(0.5)
    assert len(api.posts_in(thread)) == before


async def test_ad_in_a_channel_cutroom_is_off_in_answers_only_the_asker(bots: Bots) -> None:
    api, gw = bots.api, bots.gateway
    bot = await bots.start()
    bot.engine.policy.limits.allowed_channels = ["1"]  # not the test channel
    gw.feed(bot, "INTERACTION_CREATE", gw.slash(gw.alice, "ad", {"brief": BRIEF}))
    answer = await api.wait_for(lambda: api.calls_to(CALLBACK), what="the answer")
    data = answer[0].body["data"]
    assert "not switched on for this channel" in data["content"] and data["flags"] & 64  # ephemeral
    await asyncio.sleep(0.3)
    assert not api.calls_to(THREAD_FROM_MESSAGE)


async def test_a_long_brief_is_accepted_and_shown_within_discords_limits(bots: Bots) -> None:
    api, gw = bots.api, bots.gateway
    bot = await bots.start()
    brief = (BRIEF + " The morning train is cold and the latte is warm." * 90)[:3999] + "."
    gw.feed(bot, "INTERACTION_CREATE", gw.slash(gw.alice, "ad", {"brief": brief}))
    answer = await api.wait_for(lambda: api.calls_to(CALLBACK), what="the answer")
    content = answer[0].body["data"]["content"]
    assert len(content) <= 2000 and "4,000 characters" in content
    name = (await api.wait_for(lambda: api.calls_to(THREAD_FROM_MESSAGE), what="a thread"))[0].body["name"]
    assert len(name) <= 100
    thread = thread_of(api)
    await api.wait_for(lambda: any("📝" in t for t in texts(api, thread)), what="the brief line")
    assert all(len(t) <= 2000 for t in texts(api, thread))


async def test_without_thread_permission_the_bot_answers_in_the_channel(bots: Bots) -> None:
    api, gw = bots.api, bots.gateway
    bot = await bots.start()
    api.fail("POST", "/channels/{channel_id}/messages/{message_id}/threads", 403, code=50013)
    mention = gw.message(gw.alice, BRIEF, mentions_bot=True)
    gw.feed(bot, "MESSAGE_CREATE", mention)
    replies = await api.wait_for(
        lambda: [c for c in api.calls_to(MESSAGES) if c.params["channel_id"] == gw.channel_id], what="a reply"
    )
    assert str(replies[0].body["message_reference"]["message_id"]) == mention["id"]
    assert [c.status for c in api.calls if c.route == THREAD_FROM_MESSAGE] == [403]


async def test_a_rate_limited_post_is_retried_by_discord_py_and_still_lands(bots: Bots) -> None:
    api, gw = bots.api, bots.gateway
    bot = await bots.start()
    api.fail("POST", "/channels/{channel_id}/messages", 429, retry_after=0.2)
    key = session_key(gw.channel_id, gw.channel_id)
    message_id = await bot.platform.post_text(key, "hello after a 429")
    statuses = [c.status for c in api.calls if c.route == MESSAGES]
    assert statuses == [429, 200]
    assert api.messages[message_id]["content"] == "hello after a 429"


async def test_a_deleted_thread_stops_the_posts_without_crashing(bots: Bots) -> None:
    from cutroom.bots.platform import PlatformGone

    gw = bots.gateway
    bot = await bots.start()
    created = gw.thread(gw.alice, "campaign chat")
    gw.feed(bot, "THREAD_CREATE", created)
    key = session_key(gw.channel_id, created["id"])
    await bot.platform.post_text(key, "first")
    gw.feed(bot, "THREAD_DELETE", gw.thread_delete(created["id"]))
    await asyncio.sleep(0.1)
    with pytest.raises(PlatformGone):
        await bot.platform.post_text(key, "second")
    # Even without the gateway event (e.g. deleted while the bot was down) Discord's 404 says the same.
    other = gw.thread(gw.alice, "another")
    gw.feed(bot, "THREAD_CREATE", other)
    gw.thread_delete(other["id"])
    with pytest.raises(PlatformGone):
        await bot.platform.post_text(session_key(gw.channel_id, other["id"]), "hello?")
    assert not bot.is_closed()


async def test_a_message_in_a_thread_a_person_opened_is_read_from_the_thread(bots: Bots) -> None:
    api, gw = bots.api, bots.gateway
    bot = await bots.start()
    created = gw.thread(gw.alice, "spring campaign")
    gw.feed(bot, "THREAD_CREATE", created)
    gw.feed(
        bot,
        "MESSAGE_CREATE",
        gw.message(
            gw.bob,
            "Ad for Brightbean oat-milk lattes, 20 s, for students. Call to action: Order now",
            channel_id=created["id"],
        ),
    )
    gw.feed(
        bot,
        "MESSAGE_CREATE",
        gw.message(gw.alice, "make it punchy", channel_id=created["id"], mentions_bot=True),
    )
    await api.wait_for(lambda: any("📝" in t for t in texts(api, created["id"])), what="the brief line")
    line = next(t for t in texts(api, created["id"]) if "📝" in t)
    assert "20 s" in line and "students" in line  # read from Bob's earlier message, not only the mention
    assert not api.calls_to(THREAD_FROM_MESSAGE)  # it used the thread they were in


# ── attachments and the upload limit ────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def big_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s 320x180 noisy clip at a high bitrate (a few MB), made with the bundled ffmpeg."""
    import imageio_ffmpeg

    out = tmp_path_factory.mktemp("video") / "noisy.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=24:duration=2,noise=alls=40:allf=t",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-qp",
            "16",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
        timeout=120,
    )
    return out


def variant(video: Path, link: str | None = "https://files.example.com/ad-A.mp4") -> VariantPost:
    return VariantPost(
        variant_id="v1",
        title="Brightbean",
        summary="Variant A · 9:16 · 3 s — a warmer grade",
        video=video,
        file_name="brightbean-A-9x16.mp4",
        size_bytes=video.stat().st_size,
        link=link,
        buttons=[Button(id="more:v1", emoji=REDO, label="More like this")],
    )


async def _thread_key(bot: CutroomBot, gw: Gateway) -> tuple[str, Any]:
    created = gw.thread(gw.alice, "uploads")
    gw.feed(bot, "THREAD_CREATE", created)
    return created["id"], session_key(gw.channel_id, created["id"])


async def test_a_video_over_the_upload_limit_is_re_encoded_smaller_and_says_so(
    bots: Bots, big_video: Path
) -> None:
    api, gw = bots.api, bots.gateway
    size = big_video.stat().st_size
    limit = size // 2
    assert limit < 10 * 1024 * 1024
    bot = await bots.start(upload_limit=limit)
    thread, key = await _thread_key(bot, gw)
    assert bot.platform.upload_limit(key) == limit  # the smaller of the guild's (10 MiB) and ours

    message_id = await bot.platform.post_file(key, variant(big_video))
    call = next(c for c in api.calls_to(MESSAGES) if c.params["channel_id"] == thread)
    assert len(call.files) == 1 and 0 < len(call.files[0].data) <= limit
    assert call.files[0].data[4:8] == b"ftyp"
    posted = api.messages[message_id]
    assert "Re-encoded from" in posted["embeds"][0]["footer"]["text"]
    assert custom_ids(posted) == ["cutroom:more:v1"]


async def test_a_video_that_cannot_fit_is_posted_as_a_link_and_says_why(bots: Bots, big_video: Path) -> None:
    from cutroom.bots.platform import FileTooLarge

    api, gw = bots.api, bots.gateway
    bot = await bots.start(upload_limit=20_000)  # too small for any watchable encode of 3 s
    thread, key = await _thread_key(bot, gw)
    message_id = await bot.platform.post_file(key, variant(big_video))
    posted = api.messages[message_id]
    assert posted["attachments"] == [] and posted["content"] == "https://files.example.com/ad-A.mp4"
    assert "over this server's" in posted["embeds"][0]["footer"]["text"]
    with pytest.raises(FileTooLarge):  # no link to fall back on: the engine decides what to say
        await bot.platform.post_file(key, variant(big_video, link=None))


async def test_without_attach_files_permission_a_link_is_posted(
    api: FakeDiscordAPI, redis_server: RedisServer, tmp_path: Path, big_video: Path
) -> None:
    gw = Gateway(api, bot_permissions=P_ALL_TEXT & ~P_ATTACH_FILES)
    manager = Bots(api, gw, redis_server.url, tmp_path)
    try:
        bot = await manager.start()
        thread, key = await _thread_key(bot, gw)
        message_id = await bot.platform.post_file(key, variant(big_video))
        posted = api.messages[message_id]
        assert posted["attachments"] == [] and "Attach Files" in posted["embeds"][0]["footer"]["text"]
    finally:
        await manager.stop_all()


def test_buttons_are_persistent_and_laid_out_in_rows() -> None:
    buttons = [
        Button(id="approve", emoji="✅", label="Approve and render", style="primary"),
        Button(id="redo_all", emoji="🔁", label="Redo all"),
        *[Button(id=f"scene:{i}", emoji=f"{i}\ufe0f\u20e3", label=f"Redo scene {i}") for i in range(1, 8)],
        Button(id="cancel", emoji="❌", label="Cancel", style="danger"),
    ]
    view = button_view(buttons)
    assert view is not None and view.timeout is None and view.is_persistent()
    rows = view.to_components()
    assert [len(r["components"]) for r in rows] == [3, 5, 2]
    assert rows[0]["components"][0]["custom_id"] == "cutroom:approve"
    assert rows[0]["components"][0]["style"] == discord.ButtonStyle.success.value


def test_the_invite_asks_for_exactly_what_the_bot_uses() -> None:
    from cutroom.bots.discord import INVITE_PERMISSIONS, build_intents, invite_url

    assert INVITE_PERMISSIONS.value == 309237763136 == P_ALL_TEXT
    url = invite_url(123)
    assert "scope=bot+applications.commands" in url and "permissions=309237763136" in url
    intents = build_intents(message_content=False)
    assert (
        intents.guilds and intents.guild_messages and intents.guild_reactions and not intents.message_content
    )
    assert not intents.members and not intents.presences  # no other privileged intents


def test_cutroom_discord_says_which_variable_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from cutroom.cli import app
    from cutroom.core.errors import CutroomError

    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("DISCORD_TOKEN", "CUTROOM_DISCORD_TOKEN", "REDIS_URL", "CUTROOM_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["discord"])
    assert isinstance(result.exception, CutroomError) and "DISCORD_TOKEN is not set" in str(result.exception)
    monkeypatch.setenv("DISCORD_TOKEN", "a-real-looking-token")
    result = CliRunner().invoke(app, ["discord"])
    assert isinstance(result.exception, CutroomError) and "REDIS_URL" in str(result.exception)
    result = CliRunner().invoke(
        app, ["discord", "--shard-ids", "0,1"], env={"REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    assert isinstance(result.exception, CutroomError) and "--shards" in str(result.exception)


def test_a_huge_storyboard_still_fits_discords_embed_limits() -> None:
    from cutroom.bots.discord.render import storyboard_embed
    from cutroom.bots.messages import StoryboardPost

    post = StoryboardPost(
        storyboard_id="sb",
        version=1,
        title="T" * 400,
        summary="9 scenes · 60 s · 9:16",
        shots=[f"{i}. " + "a very detailed shot description " * 40 for i in range(1, 10)],
        footer="React ✅ to render. " * 200,
        image_png=b"",
        image_name="storyboard sb v1.png",
        reactions=["✅"],
        buttons=[],
    )
    embed = storyboard_embed(post).to_dict()
    assert (
        len(embed["title"]) <= 256
        and len(embed["description"]) <= 4096
        and len(embed["footer"]["text"]) <= 2048
    )
    assert len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"]) <= 6000 - 200
    assert embed["description"].endswith("…") and embed["image"]["url"] == "attachment://storyboard-sb-v1.png"


# ── issue 10: uploads, mentions and who may stop work ───────────────────────────────────


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "#e8553e").save(buffer, format="PNG")
    return buffer.getvalue()


def _attachment(name: str, url: str, size: int) -> dict[str, Any]:
    from tests.support.discord_harness import snowflake

    return {"id": snowflake(), "filename": name, "size": size, "url": url, "proxy_url": url, "content_type": "image/png"}


async def test_an_oversized_attachment_is_cut_off_and_user_named_files_ping_nobody(bots: Bots) -> None:
    """A file claiming 100 bytes that streams 200 MB is cut at the logo limit; a file named with
    @everyone and a role mention is echoed with mentions disabled on every post."""
    from cutroom.core.limits import MAX_LOGO_BYTES
    from tests.support.loopback_host import LoopbackHost

    api, gw = bots.api, bots.gateway
    host = await LoopbackHost().start()
    try:
        bot = await bots.start()
        huge = f"{host.url}/huge/{200 * 1024 * 1024}"
        ping = f"@everyone <@&{gw.approver_role_id}> logo.png"
        files = [_attachment("big.png", huge, 100), _attachment(ping, host.serve("ok.png", _png()), 80)]
        gw.feed(bot, "MESSAGE_CREATE", gw.message(gw.alice, BRIEF, mentions_bot=True, attachments=files))
        await api.wait_for(lambda: api.calls_to(THREAD_FROM_MESSAGE), what="a thread for the request")
        thread = thread_of(api)
        said = await api.wait_for(
            lambda: [t for t in texts(api, thread) if "as the logo" in t], what="the logo note"
        )
        assert "I left out “big.png”: it is over the 5 MB limit" in said[0]
        assert host.sent < 4 * MAX_LOGO_BYTES
        assert f"Using “{ping}” as the logo" in said[0]
        posts = [c for c in api.calls_to(MESSAGES) if c.params["channel_id"] == thread]
        assert posts and all(c.body.get("allowed_mentions") == {"parse": []} for c in posts)
    finally:
        await host.stop()


@pytest.mark.slow
async def test_deleting_a_bystanders_message_does_not_stop_the_render(flow_bots: Bots) -> None:
    api, gw = flow_bots.api, flow_bots.gateway
    bot = await flow_bots.start()
    thread, board = await request_storyboard(flow_bots, bot)
    request = thread  # the /ad answer the thread was opened from is the request
    bystander = gw.message(gw.bob, "make it 30 seconds", channel_id=thread, mentions_bot=True)
    gw.feed(bot, "MESSAGE_CREATE", bystander)
    # Bob cannot decide: his change is only suggested (nothing redrawn) until Alice agrees.
    await api.wait_for(lambda: any("suggests" in t for t in texts(api, thread)), what="the suggestion")
    assert len(storyboard_posts(api, thread)) == 1
    gw.feed(bot, "MESSAGE_REACTION_ADD", gw.reaction(gw.alice, board["id"], "✅", channel_id=thread))
    await api.wait_for(lambda: any("Rendering" in t for t in texts(api, thread)), what="the render's status")

    def deleted(message_id: str, channel_id: str) -> dict[str, Any]:
        return {"id": message_id, "channel_id": channel_id, "guild_id": gw.guild_id}

    gw.feed(bot, "MESSAGE_DELETE", deleted(bystander["id"], thread))
    await asyncio.sleep(1.0)
    assert not any("request was deleted" in t for t in texts(api, thread))
    gw.feed(bot, "MESSAGE_DELETE", deleted(request, gw.channel_id))
    await api.wait_for(
        lambda: any("request was deleted" in t for t in texts(api, thread))
        or video_posts(api, thread),  # a render quicker than the delete is delivered instead
        timeout=120,
        what="the render stopped",
    )
async def test_a_variant_post_carries_the_qc_line_and_the_per_shot_table(bots: Bots, big_video: Path) -> None:
    from cutroom.bots.messages import variant_post
    from tests.support.qc_fakes import variant_with_qc

    api, gw = bots.api, bots.gateway
    bot = await bots.start()
    _thread, key = await _thread_key(bot, gw)
    post = variant_post(variant_with_qc(str(big_video)), big_video, link=None, title="Brightbean")
    message_id = await bot.platform.post_file(key, post)
    embed = api.messages[message_id]["embeds"][0]
    assert "consistency 0.91 · 1 shot retaken" in embed["description"]
    (field,) = [f for f in embed["fields"] if f["name"] == "QC per shot"]
    assert field["value"].startswith("```shot") and "take 2" in field["value"]
