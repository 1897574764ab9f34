"""The engine's ``Platform`` port on Discord: engine actions become discord.py REST calls.

Where a session lives (``SessionKey``): ``channel`` is the text channel (what the allow-list
names) and ``thread`` the thread's id. A request made in a channel is keyed by its message id,
because Discord gives a thread started from a message that message's id: the thread is
created on the engine's first post (so a refused request opens no thread), and when the bot
may not create threads there, posts go to the channel as replies to that message instead.

Errors become the port's: a deleted thread or a channel the bot lost access to is
``PlatformGone``; anything else Discord refuses is ``PlatformError`` with a sentence. 429s
never reach here: discord.py's HTTP layer waits and retries them.
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import discord

from cutroom.bots.discord import render
from cutroom.bots.discord.video import shrink_to_fit_async
from cutroom.bots.events import Attachment
from cutroom.bots.messages import Button, StoryboardPost, VariantPost
from cutroom.bots.platform import FileTooLarge, PlatformError, PlatformGone, ThreadHistory
from cutroom.core.limits import MAX_LOGO_BYTES
from cutroom.core.models import Message
from cutroom.storage.state import SessionKey
from cutroom.storage.uploads import megabytes, read_capped

log = logging.getLogger(__name__)

PLATFORM = "discord"
THREAD_NAME_MAX = 100
# Discord JSON error codes that mean "you cannot post there any more".
_GONE_CODES = {10003, 10008, 50001, 50083}  # unknown channel/message, missing access, archived thread
_MISSING_PERMISSIONS = 50013
_THREAD_EXISTS = 160004
#: What the bot posts echoes people's words and file names: nobody is pinged by it.
NO_MENTIONS = discord.AllowedMentions.none()


def session_key(channel_id: int | str, thread_id: int | str) -> SessionKey:
    return SessionKey(platform=PLATFORM, channel=str(channel_id), thread=str(thread_id))


class DiscordPlatform:
    """``bots.platform.Platform`` over a discord.py client (any Client/AutoShardedClient)."""

    name = PLATFORM

    def __init__(
        self, client: discord.Client, *, upload_limit: int | None = None, work_dir: Path | None = None
    ) -> None:
        self.client = client
        self.upload_limit_override = upload_limit
        self.work_dir = work_dir or Path(tempfile.gettempdir()) / "cutroom-discord"
        self._thread_names: dict[str, str] = {}
        self._modes: dict[str, str] = {}  # session -> "thread" | "reply"
        self._gone: set[str] = set()

    # -- where to post --------------------------------------------------------------------
    def name_thread(self, key: SessionKey, name: str) -> None:
        """The name to give the thread when the first post creates it (from the brief)."""
        self._thread_names[key.as_str()] = name

    def forget_thread(self, thread_id: int) -> None:
        """A thread was deleted: stop posting there (no new thread is made in its place)."""
        self._gone.add(str(thread_id))

    async def _destination(
        self, key: SessionKey
    ) -> tuple[discord.abc.Messageable, discord.MessageReference | None]:
        """The thread to post in, creating it from the request message on first use."""
        if key.thread in self._gone:
            raise PlatformGone("The thread was deleted.")
        mode = self._modes.get(key.as_str())
        if mode is None:
            mode = await self._open_thread(key)
            self._modes[key.as_str()] = mode
        if mode == "reply":
            ref = discord.MessageReference(
                message_id=int(key.thread), channel_id=int(key.channel), fail_if_not_exists=False
            )
            return self._messageable(key.channel), ref
        return self._messageable(key.thread), None

    async def _open_thread(self, key: SessionKey) -> str:
        if key.thread == key.channel or self.client.get_channel(int(key.thread)) is not None:
            return "thread"  # already a thread (or a session kept in the channel itself)
        parent = self.client.get_channel(int(key.channel))
        if parent is None:
            return "thread"  # not in cache: the thread exists, or posting will say it is gone
        if not isinstance(parent, discord.TextChannel):
            return "reply"  # e.g. a voice channel's chat: no threads there
        name = render.clip(self._thread_names.get(key.as_str(), "🎬 Ad request"), THREAD_NAME_MAX)
        try:
            await parent.get_partial_message(int(key.thread)).create_thread(
                name=name, auto_archive_duration=1440
            )
            return "thread"
        except discord.Forbidden as err:
            if err.code in _GONE_CODES:
                raise PlatformGone("I can no longer see this channel.") from err
            log.info("no Create Public Threads permission in %s: answering in the channel", key.channel)
            return "reply"
        except discord.HTTPException as err:
            if err.code == _THREAD_EXISTS:
                return "thread"
            if err.code in _GONE_CODES:
                raise PlatformGone("The request message or channel is gone.") from err
            log.warning("could not open a thread in %s (%s): answering in the channel", key.channel, err)
            return "reply"

    def _messageable(self, channel_id: str) -> discord.abc.Messageable:
        channel = self.client.get_channel(int(channel_id))
        if isinstance(channel, discord.abc.Messageable):
            return channel
        return self.client.get_partial_messageable(int(channel_id))

    def _guild(self, key: SessionKey) -> discord.Guild | None:
        channel = self.client.get_channel(int(key.channel))
        return getattr(channel, "guild", None)

    def upload_limit(self, key: SessionKey) -> int:
        """The guild's upload limit in bytes (boost tier), or the configured one when smaller."""
        guild = self._guild(key)
        limit = guild.filesize_limit if guild is not None else discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
        if self.upload_limit_override is not None:
            limit = min(limit, self.upload_limit_override)
        return limit

    def _can_attach(self, key: SessionKey) -> bool:
        channel = self.client.get_channel(int(key.thread)) or self.client.get_channel(int(key.channel))
        guild = getattr(channel, "guild", None)
        if channel is None or guild is None or not hasattr(channel, "permissions_for"):
            return True  # unknown: try, and handle a 403
        return bool(channel.permissions_for(guild.me).attach_files)

    # -- the port -------------------------------------------------------------------------
    async def post_text(self, key: SessionKey, text: str, *, buttons: Sequence[Button] = ()) -> str:
        target, ref = await self._destination(key)
        view = render.button_view(buttons)
        kwargs: dict[str, Any] = {
            "content": render.clip(text, render.CONTENT_MAX),
            "reference": ref,
            "allowed_mentions": NO_MENTIONS,
        }
        if view is not None:
            kwargs["view"] = view
        message = await self._call(target.send(**kwargs))
        return str(message.id)

    async def post_image(self, key: SessionKey, post: StoryboardPost) -> str:
        target, ref = await self._destination(key)
        name = render.attachment_name(post.image_name)
        embed = render.storyboard_embed(post)
        view = render.button_view(post.buttons)
        kwargs: dict[str, Any] = {"embed": embed, "reference": ref, "allowed_mentions": NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        if self._can_attach(key):
            try:
                file = discord.File(io.BytesIO(post.image_png), filename=name, description="Storyboard sheet")
                message = await self._call(target.send(file=file, **kwargs))
                return str(message.id)
            except PlatformError as err:
                if not _is_missing_permissions(err):
                    raise
        # No Attach Files here: the shot list alone still lets people decide.
        embed.set_image(url=None)
        embed.add_field(
            name="Sheet",
            value="I can't attach images in this channel (Attach Files is off), "
            "so here is the shot list only.",
            inline=False,
        )
        message = await self._call(target.send(**kwargs))
        return str(message.id)

    async def post_file(self, key: SessionKey, post: VariantPost) -> str:
        """Upload the video; over the guild's limit, re-encode it smaller or post the link, and say which."""
        target, ref = await self._destination(key)
        limit = self.upload_limit(key)
        view = render.button_view(post.buttons)
        extra: dict[str, Any] = {"reference": ref, "allowed_mentions": NO_MENTIONS}
        if view is not None:
            extra["view"] = view
        size = post.video.stat().st_size if post.video.exists() else post.size_bytes
        video, note = post.video, None
        if not self._can_attach(key):
            return await self._post_link(
                target, post, extra, "I can't attach files in this channel (Attach Files is off)"
            )
        if size > limit:
            shrunk = await shrink_to_fit_async(post.video, limit, self.work_dir / post.variant_id)
            if shrunk is not None:
                video = shrunk.path
                note = (
                    f"Re-encoded from {megabytes(size)} to {megabytes(shrunk.size_bytes)} ({shrunk.height}p) to fit "
                    f"this server's {megabytes(limit)} upload limit."
                )
                if post.link:
                    note += " Full quality: the link below."
            else:
                return await self._post_link(
                    target,
                    post,
                    extra,
                    f"The video is {megabytes(size)}, over this server's {megabytes(limit)} upload limit",
                )
        content = render.clip(f"{post.link}" if note and post.link else "", render.CONTENT_MAX)
        try:
            file = discord.File(str(video), filename=render.attachment_name(post.file_name))
            message = await self._call(
                target.send(
                    content=content or None, file=file, embed=render.variant_embed(post, note), **extra
                )
            )
        except PlatformError as err:
            if _is_missing_permissions(err) or _is_too_large(err):
                return await self._post_link(target, post, extra, f"Discord refused the upload ({err})")
            raise
        return str(message.id)

    async def _post_link(
        self, target: discord.abc.Messageable, post: VariantPost, extra: dict[str, Any], why: str
    ) -> str:
        if not post.link:
            raise FileTooLarge(f"{why}, and there is no storage link to post instead.")
        note = f"{why}, so here is a download link instead."
        message = await self._call(
            target.send(
                content=render.clip(post.link, render.CONTENT_MAX),
                embed=render.variant_embed(post, note),
                **extra,
            )
        )
        return str(message.id)

    async def edit_message(self, key: SessionKey, message_id: str, text: str) -> None:
        target, _ = await self._destination(key)
        partial = _partial_message(target, int(message_id))
        await self._call(
            partial.edit(content=render.clip(text, render.CONTENT_MAX), view=None, allowed_mentions=NO_MENTIONS)
        )

    async def add_reactions(self, key: SessionKey, message_id: str, emojis: Sequence[str]) -> None:
        target, _ = await self._destination(key)
        partial = _partial_message(target, int(message_id))
        for emoji in emojis:
            try:
                await self._call(partial.add_reaction(emoji))
            except PlatformError as err:
                if not _is_missing_permissions(err):
                    raise
                log.info("no Add Reactions permission in %s: the buttons still work", key.as_str())
                return

    async def fetch_thread(self, key: SessionKey, *, limit: int) -> ThreadHistory:
        """The thread's human messages (and the message it was started from), oldest first."""
        if key.thread in self._gone:
            raise PlatformGone("The thread was deleted.")
        found: list[discord.Message] = []
        if self.client.get_channel(int(key.thread)) is not None or self._modes.get(key.as_str()) == "thread":
            try:
                async for msg in self._messageable(key.thread).history(limit=limit):  # type: ignore[attr-defined]
                    found.append(msg)
            except discord.NotFound as err:
                raise PlatformGone("The thread was deleted.") from err
            except discord.HTTPException as err:
                raise PlatformError(f"Discord would not let me read the thread ({err.status}).") from err
        truncated = len(found) >= limit
        starter = await self._starter(key) if not truncated else None
        me = self.client.user.id if self.client.user else 0
        messages = [_to_message(m, me) for m in reversed(found) if _is_human(m) and m.content.strip()]
        if starter is not None and _is_human(starter) and starter.content.strip():
            messages.insert(0, _to_message(starter, me))
        return ThreadHistory(messages=messages, truncated=truncated)

    async def _starter(self, key: SessionKey) -> discord.Message | None:
        # A thread started from a message has that message's id; the message lives in the parent.
        parent = self._messageable(key.channel)
        try:
            return await parent.fetch_message(int(key.thread))  # type: ignore[attr-defined, no-any-return]
        except (discord.HTTPException, ValueError):
            return None

    async def fetch_file(self, attachment: Attachment, *, limit: int = MAX_LOGO_BYTES) -> bytes:
        """An attachment's bytes, read with a hard cap (``storage.uploads``): no token goes with it."""
        if not attachment.url.startswith(("https://", "http://")):
            raise PlatformError(f"I couldn't download {attachment.name}: it has no download link.")
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
                session.get(attachment.url) as response,
            ):
                if response.status != 200:
                    raise PlatformError(f"I couldn't download {attachment.name} from Discord ({response.status}).")
                return await read_capped(
                    response.content.iter_chunked(64 * 1024), limit, declared=response.content_length
                )
        except aiohttp.ClientError as err:
            raise PlatformError(f"I couldn't download {attachment.name} ({type(err).__name__}).") from None

    # -- errors ---------------------------------------------------------------------------
    @staticmethod
    async def _call(coro: Any) -> Any:
        try:
            return await coro
        except discord.NotFound as err:
            if err.code in _GONE_CODES or err.code == 0:
                raise PlatformGone("The thread or channel is gone (deleted, or I was removed).") from err
            raise PlatformError(f"Discord could not find that ({err.text or err.status}).") from err
        except discord.Forbidden as err:
            if err.code in _GONE_CODES:
                raise PlatformGone("I can no longer see this channel.") from err
            raise PlatformError(
                f"Discord refused: {err.text or 'missing permissions'} ({err.code})."
            ) from err
        except discord.HTTPException as err:
            raise PlatformError(f"Discord refused: {err.text or err.status} ({err.code}).") from err


def _partial_message(target: discord.abc.Messageable, message_id: int) -> discord.PartialMessage:
    getter = getattr(target, "get_partial_message", None)
    if getter is None:  # pragma: no cover - every guild messageable has it
        raise PlatformError("This kind of channel cannot be edited.")
    return getter(message_id)  # type: ignore[no-any-return]


def _is_missing_permissions(err: BaseException) -> bool:
    cause = err.__cause__
    return isinstance(cause, discord.Forbidden) and cause.code in (_MISSING_PERMISSIONS, 0)


def _is_too_large(err: BaseException) -> bool:
    cause = err.__cause__
    return (
        isinstance(cause, discord.HTTPException)
        and cause.status == 413
        or (isinstance(cause, discord.HTTPException) and cause.code == 40005)
    )


def _is_human(message: discord.Message) -> bool:
    return not message.author.bot and message.type in (discord.MessageType.default, discord.MessageType.reply)


def _to_message(message: discord.Message, bot_id: int) -> Message:
    """A thread message as the engine reads it: the bot's own mention removed, other mentions as names."""
    text = re.sub(rf"<@!?{bot_id}>", "", message.content).strip()
    for user in message.mentions:
        text = re.sub(rf"<@!?{user.id}>", f"@{user.display_name}", text)
    return Message(author=message.author.display_name, text=text, timestamp=message.created_at)
