"""The port through which the engine acts on a chat platform; each adapter implements it.

Every method takes the session's ``SessionKey`` (platform, channel, thread) and returns or
accepts the platform's own message ids as strings. Adapters retry rate limits themselves
(Slack's 429 Retry-After, discord.py's buckets) and raise only the errors below, which the
engine turns into outcomes:

    PlatformError         anything else the platform refused; the engine logs it and goes on
     ├── PlatformGone     the bot can no longer post there (removed from the channel, thread
     │                    deleted): the engine stops posting for that session and keeps it
     └── FileTooLarge     an upload over the platform's limit: the engine posts a link instead
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

from cutroom.bots.events import Attachment
from cutroom.bots.messages import Button, StoryboardPost, VariantPost
from cutroom.core.errors import CutroomError
from cutroom.core.models import Message
from cutroom.storage.state import SessionKey


class PlatformError(CutroomError):
    """The platform refused a call; ``str(err)`` says what happened in words."""


class PlatformGone(PlatformError):
    """The bot cannot post in this channel or thread any more."""


class FileTooLarge(PlatformError):
    """The file is over the platform's upload limit."""


class ThreadHistory(BaseModel):
    """A thread's messages, oldest first. ``truncated``: only the most recent part was read."""

    messages: list[Message] = Field(default_factory=list)
    truncated: bool = False


@runtime_checkable
class Platform(Protocol):
    """What the engine needs from a chat platform. Implementations hold their own clients."""

    name: str

    async def post_text(self, key: SessionKey, text: str, *, buttons: Sequence[Button] = ()) -> str:
        """Post ``text`` in the thread; returns the message id."""
        ...

    async def post_image(self, key: SessionKey, post: StoryboardPost) -> str:
        """Post a storyboard (sheet image, shot list, buttons); returns the id reactions go on."""
        ...

    async def post_file(self, key: SessionKey, post: VariantPost) -> str:
        """Upload a video with its summary; raises FileTooLarge when over the limit."""
        ...

    async def edit_message(self, key: SessionKey, message_id: str, text: str) -> None:
        """Replace a message's text (the status line); buttons, if any, are removed."""
        ...

    async def add_reactions(self, key: SessionKey, message_id: str, emojis: Sequence[str]) -> None:
        """Add the bot's own reactions (Unicode emoji) so people can click them."""
        ...

    async def fetch_thread(self, key: SessionKey, *, limit: int) -> ThreadHistory:
        """The thread's human messages, oldest first, at most the ``limit`` most recent."""
        ...

    async def fetch_file(self, attachment: Attachment, *, limit: int) -> bytes:
        """The bytes of a file pasted in the thread (e.g. a logo), at most ``limit`` of them.

        Read as a stream cut at ``limit + 1`` bytes whatever size was claimed: over the limit
        raises ``storage.uploads.UploadRefused``; a failed download, ``PlatformError``.
        """
        ...
