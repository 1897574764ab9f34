"""Block Kit for the engine's neutral messages. Buttons mirror the reactions one for one.

Every interactive element's ``action_id`` starts with ``cutroom_`` and its ``value`` is the
engine's ``Button.id`` (approve, redo_all, cancel, scene:N, more:<variant>), so the action
listener needs no table of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cutroom.bots.messages import Button, StoryboardPost, VariantPost

ACTION_PREFIX = "cutroom_"
SECTION_LIMIT = 2900  # Slack refuses section text over 3000 characters

Block = dict[str, Any]


def storyboard_blocks(post: StoryboardPost) -> list[Block]:
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": post.title[:150] or "Storyboard", "emoji": True},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": post.summary}},
    ]
    if post.cast:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "\n".join(post.cast)[:2900]}]})
    for chunk in _chunks(post.shots):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": post.footer[:2900]}]})
    elements: list[Block] = [_button(b) for b in post.main_buttons if b.id != "cancel"]
    if post.scene_buttons:
        elements.append(
            {
                "type": "static_select",
                "action_id": f"{ACTION_PREFIX}scene",
                "placeholder": {"type": "plain_text", "text": "Redo a scene…", "emoji": True},
                "options": [
                    {
                        "text": {"type": "plain_text", "text": f"{b.emoji} {b.label}", "emoji": True},
                        "value": b.id,
                    }
                    for b in post.scene_buttons
                ],
            }
        )
    elements += [_button(b) for b in post.main_buttons if b.id == "cancel"]
    blocks.append({"type": "actions", "block_id": f"cutroom_sb_{post.version}", "elements": elements})
    return blocks


def variant_blocks(post: VariantPost) -> list[Block]:
    section: Block = {"type": "section", "text": {"type": "mrkdwn", "text": f"☝️ {post.summary}"}}
    if post.buttons:
        section["accessory"] = _button(post.buttons[0])
    if post.qc_table:  # the per-shot QC table as a preformatted block under the line
        table = post.qc_table[: SECTION_LIMIT - 8]
        return [section, {"type": "section", "text": {"type": "mrkdwn", "text": f"```{table}```"}}]
    return [section]


def text_blocks(text: str, buttons: Sequence[Button]) -> list[Block]:
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}]
    if buttons:
        blocks.append({"type": "actions", "elements": [_button(b) for b in buttons]})
    return blocks


def _button(button: Button) -> Block:
    element: Block = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{button.id.split(':', 1)[0]}",
        "text": {"type": "plain_text", "text": f"{button.emoji} {button.label}", "emoji": True},
        "value": button.id,
    }
    if button.style != "default":
        element["style"] = button.style
    return element


def _chunks(lines: Sequence[str]) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:SECTION_LIMIT]
        if current and len(current) + len(line) + 1 > SECTION_LIMIT:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks
