"""What adapters tell the engine: platform events as plain pydantic values.

Every event carries ``event_id`` (the platform's delivery id: Slack's ``event_id``, a
Discord interaction or message id), so a retried delivery is handled once, and
``workspace`` (Slack team, Discord guild), the scope of workspace rate limits and budgets.

    Mention          a mention or slash command: start a request (or change the current one)
    ThreadMessage    a message in a thread the engine follows (new or edited)
    MessageDeleted   a message in a followed thread was deleted
    ReactionAdded    an emoji added to any message (the engine ignores messages it did not post)
    ButtonPressed    a button of a message the engine posted (ids from ``bots.messages.Button``)
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from cutroom.core.models import Message
from cutroom.storage.state import SessionKey


class Actor(BaseModel):
    """Who did it. ``groups`` are the user groups or roles the adapter knows the user to be in."""

    id: str
    name: str = ""
    groups: list[str] = Field(default_factory=list)
    is_bot: bool = False


class Attachment(BaseModel):
    """A file pasted with a message (e.g. a logo). ``url`` is what ``Platform.fetch_file`` reads."""

    id: str
    name: str
    mimetype: str = ""
    size: int = 0
    url: str = ""


class _Event(BaseModel):
    event_id: str = Field(description="The platform's delivery id: the same id twice is handled once.")
    workspace: str = Field(default="", description="Slack team / Discord guild: scope of workspace limits.")
    actor: Actor


class Mention(_Event):
    """A mention of the bot or a slash command: read the thread at ``key`` and make a storyboard.

    ``history`` is the thread if the adapter already has it (a slash command's text); when
    None the engine reads it with ``Platform.fetch_thread``. ``text`` has the bot's own
    mention removed.
    """

    kind: Literal["mention"] = "mention"
    key: SessionKey
    message_id: str
    text: str = ""
    files: list[Attachment] = Field(default_factory=list)
    history: list[Message] | None = None
    via: Literal["mention", "command"] = "mention"


class ThreadMessage(_Event):
    """A human message in a thread (ignored unless the thread has a session)."""

    kind: Literal["thread_message"] = "thread_message"
    key: SessionKey
    message_id: str
    text: str = ""
    files: list[Attachment] = Field(default_factory=list)
    edited: bool = False


class MessageDeleted(_Event):
    kind: Literal["message_deleted"] = "message_deleted"
    key: SessionKey
    message_id: str


class ReactionAdded(_Event):
    """``emoji`` is Unicode (adapters map names such as Slack's ``white_check_mark`` to ✅)."""

    kind: Literal["reaction_added"] = "reaction_added"
    platform: str
    channel: str
    message_id: str
    emoji: str


class ButtonPressed(_Event):
    """``button`` is a ``Button.id`` the engine offered: approve, redo_all, cancel, scene:N, more:<variant>."""

    kind: Literal["button_pressed"] = "button_pressed"
    platform: str
    channel: str
    message_id: str
    button: str


Event = Mention | ThreadMessage | MessageDeleted | ReactionAdded | ButtonPressed
