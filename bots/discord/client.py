"""The Discord client: intents, sharding, the ``/ad`` command tree and persistent buttons.

Setup choices, and why:
- Intents: guilds, guild messages, guild reactions. Message content is privileged and
  optional: without it Discord still sends the text of messages that mention the bot, and
  ``/ad`` carries its brief in the command, so both ways in keep working; only follow-up
  messages in a thread that do not mention the bot are blank, and those are skipped.
- ``AutoShardedBot``: one process runs every shard Discord recommends (or the ``shard_ids``
  given), so growing past 2,500 servers is a setting, not a rewrite. ``reconnect=True``
  resumes after a dropped gateway connection with discord.py's backoff.
- Buttons are ``DynamicItem``s registered in ``setup_hook``: a press on a message posted
  before a restart reaches the new process.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from cutroom.bots.discord.platform import DiscordPlatform
from cutroom.bots.discord.render import EngineButton

log = logging.getLogger(__name__)


#: What the bot needs in a channel; the README's invite URL carries this integer (309237763136).
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
)


def invite_url(application_id: int) -> str:
    """The URL that adds the bot to a server with exactly the permissions above and ``/ad``."""
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")
    )


def build_intents(*, message_content: bool = False) -> discord.Intents:
    """The few intents Cutroom needs; ``message_content`` only if the application was granted it."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
    intents.dm_messages = True  # so a DM gets a polite "use me in a server" instead of silence
    intents.message_content = message_content
    return intents


class CutroomBot(commands.AutoShardedBot):
    """discord.py's sharded bot with Cutroom's cog; ``engine`` handles every event it translates."""

    def __init__(
        self,
        engine: Any = None,
        *,
        engine_factory: Callable[[DiscordPlatform], Awaitable[Any]] | None = None,
        message_content: bool = False,
        shard_count: int | None = None,
        shard_ids: list[int] | None = None,
        sync_commands: bool = True,
        dev_guild_id: int | None = None,
        upload_limit: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # no text commands; mentions go to the cog
            intents=build_intents(message_content=message_content),
            shard_count=shard_count,
            shard_ids=shard_ids,  # type: ignore[arg-type]  # None means "all of them", as documented
            help_command=None,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
            max_messages=500,
            **options,
        )
        self.engine = engine
        self.engine_factory = engine_factory
        self.message_content = message_content
        self.sync_commands = sync_commands
        self.dev_guild_id = dev_guild_id
        self.platform = DiscordPlatform(self, upload_limit=upload_limit)
        self._resumed = False

    async def setup_hook(self) -> None:
        """Runs once after login, before the gateway: persistent buttons, the cog, the command tree."""
        from cutroom.bots.discord.cog import Conversation

        if self.engine is None and self.engine_factory is not None:
            self.engine = await self.engine_factory(self.platform)
        self.add_dynamic_items(EngineButton)
        await self.add_cog(Conversation(self))
        if self.sync_commands:
            await self.sync_tree()

    async def sync_tree(self) -> None:
        """Publish ``/ad``: to one guild at once (development), or globally (may take an hour to show)."""
        try:
            if self.dev_guild_id:
                guild = discord.Object(id=self.dev_guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            else:
                await self.tree.sync()
        except discord.HTTPException as err:
            # The bot still answers mentions without the slash command.
            log.warning("could not publish /ad (%s); mentions still work", err)

    async def handle_button(self, interaction: discord.Interaction[Any], button_id: str) -> None:
        """Called by ``EngineButton`` presses; the cog translates them."""
        cog = self.get_cog("Conversation")
        if cog is not None:
            await cog.on_button(interaction, button_id)  # type: ignore[attr-defined]

    async def on_ready(self) -> None:
        """Once the guilds are cached: follow again the jobs a previous process left running."""
        log.info("connected as %s to %d server(s)", self.user, len(self.guilds))
        if self.application_id:
            log.info("invite link: %s", invite_url(self.application_id))
        if not self._resumed and self.engine is not None and hasattr(self.engine, "resume"):
            self._resumed = True
            try:
                await self.engine.resume()
            except Exception:
                log.exception("could not resume the jobs in progress")

    async def close(self) -> None:
        """Finish the events already acknowledged, stop following jobs (they keep running on the
        workers; the next process resumes them), then disconnect."""
        cog = self.get_cog("Conversation")
        if cog is not None:
            await cog.drain()  # type: ignore[attr-defined]
        if self.engine is not None and hasattr(self.engine, "close"):
            try:
                await self.engine.close()
            except Exception:
                log.exception("closing the engine failed")
        await super().close()

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Log and carry on: no event handler error stops the bot."""
        log.exception("error in %s", event_method)
