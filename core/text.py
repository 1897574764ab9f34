"""Text from chat made safe to store, show and draw: one place for the rules.

Chat text arrives with control characters, bidi overrides, zero-width joiners, full-width
letters and Slack markup. Everything user-typed that ends up in a field (a brand name, a
call to action, a note) passes through here, so a name can never smuggle a newline into a
prompt, flip the direction of a Slack message, or run past the width of an end card.
"""

from __future__ import annotations

import re
import unicodedata

# Control (Cc), format (Cf: bidi overrides, zero-width), surrogate, private-use and unassigned
# characters. Newlines and tabs are handled separately so block text keeps its lines.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_KEEP_IN_BLOCKS = frozenset("\n\t")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_EDGE_JUNK = " \t\n`,;:–—-·•*_~|/\\→⇒›»>"
_QUOTES = "\"'“”‘’«»"

# Slack and Discord markup: <https://x.com|label>, <@U123>, <#C123|general>, :emoji_code:
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]{1,2000})(?:\|([^>]{0,300}))?>")
_SLACK_CHANNEL = re.compile(r"<#[A-Z0-9]{2,20}(?:\|([^>]{0,80}))?>")
_USER_MENTION = re.compile(r"<@!?&?[A-Za-z0-9]{2,30}>|<![a-z]+(?:\^[A-Za-z0-9]+)?(?:\|[^>]{0,40})?>")
_DISCORD_EMOJI = re.compile(r"<a?:[A-Za-z0-9_~]{1,40}:\d{5,25}>")
_DISCORD_CHANNEL = re.compile(r"<#\d{5,25}>")
_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_EMOJI_CODE = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+-]{1,40}:(?![\w:])")
_MD_MARKS = re.compile(r"(?<!\w)[*_~]+|[*_~]+(?!\w)|`+")


def _drop_invisible(text: str, keep: frozenset[str]) -> str:
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)


def clean_block(text: str, *, max_chars: int | None = None) -> str:
    """Normalise a message body: NFKC, no control or invisible characters, lines kept."""
    if max_chars is not None:
        # Cut before normalising so a huge input costs no more than ``max_chars`` work;
        # NFKC can lengthen text, so cut again after.
        text = text[: max_chars * 2]
    text = _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFKC", text)
    text = _drop_invisible(text, _KEEP_IN_BLOCKS)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    if max_chars is not None:
        text = text[:max_chars]
    return text


def clean_inline(text: str, *, max_chars: int = 80) -> str:
    """One line fit for a field (name, CTA, character): NFKC, no controls, capped at a word."""
    text = unicodedata.normalize("NFKC", _ANSI.sub("", text[: max_chars * 4]))
    text = _drop_invisible(text.replace("\n", " ").replace("\t", " "), frozenset())
    text = _strip_quotes(_SPACES.sub(" ", text).strip(_EDGE_JUNK)).rstrip(".!?")
    return _strip_quotes(cap_words(text, max_chars).strip(_EDGE_JUNK))


def _strip_quotes(text: str) -> str:
    """Quotes around the whole value go; a quote that belongs to the text ("'T&Cs apply' line") stays."""
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    if text[:1] in _QUOTES and not any(ch in _QUOTES for ch in text[1:]):
        text = text[1:]
    if text[-1:] in _QUOTES and not any(ch in _QUOTES for ch in text[:-1]):
        text = text[:-1]
    return text.strip(_EDGE_JUNK)


def cap_words(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` at a word boundary where one is near."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut


def strip_chat_markup(text: str) -> str:
    """Slack/Discord link, mention and emoji-code markup turned into plain words."""
    text = _SLACK_LINK.sub(lambda m: m.group(1), text)
    text = _SLACK_CHANNEL.sub(lambda m: f"#{m.group(1)}" if m.group(1) else "", text)
    text = _USER_MENTION.sub("", text)
    text = _DISCORD_EMOJI.sub(" ", text)
    text = _DISCORD_CHANNEL.sub("", text)
    text = _EMOJI_CODE.sub(" ", text)
    return _MD_MARKS.sub("", text)


def has_letters(text: str) -> bool:
    """True when ``text`` holds at least one letter of any script (not only emoji/symbols)."""
    return any(ch.isalpha() for ch in text)


__all__ = ["cap_words", "clean_block", "clean_inline", "has_letters", "strip_chat_markup"]


def word_count(text: str) -> int:
    """Words as a reader counts them (whitespace-separated): what fits a line of voice-over."""
    return len(text.split())
