"""The Slack side of the engine's port, against the loopback fake Web API: what each Slack
answer becomes (retries after 429, gone channels, files too large, long threads), the Block
Kit it sends, and the manifest matching the listeners.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from cutroom.bots.messages import SHOT_KEYCAPS, StoryboardPost, VariantPost
from cutroom.bots.platform import FileTooLarge, PlatformGone
from cutroom.bots.slack.app import TOKEN as TOKEN_PATTERN
from cutroom.bots.slack.app import RedactTokens
from cutroom.bots.slack.blocks import storyboard_blocks
from cutroom.bots.slack.platform import SlackPlatform, emoji_from_name, web_client
from cutroom.storage.state import SessionKey
from tests.support.fake_slack import TOKEN, FakeSlack

C = "C0TEST"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
def slack(fake: FakeSlack) -> SlackPlatform:
    return SlackPlatform(web_client(TOKEN, base_url=fake.base_url))


def key(thread: str) -> SessionKey:
    return SessionKey(platform="slack", channel=C, thread=thread)


def post(n_shots: int = 3) -> StoryboardPost:
    return StoryboardPost(
        storyboard_id="sb_1",
        version=1,
        title="Glow, fast",
        summary=f"{n_shots} scenes · 15 s · 9:16",
        shots=[f"{i}. scene {i}" for i in range(1, n_shots + 1)],
        footer="React ✅ to render.",
        image_png=b"\x89PNG\r\n\x1a\nfake",
        reactions=["✅", "🔁", *SHOT_KEYCAPS[:n_shots], "❌"],
        buttons=[],
    )


async def test_posts_wait_out_a_429_with_retry_after(fake: FakeSlack, slack: SlackPlatform) -> None:
    thread = fake.add_message(C, "parent")
    fake.rate_limit_next("chat.postMessage", retry_after=1)
    started = time.monotonic()
    ts = await slack.post_text(key(thread), "hello")
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in fake.calls if c.method == "chat.postMessage"] == [429, 200]
    assert fake.message(C, ts)["thread_ts"] == thread


async def test_a_channel_the_bot_left_is_gone_not_an_error(fake: FakeSlack, slack: SlackPlatform) -> None:
    thread = fake.add_message(C, "parent")
    fake.remove_bot_from(C)
    with pytest.raises(PlatformGone):
        await slack.post_text(key(thread), "hello")
    fake.fail_next("chat.update", "channel_not_found")
    with pytest.raises(PlatformGone):
        await slack.edit_message(key(thread), thread, "progress")


async def test_files_over_the_limit_raise_file_too_large(
    fake: FakeSlack, slack: SlackPlatform, tmp_path: Path
) -> None:
    thread = fake.add_message(C, "parent")
    video = tmp_path / "ad.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000)
    item = VariantPost(
        variant_id="v1",
        title="Glow",
        summary="Variant A",
        video=video,
        file_name="ad.mp4",
        size_bytes=video.stat().st_size,
        buttons=_buttons(0)[1:2],
    )
    fake.max_upload_bytes = 1000  # Slack refuses it at getUploadURLExternal
    with pytest.raises(FileTooLarge):
        await slack.post_file(key(thread), item)
    small = SlackPlatform(slack.client, max_upload_bytes=100)  # or we know the limit beforehand
    with pytest.raises(FileTooLarge):
        await small.post_file(key(thread), item)
    fake.max_upload_bytes = 10**9
    ts = await slack.post_file(key(thread), item)
    [upload] = fake.uploads_in(C, thread)
    assert upload.data == video.read_bytes() and upload.filename == "ad.mp4"
    assert fake.message(C, ts)["blocks"][0]["accessory"]["value"] == "redo_all"


async def test_storyboard_is_an_upload_plus_a_message_with_mirroring_buttons(
    fake: FakeSlack, slack: SlackPlatform
) -> None:
    thread = fake.add_message(C, "parent")
    ts = await slack.post_image(key(thread), post(3))
    assert fake.uploads_in(C, thread)[0].data.startswith(b"\x89PNG")
    await slack.add_reactions(key(thread), ts, post(3).reactions)
    await slack.add_reactions(key(thread), ts, ["✅"])  # already there: not an error
    assert fake.message(C, ts)["reactions"] == ["white_check_mark", "repeat", "one", "two", "three", "x"]


async def test_cast_lines_from_the_thread_are_escaped_like_every_other_line(
    fake: FakeSlack, slack: SlackPlatform
) -> None:
    """A character named in the thread as "<!channel> Ava" pings nobody from the storyboard post."""
    thread = fake.add_message(C, "parent")
    board = post(2).model_copy(update={"cast": ["🎭 *Cast:* <!channel> Ava <@U0BOSS> (front)"]})
    ts = await slack.post_image(key(thread), board)
    text = json.dumps(fake.message(C, ts)["blocks"])
    assert "Ava" in text
    assert "<!channel>" not in text and "<@U0BOSS>" not in text


def test_block_kit_buttons_mirror_the_reactions() -> None:
    from cutroom.bots.engine import choice_for
    from cutroom.bots.messages import storyboard_post  # noqa: F401  (the builder adapters share)

    board = post(3).model_copy(update={"buttons": _buttons(3)})
    blocks = storyboard_blocks(board)
    actions = next(b for b in blocks if b["type"] == "actions")["elements"]
    values = [e.get("value") for e in actions if e["type"] == "button"]
    select = next(e for e in actions if e["type"] == "static_select")
    assert values == ["approve", "redo_all", "cancel"]
    assert [o["value"] for o in select["options"]] == ["scene:1", "scene:2", "scene:3"]
    # every button's emoji means the same choice as a reaction
    for button in board.buttons:
        assert choice_for(button.emoji, "storyboard") == button.id
    cast = board.model_copy(update={"cast": ["🎭 *Cast:* Ava (front, ¾, side) · Glow (packshot)"]})
    context = [b for b in storyboard_blocks(cast) if b["type"] == "context"]
    assert "Ava (front, ¾, side)" in context[0]["elements"][0]["text"]
    long = post(60).model_copy(update={"shots": ["x" * 200] * 60})
    assert all(len(b["text"]["text"]) <= 3000 for b in storyboard_blocks(long) if b["type"] == "section")


def _buttons(n: int):  # type: ignore[no-untyped-def]
    from cutroom.bots.messages import Button

    return [
        Button(id="approve", emoji="✅", label="Approve", style="primary"),
        Button(id="redo_all", emoji="🔁", label="Redo all"),
        *[Button(id=f"scene:{i}", emoji=SHOT_KEYCAPS[i - 1], label=f"Redo scene {i}") for i in range(1, n + 1)],
        Button(id="cancel", emoji="❌", label="Cancel", style="danger"),
    ]


@pytest.mark.parametrize("repeat_parent", [False, True], ids=["parent-once", "parent-every-page"])
async def test_a_thread_of_thousands_is_read_from_its_recent_end(
    fake: FakeSlack, slack: SlackPlatform, repeat_parent: bool
) -> None:
    # conversations.replies pages oldest first (200 a page here): past 5,000 replies the newest
    # are only on the last pages, so every page must be read to reach them.
    fake.replies_repeat_parent = repeat_parent
    parent = fake.add_message(C, "Brief: Glow serum for busy parents")
    for i in range(5400):
        fake.add_message(C, f"message {i}", user="U2", thread_ts=parent)
    fake.add_message(C, "ignore me", user="UBOT", thread_ts=parent, bot_id="BBOT")
    history = await slack.fetch_thread(key(parent), limit=200)
    assert history.truncated and len(history.messages) == 200
    assert history.messages[0].text.startswith("Brief:")
    assert history.messages[1].text == "message 5201" and history.messages[-1].text == "message 5399"
    assert sum(m.text.startswith("Brief:") for m in history.messages) == 1
    assert all("ignore me" not in m.text for m in history.messages)
    pages = [c for c in fake.calls if c.method == "conversations.replies"]
    assert len(pages) == 28  # 5,402 messages, 200 a page


async def test_a_short_thread_is_read_whole_and_not_truncated(fake: FakeSlack, slack: SlackPlatform) -> None:
    parent = fake.add_message(C, "Brief: Glow serum for busy parents")
    for i in range(199):
        fake.add_message(C, f"message {i}", user="U2", thread_ts=parent)
    history = await slack.fetch_thread(key(parent), limit=200)
    assert not history.truncated and len(history.messages) == 200
    assert history.messages[0].text.startswith("Brief:") and history.messages[-1].text == "message 198"


def test_slack_text_is_cleaned_and_emoji_names_map() -> None:
    slack = SlackPlatform(web_client(TOKEN, base_url="http://127.0.0.1:9/api/"))
    text = "<@UBOT> make it &lt;punchy&gt; for <@U2> see <https://glow.example.com|our site>"
    assert slack.clean(text, "UBOT") == "make it <punchy> for @U2 see our site (https://glow.example.com)"
    assert emoji_from_name("white_check_mark") == "✅" and emoji_from_name("seven") == SHOT_KEYCAPS[6]
    assert emoji_from_name("repeat") == "🔁" and emoji_from_name("thumbsup::skin-tone-2") is None


def test_tokens_never_reach_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    logger = logging.getLogger("slack_sdk.test")
    logger.addFilter(RedactTokens())
    with caplog.at_level(logging.DEBUG):
        logger.debug("Sending a request with headers %s", {"Authorization": f"Bearer {TOKEN}"})
        logger.warning("app token xapp-1-A0001-123-abcdef")
    assert TOKEN not in caplog.text and "xapp-1-A0001" not in caplog.text
    assert "xoxb-***" in caplog.text and not TOKEN_PATTERN.search(caplog.text.replace("-***", ""))


def test_the_manifest_subscribes_to_what_the_bot_listens_for() -> None:
    manifest = yaml.safe_load((Path(__file__).parents[1] / "slack-manifest.yml").read_text())
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.channels", "reaction_added"} <= events
    assert manifest["settings"]["interactivity"]["is_enabled"]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/cutroom"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "app_mentions:read",
        "channels:history",
        "chat:write",
        "commands",
        "files:write",
        "files:read",
        "reactions:read",
        "reactions:write",
    }
    assert needed <= scopes


async def test_a_variant_post_carries_the_qc_line_and_the_per_shot_table(
    fake: FakeSlack, slack: SlackPlatform, tmp_path: Path
) -> None:
    from cutroom.bots.messages import variant_post
    from tests.support.qc_fakes import variant_with_qc

    thread = fake.add_message(C, "parent")
    video = tmp_path / "ad.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 400)
    item = variant_post(variant_with_qc(str(video)), video, link=None, title="Glow")
    ts = await slack.post_file(key(thread), item)
    message = fake.message(C, ts)
    line, table = message["blocks"][0]["text"]["text"], message["blocks"][1]["text"]["text"]
    assert "consistency 0.91 · 1 shot retaken" in line and "consistency 0.91" in message["text"]
    assert table.startswith("```shot") and table.endswith("```")
    rows = table.strip("`").splitlines()
    assert rows[2].split()[0] == "1" and "take 2" in rows[3]
