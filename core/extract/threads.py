"""Raw input to messages: the CLI's JSON (ours, Slack- and Discord-export-like) or text lines.

Kept apart from the field rules so the bots, the CLI and the playground can parse a thread
without loading the extractor's patterns.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from cutroom.core.extract import vocabulary
from cutroom.core.models import Message
from cutroom.core.text import clean_inline

MAX_PARSED_MESSAGES = 5_000
_FIELD_LABEL_SET = vocabulary.words("field_labels")
_AUTHOR_LINE = re.compile(
    r"^\s*(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?\s?(?:[ap]\.?m\.?)?\)?\]?\s*[-–]?\s*)?@?"
    r"(?P<author>[^\W\d_][\w .'’-]{0,38}?)\s*(?:\(?\[?\d{1,2}:\d{2}\s?(?:[ap]\.?m\.?)?\]?\)?)?\s*:\s+(?P<text>.*)$",
    re.I,
)
_IRC_LINE = re.compile(r"^\s*<(?P<author>[^\W\d_][\w .'-]{0,38})>\s+(?P<text>.*)$")


# ── parsing raw input ───────────────────────────────────────────────────────────────────


def parse_thread(raw: str) -> list[Message]:
    """The CLI's input as messages: JSON (ours, Slack-export-like, Discord-export-like) or text lines.

    Text lines look like ``alice: make a 30s ad``; a line without an author prefix continues
    the previous message, and text with no prefixes at all is one message from "user".
    """
    raw = raw.lstrip("\ufeff")
    stripped = raw.strip()
    if not stripped:
        return []
    if stripped[0] in "[{":
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            data = None
        if data is not None:
            messages = _messages_from_json(data)
            if messages is not None:
                return _in_time_order(messages)
    return _messages_from_lines(stripped)


def _messages_from_json(data: Any) -> list[Message] | None:
    if isinstance(data, dict):
        for key in ("messages", "thread", "replies", "items", "data"):
            if isinstance(data.get(key), list):
                return _messages_from_json(data[key])
        if any(k in data for k in ("text", "content", "message", "body")):
            data = [data]
        else:
            return None
    if not isinstance(data, list):
        return None
    messages: list[Message] = []
    for item in data[-MAX_PARSED_MESSAGES:]:
        if isinstance(item, str):
            messages.append(Message(text=item))
            continue
        if not isinstance(item, dict):
            continue
        if item.get("subtype") in ("channel_join", "channel_leave", "channel_topic", "channel_purpose"):
            continue
        text = next((item[k] for k in ("text", "content", "message", "body") if k in item), "")
        author = next(
            (
                item[k]
                for k in (
                    "author",
                    "user_profile",
                    "user_name",
                    "username",
                    "real_name",
                    "user",
                    "name",
                    "sender",
                    "from",
                )
                if item.get(k)
            ),
            "user",
        )
        if isinstance(author, dict):
            author = next(
                (
                    author[k]
                    for k in ("real_name", "display_name", "nickname", "name", "username", "id")
                    if author.get(k)
                ),
                "user",
            )
        if isinstance(text, list):  # Slack blocks or Discord embeds flattened to text
            text = " ".join(str(t.get("text", "")) if isinstance(t, dict) else str(t) for t in text)
        timestamp = _timestamp(
            next((item[k] for k in ("timestamp", "ts", "time", "date", "created_at") if k in item), None)
        )
        messages.append(
            Message(
                author=clean_inline(str(author), max_chars=60) or "user", text=str(text), timestamp=timestamp
            )
        )
    return messages


def _timestamp(value: Any) -> datetime | None:
    """ISO strings, Slack's "1700000000.000100" and epoch numbers; anything else is None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float) or (
            isinstance(value, str) and re.fullmatch(r"\d{9,11}(?:\.\d+)?", value)
        ):
            return datetime.fromtimestamp(float(value), tz=UTC)
        if isinstance(value, str):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _messages_from_lines(text: str) -> list[Message]:
    messages: list[Message] = []
    for line in text.split("\n"):
        match = _AUTHOR_LINE.match(line[:2000]) or _IRC_LINE.match(line[:2000])
        author = match.group("author").strip() if match else ""
        if match and _is_author(author):
            messages.append(Message(author=author, text=match.group("text")))
        elif messages:
            joined = f"{messages[-1].text}\n{line}" if line.strip() else messages[-1].text + "\n"
            messages[-1] = messages[-1].model_copy(update={"text": joined})
        elif line.strip():
            messages.append(Message(author="user", text=line))
    return [m.model_copy(update={"text": m.text.strip()}) for m in messages if m.text.strip()]


def _is_author(name: str) -> bool:
    lowered = name.lower().strip()
    if not lowered or lowered in _FIELD_LABEL_SET or len(lowered.split()) > 3:
        return False
    return not lowered.startswith(("http", "www", "make sure", "don't", "note", "p.s", "ps "))


def _in_time_order(messages: list[Message]) -> list[Message]:
    """Oldest first when every message has a time (Slack's API lists newest first)."""
    if messages and all(m.timestamp is not None for m in messages):
        return sorted(messages, key=sort_key)
    return messages


def sort_key(message: Message) -> float:
    stamp = message.timestamp
    assert stamp is not None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()
