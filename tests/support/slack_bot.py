"""The real Slack bot (bolt AsyncApp over aiohttp, the engine, a real Redis and job queue) for tests.

``start_bot`` builds it exactly as ``cutroom slack`` does (``bots.slack.app.build``) against a
``FakeSlack`` and serves ``POST /slack/events`` on a free loopback port; ``Bot`` sends signed
requests the way Slack does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from cutroom.bots.engine import Engine, EngineConfig
from cutroom.bots.slack.app import build, http_app
from cutroom.settings import Settings
from tests.support.fake_slack import (
    SIGNING_SECRET,
    TOKEN,
    FakeSlack,
    action_body,
    command_body,
    event_body,
    signed_headers,
)
from tests.support.redis_server import free_port


def bot_settings(fake: FakeSlack, redis_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.base_url,
        "slack_mode": "http",
        "redis_url": redis_url,
        "data_dir": data_dir,
        "approvers": [],
        "allowed_channels": [],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Bot:
    fake: FakeSlack
    engine: Engine
    runner: web.AppRunner
    port: int
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def send(
        self, body: str, *, form: bool = False, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        all_headers = {
            "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
            **signed_headers(body),
            **(headers or {}),
        }
        async with self.session.post(self.url, data=body.encode(), headers=all_headers) as response:
            return response.status, await response.text()

    async def event(self, event: dict[str, Any], *, event_id: str, retry: int | None = None) -> int:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        status, _ = await self.send(event_body(event, event_id=event_id), headers=headers)
        return status

    async def mention(
        self, channel: str, thread_ts: str | None, text: str, *, user: str = "U1", event_id: str, **extra: Any
    ) -> tuple[str, int]:
        """A person mentions the bot (the message is added to the fake's thread first, as Slack would)."""
        ts = self.fake.add_message(channel, f"<@UBOT> {text}", user=user, thread_ts=thread_ts, **extra)
        event = {
            "type": "app_mention",
            "user": user,
            "text": f"<@UBOT> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            **extra,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return ts, await self.event(event, event_id=event_id)

    async def reply(self, channel: str, thread_ts: str, text: str, *, user: str = "U1", event_id: str) -> int:
        ts = self.fake.add_message(channel, text, user=user, thread_ts=thread_ts)
        event = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "channel": channel,
            "channel_type": "channel",
            "event_ts": ts,
        }
        return await self.event(event, event_id=event_id)

    async def react(self, channel: str, ts: str, name: str, *, user: str = "U1", event_id: str) -> int:
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": name,
            "item_user": "UBOT",
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": self.fake.next_ts(),
        }
        return await self.event(event, event_id=event_id)

    async def press(
        self, channel: str, ts: str, value: str, *, user: str = "U1", select: bool = False
    ) -> int:
        action_id = "cutroom_scene" if select else f"cutroom_{value.split(':', 1)[0]}"
        body = action_body(
            value, user=user, channel=channel, message_ts=ts, action_id=action_id, select=select
        )
        status, _ = await self.send(body, form=True)
        return status

    async def command(self, text: str, *, channel: str, user: str = "U1") -> tuple[int, str]:
        body = command_body(text, user=user, channel=channel, response_url=f"{self.fake.url}/respond/hook1")
        return await self.send(body, form=True)

    async def stop(self) -> None:
        """Stop the bot process-like: listeners, followers and connections (jobs keep running)."""
        await self.runner.cleanup()
        await self.engine.close()
        await self.engine.queue.close()
        await self.engine.redis.aclose()
        await self.session.close()


async def start_bot(settings: Settings, fake: FakeSlack, *, config: EngineConfig | None = None) -> Bot:
    app, engine, _platform = await build(settings, config=config)
    await engine.resume()
    runner = web.AppRunner(http_app(app), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return Bot(fake=fake, engine=engine, runner=runner, port=port, session=aiohttp.ClientSession())


def storyboard_posts(fake: FakeSlack, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    """The bot's storyboard messages in the thread (those with the approve/redo actions block)."""
    return [
        m
        for m in fake.bot_posts(channel, thread_ts)
        if any(str(b.get("block_id", "")).startswith("cutroom_sb_") for b in m.get("blocks") or [])
    ]


def variant_posts(fake: FakeSlack, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.bot_posts(channel, thread_ts)
        if any((b.get("accessory") or {}).get("action_id") == "cutroom_more" for b in m.get("blocks") or [])
    ]


def texts(fake: FakeSlack, channel: str, thread_ts: str) -> list[str]:
    return [str(m.get("text", "")) for m in fake.bot_posts(channel, thread_ts)]


def dump(fake: FakeSlack) -> str:
    return json.dumps([(c.method, c.response.get("error")) for c in fake.calls])
