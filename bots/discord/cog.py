"""Discord events in, engine events out: the ``/ad`` command, mentions, thread messages,
reactions and button presses. No flow logic: who may approve, limits and what happens next
are the engine's.

    /ad brief:...       answer with the request (the thread's first message), then Mention
    @Cutroom ...        Mention (the thread is opened from the message on the first post)
    message in thread   ThreadMessage (blank without the message content intent: skipped)
    reaction            ReactionAdded (the engine ignores messages it did not post)
    button              defer at once (Discord wants an answer in 3 s), then ButtonPressed
    DM                  a polite note: Cutroom works in server channels
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from cutroom.bots.discord.platform import session_key
from cutroom.bots.discord.render import CONTENT_MAX, clip
from cutroom.bots.events import (
    Actor,
    Attachment,
    ButtonPressed,
    Event,
    Mention,
    MessageDeleted,
    ReactionAdded,
    ThreadMessage,
)
from cutroom.bots.messages import CHANNEL_OFF
from cutroom.core.models import Message

log = logging.getLogger(__name__)

#: Discord's own cap for a string option; a longer brief belongs in a thread with a mention.
BRIEF_MAX = 6000
DM_REPLY = (
    "Hi! I make video ads in server channels, not in DMs. In a channel where I'm a member, "
    "type `/ad` with your brief, or mention me with what you need."
)
EMPTY_BRIEF = "Tell me what the ad is for, e.g. `/ad brief: 20 s ad for our oat-milk latte, warm and cosy`."
_SEEN_MAX = 2048
#: Width of the wall-clock window that names a reaction add (see ``_reaction_event_id``).
REACTION_WINDOW_S = 10


def _reaction_window() -> int:
    """The current reaction window: wall-clock time, so two bot processes agree on it."""
    return int(time.time() // REACTION_WINDOW_S)


class Conversation(commands.Cog):
    """Translates Discord into ``bots.events`` and hands each to ``bot.engine.handle``."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        # Interactions and messages already handled by this process: a replayed gateway event
        # (RESUME) must not answer twice before the engine's own dedupe sees it.
        self._seen: OrderedDict[str, None] = OrderedDict()
        # (message, user, emoji) -> (window, reaction removes seen in that window).
        self._removed: OrderedDict[tuple[int, int, str], tuple[int, int]] = OrderedDict()
        self._inflight: set[asyncio.Task[Any]] = set()

    # -- helpers ---------------------------------------------------------------------------
    def _first_time(self, event_id: str) -> bool:
        if event_id in self._seen:
            return False
        self._seen[event_id] = None
        if len(self._seen) > _SEEN_MAX:
            self._seen.popitem(last=False)
        return True

    async def _handle(self, event: Event) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await self.bot.engine.handle(event)
        except Exception:
            log.exception("the engine failed on %s %s", event.kind, event.event_id)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def drain(self, timeout_s: float = 10.0) -> None:
        """Let events already acknowledged to Discord finish (a graceful shutdown loses none)."""
        pending = [t for t in self._inflight if not t.done() and t is not asyncio.current_task()]
        if pending:
            await asyncio.wait(pending, timeout=timeout_s)

    @staticmethod
    def _actor(user: discord.abc.User | discord.Member) -> Actor:
        roles = [str(r.id) for r in getattr(user, "roles", []) if not r.is_default()]
        return Actor(id=str(user.id), name=user.display_name, groups=roles, is_bot=user.bot)

    async def _session_channel(self, channel_id: int) -> str:
        """The text channel a session is keyed by: a thread's parent, else the channel itself."""
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:  # an archived thread is not cached
                channel = await self.bot.fetch_channel(channel_id)
            except discord.HTTPException:
                return str(channel_id)
        if isinstance(channel, discord.Thread):
            return str(channel.parent_id)
        return str(channel_id)

    def _strip_mention(self, text: str) -> str:
        me = self.bot.user.id if self.bot.user else 0
        return re.sub(rf"<@!?{me}>", "", text).strip()

    @staticmethod
    def _files(message: discord.Message) -> list[Attachment]:
        return [
            Attachment(id=str(a.id), name=a.filename, mimetype=a.content_type or "", size=a.size, url=a.url)
            for a in message.attachments
        ]

    # -- /ad --------------------------------------------------------------------------------
    @app_commands.command(
        name="ad", description="Make a video ad: storyboard first, then videos once approved."
    )
    @app_commands.describe(brief="What the ad is for: product, audience, tone, length, colours…")
    @app_commands.guild_only()
    async def ad(
        self, interaction: discord.Interaction[Any], brief: app_commands.Range[str, 1, BRIEF_MAX]
    ) -> None:
        if not self._first_time(f"interaction:{interaction.id}"):
            return
        text = brief.strip()
        if not text:
            await interaction.response.send_message(EMPTY_BRIEF, ephemeral=True)
            return
        channel = interaction.channel
        user = interaction.user
        where = channel.parent_id if isinstance(channel, discord.Thread) else interaction.channel_id
        policy = getattr(self.bot.engine, "policy", None)
        if policy is not None and not policy.channel_allowed(str(where or "")):
            # Told to the asker alone: no request message, no thread in a channel Cutroom is off in.
            await interaction.response.send_message(CHANNEL_OFF, ephemeral=True)
            return
        shown = clip(text, 1500)
        suffix = f"\n-# Full brief: {len(text):,} characters." if len(shown) < len(text) else ""
        quoted = "\n".join(f"> {line}" for line in shown.splitlines() or [""])
        content = clip(f"🎬 **Ad request** from {user.mention}\n{quoted}{suffix}", CONTENT_MAX)
        try:
            response = await interaction.response.send_message(
                content, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as err:  # already answered (a duplicate delivery) or the token expired
            log.info("could not answer /ad %s: %s", interaction.id, err)
            return
        message_id = getattr(response, "message_id", None)
        if message_id is None:
            message_id = (await interaction.original_response()).id
        if isinstance(channel, discord.Thread):
            key = session_key(channel.parent_id, channel.id)
        else:
            key = session_key(interaction.channel_id or 0, message_id)
            self.bot.platform.name_thread(key, f"🎬 {text.splitlines()[0]}")
        await self._handle(
            Mention(
                event_id=f"interaction:{interaction.id}",
                workspace=str(interaction.guild_id or ""),
                actor=self._actor(user),
                key=key,
                message_id=str(message_id),
                text=text,
                via="command",
                history=[Message(author=user.display_name, text=text)]
                if not isinstance(channel, discord.Thread)
                else None,
            )
        )

    # -- messages ---------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return  # other bots, webhooks and ourselves
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return  # joins, pins, "thread created" notices...
        if not self._first_time(f"message:{message.id}"):
            return
        if message.guild is None:
            with contextlib.suppress(discord.HTTPException):
                await message.channel.send(DM_REPLY)
            return
        channel = message.channel
        mentioned = self.bot.user is not None and self.bot.user.id in {u.id for u in message.mentions}
        workspace = str(message.guild.id)
        if mentioned and not _only_reply_ping(message, self.bot.user.id):
            text = self._strip_mention(message.content)
            if isinstance(channel, discord.Thread):
                key = session_key(channel.parent_id, channel.id)
                history = None  # the engine reads the whole thread
            else:
                key = session_key(channel.id, message.id)
                self.bot.platform.name_thread(key, f"🎬 {text.splitlines()[0] if text else 'Ad request'}")
                history = [
                    Message(author=message.author.display_name, text=text, timestamp=message.created_at)
                ]
            await self._handle(
                Mention(
                    event_id=f"message:{message.id}",
                    workspace=workspace,
                    actor=self._actor(message.author),
                    key=key,
                    message_id=str(message.id),
                    text=text,
                    files=self._files(message),
                    history=history,
                    via="mention",
                )
            )
            return
        if isinstance(channel, discord.Thread) and (message.content.strip() or message.attachments):
            await self._handle(
                ThreadMessage(
                    event_id=f"message:{message.id}",
                    workspace=workspace,
                    actor=self._actor(message.author),
                    key=session_key(channel.parent_id, channel.id),
                    message_id=str(message.id),
                    text=message.content,
                    files=self._files(message),
                )
            )

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """An edited message in a thread counts as what it now says (the engine decides if it matters)."""
        message = payload.message
        if message.guild is None or message.author.bot or not isinstance(message.channel, discord.Thread):
            return
        if not message.content.strip() or message.edited_at is None:
            return  # embeds unfurling, or blank without the message content intent
        event_id = f"edit:{message.id}:{message.edited_at.timestamp():.0f}"
        if not self._first_time(event_id):
            return
        await self._handle(
            ThreadMessage(
                event_id=event_id,
                workspace=str(message.guild.id),
                actor=self._actor(message.author),
                key=session_key(message.channel.parent_id, message.channel.id),
                message_id=str(message.id),
                text=self._strip_mention(message.content),
                files=self._files(message),
                edited=True,
            )
        )

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is None:
            return
        channel = self.bot.get_channel(payload.channel_id)
        if isinstance(channel, discord.Thread):
            key = session_key(channel.parent_id, channel.id)
        else:
            key = session_key(payload.channel_id, payload.message_id)  # the request message of a session
        await self._handle(
            MessageDeleted(
                event_id=f"delete:{payload.message_id}",
                workspace=str(payload.guild_id),
                actor=Actor(id="", name="someone"),
                key=key,
                message_id=str(payload.message_id),
            )
        )

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        self.bot.platform.forget_thread(payload.thread_id)

    # -- reactions and buttons ---------------------------------------------------------------
    def _reaction_event_id(self, payload: discord.RawReactionActionEvent) -> str:
        """An id for one reaction *add*: the same for a duplicated delivery of that add, new for
        the next add of the same emoji by the same person (after they removed it).

        MESSAGE_REACTION_ADD carries no id or timestamp of its own, and the gateway sequence
        number differs between two sessions (two bot processes during a deploy both receive the
        event) and is not on discord.py's raw event. So an add is named by (message, user, emoji),
        the wall-clock window it arrived in (``REACTION_WINDOW_S``: a re-add after a restart, or
        hours later, is new even if this process never saw the remove) and how many removes of
        that reaction this process saw in the window (a quick remove + re-add is new). A
        duplicated delivery has none of these changed, so the cog and the engine's 24-hour
        dedupe (``Policy.first_time``) drop it. It can slip through only when the two copies
        straddle a window boundary, and then the engine's own guards still apply (a ✅ while
        a render runs starts no second one).
        """
        window = _reaction_window()
        triple = (payload.message_id, payload.user_id, str(payload.emoji))
        seen_window, removes = self._removed.get(triple, (window, 0))
        generation = removes if seen_window == window else 0
        return f"reaction:{payload.message_id}:{payload.user_id}:{payload.emoji}:{window}.{generation}"

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """Counted (nothing else) so that adding the same emoji again is a new event."""
        if payload.guild_id is None:
            return
        window = _reaction_window()
        triple = (payload.message_id, payload.user_id, str(payload.emoji))
        seen_window, removes = self._removed.pop(triple, (window, 0))
        self._removed[triple] = (window, removes + 1 if seen_window == window else 1)
        if len(self._removed) > _SEEN_MAX:
            self._removed.popitem(last=False)

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None or (self.bot.user is not None and payload.user_id == self.bot.user.id):
            return
        member = payload.member
        if member is not None and member.bot:
            return
        emoji = str(payload.emoji)
        event_id = self._reaction_event_id(payload)
        if not self._first_time(event_id):
            return
        actor = self._actor(member) if member is not None else Actor(id=str(payload.user_id))
        await self._handle(
            ReactionAdded(
                event_id=event_id,
                workspace=str(payload.guild_id),
                actor=actor,
                platform="discord",
                channel=await self._session_channel(payload.channel_id),
                message_id=str(payload.message_id),
                emoji=emoji,
            )
        )

    async def on_button(self, interaction: discord.Interaction[Any], button_id: str) -> None:
        """A press on an engine button: acknowledge at once (no visible change), then tell the engine."""
        if not self._first_time(f"interaction:{interaction.id}"):
            return
        try:
            await interaction.response.defer()
        except discord.HTTPException as err:
            log.info("could not acknowledge button %s: %s", interaction.id, err)
            return
        if interaction.message is None or interaction.guild_id is None:
            return
        channel = interaction.channel
        session_channel = (
            str(channel.parent_id)
            if isinstance(channel, discord.Thread)
            else await self._session_channel(interaction.channel_id or 0)
        )
        await self._handle(
            ButtonPressed(
                event_id=f"interaction:{interaction.id}",
                workspace=str(interaction.guild_id),
                actor=self._actor(interaction.user),
                platform="discord",
                channel=session_channel,
                message_id=str(interaction.message.id),
                button=button_id,
            )
        )

    async def cog_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """One place where command errors become words; the bot carries on."""
        log.warning("/%s failed: %s", interaction.command.name if interaction.command else "?", error)
        text = "Something went wrong on my side; please try again in a minute."
        if isinstance(error, app_commands.NoPrivateMessage):
            text = DM_REPLY
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            pass


def _only_reply_ping(message: discord.Message, bot_id: int) -> bool:
    """A reply to one of our messages pings us without being a request: only a written mention counts."""
    return message.reference is not None and not re.search(rf"<@!?{bot_id}>", message.content)
