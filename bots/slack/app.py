"""The Slack bot: a slack-bolt ``AsyncApp`` whose listeners only translate, then call the engine.

    create_app(settings)           the AsyncApp (signing secret, Web API client at SLACK_API_URL)
    register(app, engine, platform)  every listener kind below, plus the one error handler
    serve(settings)                build it all and run Socket Mode (development) or HTTP
                                   (``POST /slack/events``, production) per SLACK_MODE

Bolt acks events before the listeners run (``process_before_response=False``), and commands
and actions call ``ack()`` first, so Slack always gets its answer within 3 s; the work goes to
the job queue. Slack's retries (``X-Slack-Retry-Num``) carry the same ``event_id`` and the
engine handles each id once. Tokens are read from settings and redacted from every log line.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from cutroom.bots.engine import Engine, EngineConfig, build_engine, explain_error
from cutroom.bots.events import (
    Actor,
    Attachment,
    ButtonPressed,
    Mention,
    MessageDeleted,
    ReactionAdded,
    ThreadMessage,
)
from cutroom.bots.messages import CHANNEL_OFF
from cutroom.bots.platform import PlatformError
from cutroom.bots.slack.blocks import ACTION_PREFIX
from cutroom.bots.slack.platform import SlackPlatform, emoji_from_name, web_client
from cutroom.core.models import Message
from cutroom.storage.state import SessionKey

log = logging.getLogger(__name__)

TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")
HELP = (
    "Tell me about the ad, e.g. `/cutroom a 15 s ad for Glow serum for busy parents, playful, use #1a73e8`. "
    "Or mention me in a thread where you discussed the campaign."
)


class RedactTokens(logging.Filter):
    """Slack tokens never reach a log line, whoever logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN.search(message):
            record.msg = TOKEN.sub(lambda m: f"{m.group(1)}-***", message)
            record.args = ()
        return True


def install_redaction() -> None:
    for name in ("", "slack_bolt", "slack_sdk", "bots", "aiohttp.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())


def create_app(settings: Any, *, client: AsyncWebClient | None = None) -> AsyncApp:
    """The bolt app. ``client`` defaults to one for SLACK_BOT_TOKEN at SLACK_API_URL."""
    install_redaction()
    if client is None:
        client = web_client(settings.require("slack_bot_token"), base_url=settings.slack_api_url)
    secret = _optional(settings, "slack_signing_secret")
    if settings.slack_mode == "http" and secret is None:
        settings.require("slack_signing_secret")  # says which variable to set
    return AsyncApp(
        client=client,
        signing_secret=secret,
        process_before_response=False,
        # Socket Mode needs no signature (the socket is authenticated); HTTP mode always checks it.
        request_verification_enabled=secret is not None,
    )


def register(
    app: AsyncApp, engine: Engine, platform: SlackPlatform, *, approver_groups: list[str] | None = None
) -> None:
    """Every listener kind, one function each (mentions, thread messages, reactions, command, actions, errors)."""
    bridge = _Bridge(engine, platform, approver_groups or [])
    register_mentions(app, bridge)
    register_messages(app, bridge)
    register_reactions(app, bridge)
    register_command(app, bridge)
    register_actions(app, bridge)
    register_errors(app)


class _Bridge:
    """What the listeners share: the engine, the platform and how to describe a Slack user."""

    def __init__(self, engine: Engine, platform: SlackPlatform, approver_groups: list[str]) -> None:
        self.engine = engine
        self.platform = platform
        self.approver_groups = [g for g in approver_groups if g.startswith("S")]

    async def actor(self, user: str) -> Actor:
        groups = await self.platform.groups_of(user, self.approver_groups) if self.approver_groups else []
        return Actor(id=user, name=self.platform.mention(user), groups=groups)


def _files(event: dict[str, Any]) -> list[Attachment]:
    return [
        Attachment(
            id=str(f.get("id", "")),
            name=str(f.get("name") or f.get("title") or "file"),
            mimetype=str(f.get("mimetype", "")),
            size=int(f.get("size") or 0),
            url=str(f.get("url_private", "")),
        )
        for f in event.get("files") or []
    ]


def register_mentions(app: AsyncApp, bridge: _Bridge) -> None:
    @app.event("app_mention")
    async def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        bot = await bridge.platform.bot_user()
        key = SessionKey(
            platform="slack", channel=event["channel"], thread=event.get("thread_ts") or event["ts"]
        )
        await bridge.engine.handle(
            Mention(
                event_id=str(body.get("event_id") or event["ts"]),
                workspace=str(body.get("team_id", "")),
                actor=await bridge.actor(event.get("user", "")),
                key=key,
                message_id=event["ts"],
                text=bridge.platform.clean(event.get("text", ""), bot),
                files=_files(event),
            )
        )


def register_messages(app: AsyncApp, bridge: _Bridge) -> None:
    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        bot = await bridge.platform.bot_user()
        subtype = event.get("subtype")
        event_id = str(body.get("event_id") or event.get("event_ts") or event.get("ts"))
        workspace = str(body.get("team_id", ""))
        if subtype == "message_deleted":
            previous = event.get("previous_message") or {}
            thread = previous.get("thread_ts")
            if thread:
                await bridge.engine.handle(
                    MessageDeleted(
                        event_id=event_id,
                        workspace=workspace,
                        actor=Actor(id=str(previous.get("user", ""))),
                        key=SessionKey(platform="slack", channel=event["channel"], thread=thread),
                        message_id=str(event.get("deleted_ts") or previous.get("ts")),
                    )
                )
            return
        edited = subtype == "message_changed"
        message = event.get("message", {}) if edited else event
        if subtype not in (None, "file_share", "message_changed", "thread_broadcast"):
            return  # joins, topics, bot messages...
        if message.get("bot_id") or message.get("user") in (None, bot):
            return
        thread = message.get("thread_ts")
        if not thread:
            return  # channel chatter: only threads with a session matter
        text = str(message.get("text", ""))
        if bot and f"<@{bot}>" in text and not edited:
            return  # the app_mention listener has this one
        await bridge.engine.handle(
            ThreadMessage(
                event_id=event_id,
                workspace=workspace,
                actor=await bridge.actor(str(message["user"])),
                key=SessionKey(platform="slack", channel=event["channel"], thread=thread),
                message_id=str(message.get("ts")),
                text=bridge.platform.clean(text, bot),
                files=_files(message),
                edited=edited,
            )
        )


def register_reactions(app: AsyncApp, bridge: _Bridge) -> None:
    @app.event("reaction_added")
    async def on_reaction(body: dict[str, Any], event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        emoji = emoji_from_name(str(event.get("reaction", "")))
        if item.get("type") != "message" or emoji is None:
            return
        if event.get("user") == await bridge.platform.bot_user():
            return  # the bot's own reactions, added to offer the choices
        await bridge.engine.handle(
            ReactionAdded(
                event_id=str(body.get("event_id") or event.get("event_ts")),
                workspace=str(body.get("team_id", "")),
                actor=await bridge.actor(str(event.get("user", ""))),
                platform="slack",
                channel=str(item.get("channel")),
                message_id=str(item.get("ts")),
                emoji=emoji,
            )
        )

    @app.event("reaction_removed")
    async def on_reaction_removed() -> None:
        """Removing a reaction changes nothing (ack it so Slack does not retry)."""


def register_command(app: AsyncApp, bridge: _Bridge) -> None:
    @app.command("/cutroom")
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        text = bridge.platform.clean(str(command.get("text", "")), "").strip()
        if not text or text.lower() in ("help", "?"):
            await ack(text=HELP)
            return
        user, channel = str(command.get("user_id", "")), str(command.get("channel_id", ""))
        if not bridge.engine.policy.channel_allowed(channel):
            # Answered to the asker alone: nothing is posted in a channel Cutroom is not on for.
            await ack(text=CHANNEL_OFF)
            return
        await ack()
        trigger = str(command.get("trigger_id") or "")
        if trigger and not await bridge.engine.policy.first_time(f"slack:command-post:{trigger}"):
            # A replayed delivery of the same command: its thread was opened the first time.
            log.info("replayed /cutroom (trigger %s) ignored", trigger)
            return
        try:
            thread = await bridge.platform.post_channel(
                channel, f"🎬 {bridge.platform.mention(user)} asked for an ad: “{text[:2500]}”"
            )
        except PlatformError:
            await respond(
                text="I can't post in this channel yet. Invite me with `/invite @Cutroom` and try again.",
                response_type="ephemeral",
            )
            return
        await bridge.engine.handle(
            Mention(
                event_id=f"command:{command.get('trigger_id') or thread}",
                workspace=str(command.get("team_id", "")),
                actor=await bridge.actor(user),
                key=SessionKey(platform="slack", channel=channel, thread=thread),
                message_id=thread,
                text=text,
                history=[Message(author=user, text=text)],
                via="command",
            )
        )


def register_actions(app: AsyncApp, bridge: _Bridge) -> None:
    @app.action(re.compile(f"^{ACTION_PREFIX}"))
    async def on_action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        value = (action.get("selected_option") or {}).get("value") or action.get("value")
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        user = (body.get("user") or {}).get("id", "")
        if not value or not channel or not message_ts:
            return
        await bridge.engine.handle(
            ButtonPressed(
                event_id=f"action:{action.get('action_ts') or body.get('trigger_id')}:{user}",
                workspace=str((body.get("team") or {}).get("id", "")),
                actor=await bridge.actor(user),
                platform="slack",
                channel=str(channel),
                message_id=str(message_ts),
                button=str(value),
            )
        )


def register_errors(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        """The adapter's one place for errors: log the words (never the body, which may hold tokens)."""
        kind = body.get("type") or (body.get("event") or {}).get("type") or body.get("command") or "request"
        log.error("Slack %s failed: %s (%s)", kind, explain_error(error), type(error).__name__)


# ── running it ──────────────────────────────────────────────────────────────────────────


async def build(
    settings: Any, *, config: EngineConfig | None = None
) -> tuple[AsyncApp, Engine, SlackPlatform]:
    """App, engine and platform wired together from settings, listeners registered."""
    app = create_app(settings)
    platform = SlackPlatform(app.client)
    engine = await build_engine(settings, platform, config=config)
    register(app, engine, platform, approver_groups=list(settings.approvers))
    return app, engine, platform


def http_app(app: AsyncApp, *, path: str = "/slack/events") -> web.Application:
    """The aiohttp application: ``POST /slack/events`` (signed requests only) and ``GET /healthz``."""
    web_app = app.web_app(path=path)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", healthz)
    return web_app


def socket_handler(app: AsyncApp, settings: Any) -> AsyncSocketModeHandler:
    """Socket Mode: the app opens a websocket to Slack (no public URL); events arrive over it."""
    return AsyncSocketModeHandler(app, settings.require("slack_app_token"))


async def serve(settings: Any, *, host: str = "0.0.0.0", port: int = 3000) -> None:
    """Run the bot until cancelled: Socket Mode or HTTP per ``settings.slack_mode``."""
    app, engine, platform = await build(settings)
    resumed = await engine.resume()
    log.info("Slack bot starting in %s mode (resumed %d job(s))", settings.slack_mode, resumed)
    try:
        if settings.slack_mode == "socket":
            await socket_handler(app, settings).start_async()
        else:
            runner = web.AppRunner(http_app(app))
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
            log.info("listening on http://%s:%d/slack/events", host, port)
            try:
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()
    finally:
        await engine.close()


def _optional(settings: Any, name: str) -> str | None:
    try:
        return settings.require(name)
    except ValueError:
        return None
