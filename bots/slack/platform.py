"""The engine's ``Platform`` port over Slack's Web API (``AsyncWebClient``).

Slack errors become the port's errors: ``not_in_channel``, ``channel_not_found`` and friends
are ``PlatformGone`` (the engine stops posting and keeps the session), ``file_too_large`` is
``FileTooLarge`` (the engine posts a link). HTTP 429 is retried by the client after
Retry-After (``AsyncRateLimitErrorRetryHandler``), so the engine never sees it unless Slack
keeps refusing.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bots.events import Attachment
from bots.messages import APPROVE, CANCEL, REDO, SCENES, Button, StoryboardPost, VariantPost
from bots.platform import FileTooLarge, PlatformError, PlatformGone, ThreadHistory
from bots.slack.blocks import storyboard_blocks, text_blocks, variant_blocks
from core.models import Message
from storage.state import SessionKey

#: Slack's reaction names for the engine's emoji (and back).
EMOJI_NAMES: dict[str, str] = {
    "white_check_mark": APPROVE,
    "heavy_check_mark": APPROVE,
    "repeat": REDO,
    "x": CANCEL,
    **{
        name: SCENES[i]
        for i, name in enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))
    },
}
NAME_FOR_EMOJI: dict[str, str] = {APPROVE: "white_check_mark", REDO: "repeat", CANCEL: "x"} | {
    SCENES[i]: name
    for i, name in enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))
}

GONE_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "thread_not_found",
        "account_inactive",
        "token_revoked",
        "invalid_auth",
        "not_authed",
        "restricted_action",
    }
)
TOO_LARGE_ERRORS = frozenset({"file_too_large", "request_entity_too_large"})
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
PAGE = 200
MAX_PAGES = 100  # a safety cap: 20,000 replies, read oldest first to reach the newest
SLACK_UPLOAD_LIMIT = 1024**3  # 1 GB

log = logging.getLogger(__name__)


def emoji_from_name(name: str) -> str | None:
    """Slack's ``white_check_mark`` (or ``thumbsup::skin-tone-2``) to Unicode, if the engine knows it."""
    return EMOJI_NAMES.get(name.split("::", 1)[0])


def web_client(token: str, *, base_url: str | None = None, retries: int = 3) -> AsyncWebClient:
    """A Web API client for ``base_url`` (any Slack-compatible endpoint) that waits out 429s."""
    base = (base_url or "https://slack.com/api/").rstrip("/") + "/"
    client = AsyncWebClient(token=token, base_url=base, timeout=60)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=retries))
    client.retry_handlers.append(AsyncConnectionErrorRetryHandler(max_retry_count=2))
    return client


class SlackPlatform:
    """Posts, uploads, edits and reads threads for the engine. ``key.thread`` is the thread's ts."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, *, max_upload_bytes: int = SLACK_UPLOAD_LIMIT) -> None:
        self.client = client
        self.max_upload_bytes = max_upload_bytes
        self._bot_user: str | None = None
        self._groups: dict[str, tuple[float, set[str]]] = {}

    async def bot_user(self) -> str:
        if self._bot_user is None:
            auth = await self._call(lambda: self.client.auth_test())
            self._bot_user = str(auth.get("user_id", ""))
        return self._bot_user

    # ── the port ──

    async def post_text(self, key: SessionKey, text: str, *, buttons: Sequence[Button] = ()) -> str:
        extra: dict[str, Any] = {"blocks": text_blocks(text, buttons)} if buttons else {}
        response = await self._call(
            lambda: self.client.chat_postMessage(
                channel=key.channel,
                thread_ts=key.thread,
                text=text,
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            )
        )
        return str(response["ts"])

    async def post_image(self, key: SessionKey, post: StoryboardPost) -> str:
        await self._call(
            lambda: self.client.files_upload_v2(
                channel=key.channel,
                thread_ts=key.thread,
                file=post.image_png,
                filename=post.image_name,
                title=post.title,
                alt_txt=f"Storyboard: {post.summary}",
            )
        )
        response = await self._call(
            lambda: self.client.chat_postMessage(
                channel=key.channel,
                thread_ts=key.thread,
                text=post.as_text()[:3000],
                blocks=storyboard_blocks(post),
            )
        )
        return str(response["ts"])

    async def post_file(self, key: SessionKey, post: VariantPost) -> str:
        if post.size_bytes > self.max_upload_bytes:
            raise FileTooLarge(
                f"{post.file_name} is {post.size_bytes / 1e6:.0f} MB, over Slack's upload limit."
            )
        await self._call(
            lambda: self.client.files_upload_v2(
                channel=key.channel,
                thread_ts=key.thread,
                file=str(post.video),
                filename=post.file_name,
                title=f"{post.title} — {post.summary}"[:250],
            )
        )
        response = await self._call(
            lambda: self.client.chat_postMessage(
                channel=key.channel, thread_ts=key.thread, text=post.summary, blocks=variant_blocks(post)
            )
        )
        return str(response["ts"])

    async def edit_message(self, key: SessionKey, message_id: str, text: str) -> None:
        await self._call(
            lambda: self.client.chat_update(channel=key.channel, ts=message_id, text=text, blocks=[])
        )

    async def add_reactions(self, key: SessionKey, message_id: str, emojis: Sequence[str]) -> None:
        for emoji in emojis:
            name = NAME_FOR_EMOJI.get(emoji)
            if name is None:
                continue
            try:
                await self._call(
                    partial(self.client.reactions_add, channel=key.channel, timestamp=message_id, name=name)
                )
            except PlatformGone:
                raise
            except PlatformError as err:
                if "already_reacted" not in str(err):
                    raise

    async def fetch_thread(self, key: SessionKey, *, limit: int) -> ThreadHistory:
        """The human messages of the thread: its first message and the most recent ``limit - 1``.

        ``conversations.replies`` pages oldest first, so the newest replies are on the last page:
        every page is read (cursor pagination, ``response_metadata.next_cursor``) while only the
        first message and a bounded window of the latest ones are kept, so memory stays at
        ``limit`` messages however long the thread. ``truncated`` says something was left out;
        past ``MAX_PAGES`` pages (a thread of over 20,000 replies) reading stops, the window
        then ends before the newest replies, and a warning is logged.
        """
        bot = await self.bot_user()
        first: Message | None = None
        recent: deque[Message] = deque(maxlen=limit - 1 if limit > 1 else max(limit, 0))
        kept = 0
        seen_parent = False
        cursor: str | None = None
        pages = 0
        has_more = False
        while True:
            response = await self._call(
                partial(
                    self.client.conversations_replies,
                    channel=key.channel,
                    ts=key.thread,
                    limit=PAGE,
                    cursor=cursor,
                )
            )
            for raw in response.get("messages", []):
                if raw.get("ts") == key.thread:
                    if seen_parent:  # Slack may repeat the parent at the top of later pages
                        continue
                    seen_parent = True
                if not _is_human(raw, bot):
                    continue
                message = self._message(raw, bot)
                if not message.text:
                    continue
                kept += 1
                if first is None and limit > 1:
                    first = message
                else:
                    recent.append(message)
            pages += 1
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            has_more = bool(response.get("has_more")) and cursor is not None
            if not has_more:
                break
            if pages >= MAX_PAGES:
                log.warning(
                    "Slack thread %s/%s has over %d replies; read the first %d pages only",
                    key.channel,
                    key.thread,
                    PAGE * MAX_PAGES,
                    MAX_PAGES,
                )
                break
        messages = ([first] if first is not None else []) + list(recent)
        truncated = has_more or kept > len(messages)
        return ThreadHistory(messages=messages, truncated=truncated)

    async def fetch_file(self, attachment: Attachment) -> bytes:
        if not attachment.url:
            raise PlatformError("the file has no download link")
        headers = {"Authorization": f"Bearer {self.client.token}"}
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(
                    attachment.url, headers=headers, timeout=aiohttp.ClientTimeout(total=60)
                ) as response,
            ):
                if response.status != 200:
                    raise PlatformError(f"Slack answered {response.status}")
                return await response.read()
        except aiohttp.ClientError as err:
            raise PlatformError(f"the download failed: {type(err).__name__}") from None

    # ── Slack-only helpers the listeners use ──

    async def groups_of(self, user: str, candidates: Sequence[str]) -> list[str]:
        """Which of the user groups in ``candidates`` (ids starting with S) ``user`` belongs to."""
        found: list[str] = []
        for group in candidates:
            if not group.startswith("S"):
                continue
            cached = self._groups.get(group)
            if cached is None or time.monotonic() - cached[0] > 300:
                try:
                    response = await self._call(partial(self.client.usergroups_users_list, usergroup=group))
                    cached = (time.monotonic(), set(response.get("users", [])))
                except PlatformError:
                    cached = (time.monotonic(), set())
                self._groups[group] = cached
            if user in cached[1]:
                found.append(group)
        return found

    async def post_channel(self, channel: str, text: str) -> str:
        """A new top-level message (the thread a /cutroom request lives in)."""
        response = await self._call(lambda: self.client.chat_postMessage(channel=channel, text=text))
        return str(response["ts"])

    def clean(self, text: str, bot: str) -> str:
        """Slack's escaped mrkdwn to plain text, without the bot's own mention."""
        text = text.replace(f"<@{bot}>", " ") if bot else text
        text = MENTION.sub(lambda m: f"@{m.group(1)}", text)
        text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
        text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
        return html.unescape(" ".join(text.split()))

    # ── errors ──

    async def _call(self, call: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await call()
        except SlackApiError as err:
            code = str(err.response.get("error", "")) if err.response is not None else ""
            if code in GONE_ERRORS:
                raise PlatformGone(f"Slack says {code}") from None
            if code in TOO_LARGE_ERRORS:
                raise FileTooLarge(f"Slack says {code}") from None
            if code == "ratelimited":
                raise PlatformError("Slack is rate limiting the bot; try again in a minute") from None
            raise PlatformError(f"Slack says {code or 'error'}") from None
        except (SlackRequestError, aiohttp.ClientError, TimeoutError) as err:
            raise PlatformError(f"could not reach Slack ({type(err).__name__})") from None

    def _message(self, raw: dict[str, Any], bot: str) -> Message:
        from datetime import UTC, datetime

        ts = raw.get("ts")
        when = datetime.fromtimestamp(float(ts), UTC) if ts else None
        return Message(
            author=str(raw.get("user", "user")),
            text=self.clean(str(raw.get("text", "")), bot),
            timestamp=when,
        )


def _is_human(raw: dict[str, Any], bot: str) -> bool:
    return not (
        raw.get("bot_id") or raw.get("subtype") in ("bot_message",) or (bot and raw.get("user") == bot)
    )
