"""Issue 10 on Slack, through the real bolt handler (signed HTTP requests), the loopback fake Web
API, a real Redis and, where a storyboard must exist, a real worker process; a loopback host
stands in for an attacker's server.

    the bot token goes to Slack's file host only; redirects never carry it
    a file's real size and pixels are checked, whatever size it claims
    only the requester's (or an approver's) message is the request
    the session lock holds through a slow thread read
    user text is escaped: a file named <!here> pings nobody
    a replayed /cutroom posts once
    changes from people who cannot decide are proposals; the CTA's real destination is shown
    a model cannot name local files for the logo or font
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cutroom.bots.engine import EngineConfig
from cutroom.core.limits import MAX_LOGO_BYTES
from cutroom.storage.state import SessionKey
from tests.support import workers
from tests.support.fake_providers import AnthropicFake, serving
from tests.support.fake_slack import TOKEN, FakeSlack
from tests.support.loopback_host import LoopbackHost
from tests.support.redis_server import RedisServer
from tests.support.slack_bot import Bot, bot_settings, start_bot, storyboard_posts, texts

worker = workers.worker
worker_data_dir = workers.worker_data_dir

C = "C0HARDEN"
FAST = EngineConfig(follow_interval_s=0.2, n_variants=1)
BRIEF = "A 15 second ad for Glow serum for busy parents, playful. CTA Shop now at glow.example.com"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
async def attacker() -> AsyncIterator[LoopbackHost]:
    host = await LoopbackHost().start()
    yield host
    await host.stop()


@pytest.fixture
async def bot(fake: FakeSlack, redis_server: RedisServer, worker_data_dir: Path) -> AsyncIterator[Bot]:
    running = await start_bot(bot_settings(fake, redis_server.url, worker_data_dir), fake, config=FAST)
    yield running
    await running.stop()


def png(size: tuple[int, int] = (16, 16), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def slack_file(file_id: str, name: str, url: str, *, size: int = 100) -> dict[str, Any]:
    return {"id": file_id, "name": name, "mimetype": "image/png", "size": size, "url_private": url}


def key(thread: str) -> SessionKey:
    return SessionKey(platform="slack", channel=C, thread=thread)


async def settled(bot: Bot, thread: str, what: str) -> list[str]:
    """The bot's texts once one of them contains ``what``."""
    await bot.fake.wait_for(lambda: any(what in t for t in texts(bot.fake, C, thread)), timeout_s=20, what=what)
    return texts(bot.fake, C, thread)


async def saved(bot: Bot, thread: str) -> Any:
    """The session once the engine has saved it with its job (a moment after its last post)."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        session = await bot.engine.sessions.get(key(thread))
        if session is not None and session.jobs:
            return session
        assert asyncio.get_running_loop().time() < deadline, "the session was never saved"
        await asyncio.sleep(0.05)


def everything_posted(fake: FakeSlack) -> str:
    """Every text and block the bot sent to Slack, as one string (what Slack would parse)."""
    return json.dumps(
        [c.args for c in fake.calls if c.method in ("chat.postMessage", "chat.update")], ensure_ascii=False
    )


# ── 2. the bot token goes to Slack's file host only ─────────────────────────────────────


async def test_a_file_on_another_host_is_fetched_through_files_info_and_the_host_gets_nothing(
    bot: Bot, fake: FakeSlack, attacker: LoopbackHost
) -> None:
    trap = attacker.serve("logo.png", png())
    # files.info (asked with the token, at Slack) names the real download on Slack's file host.
    fake.file_info["F0LOGO"] = {"id": "F0LOGO", "name": "logo.png", "url_private": fake.add_file("real.png", png())}
    parent = fake.add_message(C, BRIEF)
    await bot.mention(C, parent, "make it", event_id="EvTok1", files=[slack_file("F0LOGO", "logo.png", trap)])
    await settled(bot, parent, "as the logo")
    assert attacker.requests == []  # the attacker's host never heard of it, token or not
    assert fake.calls_to("files.info")
    session = await saved(bot, parent)
    assert session.brief is not None and session.brief.brand.logo


async def test_a_file_slack_does_not_vouch_for_is_refused(
    bot: Bot, fake: FakeSlack, attacker: LoopbackHost
) -> None:
    trap = attacker.serve("logo.png", png())
    fake.file_info["F0EVIL"] = {"id": "F0EVIL", "name": "logo.png", "url_private": trap}
    parent = fake.add_message(C, BRIEF)
    await bot.mention(C, parent, "make it", event_id="EvTok2", files=[slack_file("F0EVIL", "logo.png", trap)])
    said = await settled(bot, parent, "couldn't download")
    assert any("not on Slack's file host" in t for t in said)
    assert attacker.requests == []
    assert TOKEN not in everything_posted(fake)


async def test_a_redirect_away_from_slack_never_carries_the_token(
    bot: Bot, fake: FakeSlack, attacker: LoopbackHost
) -> None:
    elsewhere = attacker.serve("cdn.png", png())
    url = fake.add_file("moved.png", b"")
    fake.file_redirects["moved.png"] = elsewhere
    parent = fake.add_message(C, BRIEF)
    await bot.mention(C, parent, "make it", event_id="EvTok3", files=[slack_file("F0MOVED", "logo.png", url)])
    await settled(bot, parent, "as the logo")
    assert [s.path for s in attacker.requests] == ["/file/cdn.png"]  # followed, by hand
    assert attacker.tokens_seen() == []


# ── 3. a file's real size and pixels ────────────────────────────────────────────────────


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
async def test_a_file_that_claims_100_bytes_but_serves_200_mb_is_cut_off(
    bot: Bot, fake: FakeSlack, attacker: LoopbackHost, worker_data_dir: Path, length: bool
) -> None:
    huge = 200 * 1024 * 1024
    # Served from the API host (which the token may reach), so only the cap stands in the way.
    fake.file_redirects["big.png"] = f"{attacker.url}/huge/{huge}" + ("?length=1" if length else "")
    parent = fake.add_message(C, BRIEF)
    files = [slack_file("F0BIG", "big.png", fake.add_file("big.png", b""), size=100)]
    await bot.mention(C, parent, "make it", event_id=f"EvBig{length}", files=files)
    said = await settled(bot, parent, "I left out “big.png”")
    assert any("over the 5 MB limit" in t for t in said)
    assert attacker.sent < 4 * MAX_LOGO_BYTES  # stopped near the limit, not 200 MB later
    session = await saved(bot, parent)
    assert session.brief is not None and session.brief.brand.logo is None
    assert not list((worker_data_dir / "artifacts").glob("logos/**/*.png"))  # nothing stored
    assert session.stage == "storyboarding"  # the request itself went on, without the logo


async def test_a_decompression_bomb_is_refused_before_it_is_stored(
    bot: Bot, fake: FakeSlack, worker_data_dir: Path
) -> None:
    bomb = png((8000, 8000), mode="1")  # 64 million pixels in a few kilobytes
    assert len(bomb) < 100_000
    parent = fake.add_message(C, BRIEF)
    files = [slack_file("F0BOMB", "bomb.png", fake.add_file("bomb.png", bomb), size=len(bomb))]
    await bot.mention(C, parent, "make it", event_id="EvBomb", files=files)
    said = await settled(bot, parent, "I left out “bomb.png”")
    assert any("8000×8000 pixels" in t for t in said)
    assert not list((worker_data_dir / "artifacts").glob("logos/**/*.png"))


async def test_a_file_that_is_not_a_picture_is_refused(bot: Bot, fake: FakeSlack) -> None:
    parent = fake.add_message(C, BRIEF)
    files = [slack_file("F0FAKE", "logo.png", fake.add_file("fake.png", b"<html>not a png</html>"))]
    await bot.mention(C, parent, "make it", event_id="EvNotPng", files=files)
    said = await settled(bot, parent, "I left out “logo.png”")
    assert any("not a picture I can read" in t for t in said)


# ── 4. only the requester's message is the request ──────────────────────────────────────


async def deleted(bot: Bot, parent: str, ts: str, user: str, event_id: str) -> None:
    await bot.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": C,
            "hidden": True,
            "deleted_ts": ts,
            "event_ts": bot.fake.next_ts(),
            "ts": bot.fake.next_ts(),
            "previous_message": {"type": "message", "user": user, "text": "…", "ts": ts, "thread_ts": parent},
        },
        event_id=event_id,
    )


@pytest.mark.slow
async def test_deleting_someone_elses_mention_does_not_stop_the_render(bot: Bot, fake: FakeSlack, worker) -> None:
    parent = fake.add_message(C, BRIEF, user="U1")
    request, _ = await bot.mention(C, parent, "make it", user="U1", event_id="EvDel1")
    board = await fake.wait_for(lambda: storyboard_posts(fake, C, parent), timeout_s=120, what="storyboard")
    # U2 (who cannot decide) mentions the bot in the thread, then U1 approves.
    chatter, _ = await bot.mention(C, parent, "make it 30 seconds", user="U2", event_id="EvDel2")
    await settled(bot, parent, "suggests")  # U2's change is only a suggestion
    await bot.react(C, board[0]["ts"], "white_check_mark", user="U1", event_id="EvDel3")
    while (session := await saved(bot, parent)).stage != "rendering":  # saved just after its status line
        await asyncio.sleep(0.05)
    render = session.jobs[-1]

    await deleted(bot, parent, chatter, "U2", "EvDel4")
    await asyncio.sleep(0.5)
    assert (await bot.engine.queue.latest(render.job_id)).state in ("queued", "running", "done")  # type: ignore[union-attr]
    assert not any("request was deleted" in t for t in texts(fake, C, parent))

    await deleted(bot, parent, request, "U1", "EvDel5")
    final = await bot.engine.queue.wait(render.job_id, timeout_s=60)
    if final.state != "done":  # a very fast render may have finished first
        assert final.state == "cancelled"
        assert any("The request was deleted, so I stopped the render" in t for t in texts(fake, C, parent))


# ── 5. the session lock holds through slow work ─────────────────────────────────────────


async def test_a_slow_thread_read_keeps_the_lock_and_a_second_mention_waits(bot: Bot, fake: FakeSlack) -> None:
    bot.engine.sessions.lock_timeout_s = 1.0  # the lock would expire three times over
    fake.delays["conversations.replies"] = 3.0  # Slack's pace on a very long thread
    parent = fake.add_message(C, BRIEF, user="U1")
    await bot.mention(C, parent, "make it", user="U1", event_id="EvLock1")
    lock = f"cutroom:lock:session:{key(parent).as_str()}"
    deadline = asyncio.get_running_loop().time() + 20
    while not await bot.engine.redis.exists(lock):  # U1's request holds the lock, reading slowly
        assert asyncio.get_running_loop().time() < deadline, "the first mention never took the lock"
        await asyncio.sleep(0.02)
    await bot.mention(C, parent, "make an ad", user="U2", event_id="EvLock2")
    said = await settled(bot, parent, "already working on this thread")
    session = await saved(bot, parent)
    assert session.requester == "U1" and len(session.jobs) == 1
    assert len([t for t in said if t.startswith("⏳ Storyboard")]) == 1  # one storyboard job, one status


# ── 8. user text is escaped ─────────────────────────────────────────────────────────────


async def test_a_file_named_here_pings_nobody_and_typed_pings_stay_words(bot: Bot, fake: FakeSlack) -> None:
    parent = fake.add_message(C, BRIEF)
    name = "<!here> logo\x07.png"
    files = [slack_file("F0HERE", name, fake.add_file("here.png", png()))]
    await bot.mention(C, parent, "make it &lt;!channel&gt; now", event_id="EvEsc1", files=files)
    said = await settled(bot, parent, "as the logo")
    posted = everything_posted(fake)
    assert "<!here>" not in posted and "<!channel>" not in posted
    assert any("“&lt;!here&gt; logo.png”" in t for t in said)  # shown as words, bell removed
    assert "\x07" not in posted and "\\u0007" not in posted


async def test_clean_never_makes_live_markup_and_links_show_where_they_go(bot: Bot) -> None:
    from cutroom.bots.slack.platform import SlackPlatform

    platform = SlackPlatform(bot.engine.platform.client)  # type: ignore[attr-defined]
    assert "<!channel>" not in platform.clean("hi &lt;!channel&gt; &lt;@U9&gt;", "UBOT")
    assert platform.clean("CTA <http://evil.example/login|shop.example>", "UBOT") == "CTA http://evil.example/login"
    assert platform.clean("see <http://glow.example.com|glow.example.com>", "UBOT") == "see glow.example.com"
    assert platform.clean("<https://x.example/a|our site>", "UBOT") == "our site (https://x.example/a)"


# ── 9. a replayed /cutroom posts once ───────────────────────────────────────────────────


async def test_a_replayed_slash_command_opens_one_thread(bot: Bot, fake: FakeSlack) -> None:
    first, second = await asyncio.gather(bot.command(BRIEF, channel=C), bot.command(BRIEF, channel=C))
    assert first[0] == second[0] == 200
    opener = await fake.wait_for(
        lambda: next((m for m in fake.channels.get(C, []) if "asked for an ad" in m.get("text", "")), None)
    )
    await fake.wait_for(lambda: any("Storyboard" in t for t in texts(fake, C, opener["ts"])), timeout_s=10)
    await asyncio.sleep(0.5)
    openers = [m for m in fake.channels.get(C, []) if "asked for an ad" in m.get("text", "")]
    assert len(openers) == 1 and openers[0]["text"].startswith("🎬 <@U1> asked")  # the bot's own mention is live


# ── 10. changes from people who cannot decide are proposals ─────────────────────────────


@pytest.mark.slow
async def test_a_change_by_a_bystander_is_proposed_until_the_requester_agrees(
    bot: Bot, fake: FakeSlack, worker
) -> None:
    parent = fake.add_message(C, BRIEF, user="U1")
    await bot.mention(C, parent, "make it", user="U1", event_id="EvProp1")
    first = await fake.wait_for(lambda: storyboard_posts(fake, C, parent), timeout_s=120, what="storyboard")
    assert "glow.example.com" in json.dumps(first[0]["blocks"])  # the CTA's destination, in full
    await bot.engine.idle()

    await bot.reply(C, parent, "CTA Shop now at <http://evil.example/login|shop.example>", user="U2", event_id="EvProp2")
    said = await settled(bot, parent, "suggests")
    suggestion = next(t for t in said if "suggests" in t)
    assert "<@U2> suggests" in suggestion and "http://evil.example/login" in suggestion
    session = await bot.engine.sessions.get(key(parent))
    assert session is not None and session.brief is not None and session.brief.url == "glow.example.com"
    assert session.stage == "awaiting_approval" and len(session.jobs) == 1  # nothing redrawn

    await bot.reply(C, parent, "yes", user="U3", event_id="EvProp3")  # a bystander's yes is just chatter
    await bot.reply(C, parent, "yes", user="U1", event_id="EvProp4")
    said = await settled(bot, parent, "agreed by")
    assert any("suggested by <@U2>, agreed by <@U1>" in t for t in said)
    second = await fake.wait_for(
        lambda: len(storyboard_posts(fake, C, parent)) >= 2 and storyboard_posts(fake, C, parent),
        timeout_s=120,
        what="the second storyboard",
    )
    assert "http://evil.example/login" in json.dumps(second[-1]["blocks"])  # the real destination, shown
    assert "shop.example" not in json.dumps(second[-1]["blocks"])


# ── 11. a model cannot name local files ─────────────────────────────────────────────────


async def test_a_model_named_logo_and_font_path_are_dropped_with_a_note(
    fake: FakeSlack, redis_server: RedisServer, worker_data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = worker_data_dir / "secret.png"
    secret.write_bytes(png())
    with serving(AnthropicFake("test-key")) as model:
        assert isinstance(model, AnthropicFake)
        answer = {
            "brief": {
                "product": "Glow serum",
                "audience": "busy parents",
                "duration_s": 15,
                "call_to_action": "Shop now",
                "url": "glow.example.com",
                "brand": {"logo": str(secret), "font": "/usr/share/fonts/truetype/evil.ttf"},
            },
            "missing": [],
            "question": None,
        }
        model.script(model.tool_use("record_brief", answer))
        settings = bot_settings(
            fake,
            redis_server.url,
            worker_data_dir,
            extractor="anthropic",
            anthropic_api_key="test-key",
            anthropic_base_url=model.url,
        )
        running = await start_bot(settings, fake, config=FAST)
        try:
            parent = fake.add_message(C, BRIEF)
            with caplog.at_level(logging.WARNING):
                await running.mention(C, parent, "make it", event_id="EvModel1")
                said = await settled(running, parent, "Storyboard")
            session = await saved(running, parent)
        finally:
            await running.stop()
    assert session is not None and session.brief is not None
    assert session.brief.brand.logo is None and session.brief.brand.font is None
    assert any("left out the logo file named" in t for t in said)
    assert str(secret) not in json.dumps(said)  # the path is not repeated to the thread
    assert "test-key" not in caplog.text and TOKEN not in caplog.text
