"""Engine messages as Discord embeds and persistent button views.

Buttons carry ``custom_id = "cutroom:<Button.id>"`` and are ``DynamicItem``s registered at
startup (``bot.add_dynamic_items``), so a press on a message posted before a restart still
reaches the engine: discord.py matches the id against the template, no per-message state.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from cutroom.bots.messages import Button, StoryboardPost, VariantPost

CUSTOM_ID_PREFIX = "cutroom:"
# Discord limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
FIELD_RESERVE = 200  # the "Sheet" note added when images cannot be attached
CONTENT_MAX = 2000
CUSTOM_ID_MAX = 100
BUTTONS_PER_ROW = 5
BRAND = discord.Colour(0xE8553E)

_STYLES = {
    "primary": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
    "default": discord.ButtonStyle.secondary,
}

#: What a press does: the bot that received it exposes ``handle_button(interaction, Button.id)``.
PressHandler = Callable[[discord.Interaction[Any], str], Awaitable[None]]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so Discord never rejects the post."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def custom_id(button_id: str) -> str:
    return clip(CUSTOM_ID_PREFIX + button_id, CUSTOM_ID_MAX)


class EngineButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"cutroom:(?P<button>[A-Za-z0-9_]+(?::[A-Za-z0-9_.:-]+)?)",
):
    """A button that mirrors a reaction; pressing it becomes ``ButtonPressed(button=...)``."""

    def __init__(
        self,
        button_id: str,
        *,
        label: str | None = None,
        emoji: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(custom_id=custom_id(button_id), label=label, emoji=emoji, style=style, row=row)
        )
        self.button_id = button_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> EngineButton:
        return cls(match["button"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler: PressHandler | None = getattr(interaction.client, "handle_button", None)
        if handler is not None:
            await handler(interaction, self.button_id)


def button_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """A persistent view (no timeout): main choices on the first row, scene redos below, five a row."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    main = [b for b in buttons if not b.id.startswith("scene:")]
    scenes = [b for b in buttons if b.id.startswith("scene:")]
    rows: list[list[Button]] = [main[i : i + BUTTONS_PER_ROW] for i in range(0, len(main), BUTTONS_PER_ROW)]
    rows += [scenes[i : i + BUTTONS_PER_ROW] for i in range(0, len(scenes), BUTTONS_PER_ROW)]
    for row, items in enumerate(rows[:5]):  # Discord allows five action rows
        for b in items:
            label = clip(b.label, 80)
            if b.id.startswith("scene:"):
                label = b.id.split(":", 1)[1]  # the keycap emoji says "redo"; the number says which
            view.add_item(EngineButton(b.id, label=label, emoji=b.emoji, style=_STYLES[b.style], row=row))
    return view


def storyboard_embed(post: StoryboardPost) -> discord.Embed:
    """Title, one line of facts, the shot list, the sheet as the embed image, how to answer below."""
    title = clip(post.title, EMBED_TITLE_MAX)
    footer = clip(post.footer, EMBED_FOOTER_MAX)
    # Discord also caps an embed's text at 6,000 characters in all: the shot list gives way first.
    room = min(EMBED_DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(title) - len(footer) - FIELD_RESERVE)
    shots = "\n".join(post.shots)
    description = clip(f"{post.summary}\n\n{shots}", room)
    embed = discord.Embed(title=title, description=description, colour=BRAND)
    embed.set_image(url=f"attachment://{attachment_name(post.image_name)}")
    embed.set_footer(text=footer)
    return embed


def variant_embed(post: VariantPost, note: str | None = None) -> discord.Embed:
    embed = discord.Embed(
        title=clip(post.title, EMBED_TITLE_MAX),
        description=clip(post.summary, EMBED_DESCRIPTION_MAX),
        colour=BRAND,
    )
    if post.qc_table:  # the per-shot QC table; the full one is in the variant's manifest
        rows = post.qc_table.split("\n\n", 1)[0]
        embed.add_field(name="QC per shot", value=f"```{clip(rows, 1024 - 6)}```", inline=False)
    if note:
        embed.set_footer(text=clip(note, EMBED_FOOTER_MAX))
    return embed


def attachment_name(name: str) -> str:
    """Discord only resolves ``attachment://`` for ASCII letters, digits, ``_ - .``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    return cleaned or "file"
