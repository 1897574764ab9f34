"""Cutroom on Discord: discord.py events to engine events, engine actions to REST calls.

client.py    intents, sharding, setup_hook (persistent buttons, the cog, /ad)
cog.py       /ad, mentions, thread messages, reactions, button presses -> bots.events
platform.py  the engine's Platform port: posts, edits, reactions, uploads, thread history
render.py    StoryboardPost / VariantPost as embeds and persistent button views
video.py     fit a video under the guild's upload limit (re-encode) or give up for a link
"""

from __future__ import annotations

from cutroom.bots.discord.client import INVITE_PERMISSIONS, CutroomBot, build_intents, invite_url
from cutroom.bots.discord.platform import DiscordPlatform, session_key

__all__ = [
    "INVITE_PERMISSIONS",
    "CutroomBot",
    "DiscordPlatform",
    "build_intents",
    "invite_url",
    "session_key",
]
