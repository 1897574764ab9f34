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
import urllib.parse
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

from cutroom.bots.events import Attachment
from cutroom.bots.messages import APPROVE, CANCEL, REDO, SHOT_KEYCAPS, Button, StoryboardPost, VariantPost
from cutroom.bots.platform import FileTooLarge, PlatformError, PlatformGone, ThreadHistory
from cutroom.bots.slack.blocks import storyboard_blocks, text_blocks, variant_blocks
from cutroom.core.limits import MAX_LOGO_BYTES
from cutroom.core.models import Message
from cutroom.storage.state import SessionKey
from cutroom.storage.uploads import read_capped

#: Slack's reaction names for the engine's emoji (and back).
EMOJI_NAMES: dict[str, str] = {
    "white_check_mark": APPROVE,
    "heavy_check_mark": APPROVE,
    "repeat": REDO,
    "x": CANCEL,
    **{
        name: SHOT_KEYCAPS[i]
        for i, name in enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))
    },
}
NAME_FOR_EMOJI: dict[str, str] = {APPROVE: "white_check_mark", REDO: "repeat", CANCEL: "x"} | {
    SHOT_KEYCAPS[i]: name
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
#: Slack's special mentions and channel links as Slack encodes them: <!here>, <!subteam^S1|@team>, <#C1|name>.
SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+\|)?@?([a-z0-9_.-]+)(?:\^[^|>]*)?(?:\|[^>]*)?>", re.IGNORECASE)
CHANNEL_LINK = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")
LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]+)>")
#: What Slack would read as markup if it reached a post unescaped: a mention, a ping, a link.
LIVE = re.compile(r"<([!@#][^<>]*)>")
#: Control characters (tab and newline kept) and the bidirectional overrides that disguise text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PAGE = 200
MAX_PAGES = 100  # a safety cap: 20,000 replies, read oldest first to reach the newest
SLACK_UPLOAD_LIMIT = 1024**3  # 1 GB
#: The only hosts (besides SLACK_API_URL's) the bot token is sent to when downloading a file.
FILE_HOSTS = frozenset({"files.slack.com"})
MAX_REDIRECTS = 3

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
        #: Users the bot itself names (``mention``): the only mentions a post may keep live.
        self._people: set[str] = set()

    async def bot_user(self) -> str:
        if self._bot_user is None:
            auth = await self._call(lambda: self.client.auth_test())
            self._bot_user = str(auth.get("user_id", ""))
        return self._bot_user

    # ── the port ──

    async def post_text(self, key: SessionKey, text: str, *, buttons: Sequence[Button] = ()) -> str:
        text = self.escape(text)
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
        # Titles go in plain_text fields (never parsed); everything in mrkdwn is escaped.
        post = post.model_copy(update={"title": plain(post.title)})
        fallback = self.escape(post.as_text())
        post = post.model_copy(
            update={
                "summary": self.escape(post.summary),
                "shots": [self.escape(line) for line in post.shots],
                "cast": [self.escape(line) for line in post.cast],
                "footer": self.escape(post.footer),
            }
        )
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
                text=fallback[:3000],
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
                title=plain(f"{post.title} — {post.summary}")[:250],
            )
        )
        post = post.model_copy(update={"summary": self.escape(post.summary)})
        response = await self._call(
            lambda: self.client.chat_postMessage(
                channel=key.channel, thread_ts=key.thread, text=post.summary, blocks=variant_blocks(post)
            )
        )
        return str(response["ts"])

    async def edit_message(self, key: SessionKey, message_id: str, text: str) -> None:
        await self._call(
            lambda: self.client.chat_update(channel=key.channel, ts=message_id, text=self.escape(text), blocks=[])
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

    async def fetch_file(self, attachment: Attachment, *, limit: int = MAX_LOGO_BYTES) -> bytes:
        """A file pasted in a thread, read with the bot token from Slack's own file host only.

        ``url_private`` comes from an event anyone in the thread can shape, so the token goes
        only to ``files.slack.com`` (and the ``SLACK_API_URL`` host, which tests point at a
        fake): a file naming any other host is looked up again by id with ``files.info``, and
        refused if Slack's answer names another host too. Redirects are followed by hand,
        without the token. The body is read with a hard cap (``storage.uploads``).
        """
        url = attachment.url if self._token_host(attachment.url) else await self._url_from_files_info(attachment)
        headers: dict[str, str] = {"Authorization": f"Bearer {self.client.token}"}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
                for _ in range(MAX_REDIRECTS + 1):
                    async with session.get(url, headers=headers, allow_redirects=False) as response:
                        if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                            url = urllib.parse.urljoin(str(response.url), response.headers["Location"])
                            if not url.startswith(("https://", "http://")):
                                raise PlatformError("Slack sent the download somewhere I can't follow")
                            headers = {}  # a redirect never carries the token, wherever it points
                            continue
                        if response.status != 200:
                            raise PlatformError(f"Slack answered {response.status}")
                        return await read_capped(
                            response.content.iter_chunked(64 * 1024), limit, declared=response.content_length
                        )
                raise PlatformError("the download was redirected too many times")
        except aiohttp.ClientError as err:
            raise PlatformError(f"the download failed: {type(err).__name__}") from None

    def _token_host(self, url: str) -> bool:
        """May the bot token go to ``url``? Slack's file host over https, or the API host itself."""
        try:
            parsed, api = urllib.parse.urlsplit(url), urllib.parse.urlsplit(str(self.client.base_url))
            if parsed.username or parsed.password:
                return False
            if (parsed.scheme, parsed.hostname, parsed.port) == (api.scheme, api.hostname, api.port):
                return True
            return parsed.scheme == "https" and parsed.hostname in FILE_HOSTS and parsed.port in (None, 443)
        except ValueError:  # a port that is not a number, and the like
            return False

    async def _url_from_files_info(self, attachment: Attachment) -> str:
        """The file's download link as Slack itself gives it (``files.info`` by id)."""
        if not re.fullmatch(r"F[A-Z0-9]{2,}", attachment.id):
            raise PlatformError("the file is not on Slack's file host")
        log.warning("file %s names a host other than Slack's; asking files.info instead", attachment.id)
        response = await self._call(partial(self.client.files_info, file=attachment.id))
        found = response.get("file") or {}
        url = str(found.get("url_private_download") or found.get("url_private") or "")
        if not self._token_host(url):
            raise PlatformError("the file is not on Slack's file host")
        return url

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
        """A new top-level message (the thread a /cutroom request lives in); ``text`` is escaped."""
        response = await self._call(lambda: self.client.chat_postMessage(channel=channel, text=self.escape(text)))
        return str(response["ts"])

    def mention(self, user: str) -> str:
        """``<@user>``: a mention the bot means to make, left live by ``escape``."""
        if re.fullmatch(r"[UW][A-Z0-9]+", user):
            self._people.add(user)
            return f"<@{user}>"
        return plain(user)

    def escape(self, text: str) -> str:
        """Text for a Slack message: control characters removed, ``& < >`` escaped as Slack asks,
        so nothing a person typed or named (a file called ``<!here> logo.png``) becomes a ping or
        a link. Only the mentions the bot made itself (``mention``) stay live."""
        escaped = plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return re.sub(
            r"&lt;@([UW][A-Z0-9]+)&gt;",
            lambda m: f"<@{m.group(1)}>" if m.group(1) in self._people else m.group(0),
            escaped,
        )

    def clean(self, text: str, bot: str) -> str:
        """Slack's escaped mrkdwn to plain text, without the bot's own mention.

        A link shows where it goes: ``<http://evil.example/login|shop.example>`` (a label that
        poses as another address) becomes the real address alone. Nothing that comes out reads
        as live Slack markup: a typed ``&lt;!channel&gt;`` stays words (``‹!channel›``).
        """
        text = text.replace(f"<@{bot}>", " ") if bot else text
        text = MENTION.sub(lambda m: f"@{m.group(1)}", text)
        text = LINK.sub(_link_text, text)
        text = re.sub(r"<(https?://[^>|\s]+)>", r"\1", text)
        text = CHANNEL_LINK.sub(lambda m: f"#{m.group(1)}", text)
        text = SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
        text = html.unescape(plain(" ".join(text.split())))
        return LIVE.sub(lambda m: f"‹{m.group(1)}›", text)

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


def plain(text: str) -> str:
    """``text`` without control characters or bidirectional overrides (newlines and tabs stay)."""
    return CONTROL.sub("", text)


def _link_text(match: re.Match[str]) -> str:
    """A labelled link as words: the label when it is the address itself, else where it really goes."""
    url, label = match.group(1), html.unescape(match.group(2)).strip()
    bare = re.sub(r"^https?://", "", url).rstrip("/").lower()
    shown = re.sub(r"^https?://", "", label).rstrip("/").lower()
    if shown == bare:
        return label
    if re.fullmatch(r"\S+\.\S+", label):
        return url  # a label that looks like an address but is not this one: show the real one only
    return f"{label} ({url})"


def _is_human(raw: dict[str, Any], bot: str) -> bool:
    return not (
        raw.get("bot_id") or raw.get("subtype") in ("bot_message",) or (bot and raw.get("user") == bot)
    )
