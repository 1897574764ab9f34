"""Run a real discord.py client offline: a loopback fake of Discord's REST API and a gateway feeder.

    discord.py Client ──HTTP (its own HTTPClient, rate limiter, multipart)──▶ FakeDiscordAPI (records Calls)
    Gateway.feed(payload) ──▶ ConnectionState.parse_<event>(payload) ──▶ discord.py's own parsing and dispatch

Only the edges are fake: the REST API answers with JSON shaped as Discord's docs show (message,
channel, thread and interaction-callback objects) and the gateway payloads are the raw dicts Discord
sends. Everything between (models, views, the command tree, 429 retries, multipart uploads) is
discord.py's own code. ``Route.BASE`` is pointed at the fake for the test; the parse methods are
private, so discord.py is pinned (FINDINGS.md, "Testing the real clients offline").
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import discord
from aiohttp import web
from discord.http import Route

from tests.support.redis_server import free_port

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"
BOT_TOKEN = "MTAx.fake.discord-token-for-tests"

# Permission bits (https://discord.com/developers/docs/topics/permissions)
P_VIEW_CHANNEL = 1 << 10
P_SEND_MESSAGES = 1 << 11
P_EMBED_LINKS = 1 << 14
P_ATTACH_FILES = 1 << 15
P_READ_MESSAGE_HISTORY = 1 << 16
P_ADD_REACTIONS = 1 << 6
P_MANAGE_MESSAGES = 1 << 13
P_CREATE_PUBLIC_THREADS = 1 << 35
P_SEND_MESSAGES_IN_THREADS = 1 << 38
P_ALL_TEXT = (
    P_VIEW_CHANNEL
    | P_SEND_MESSAGES
    | P_EMBED_LINKS
    | P_ATTACH_FILES
    | P_READ_MESSAGE_HISTORY
    | P_ADD_REACTIONS
    | P_CREATE_PUBLIC_THREADS
    | P_SEND_MESSAGES_IN_THREADS
)

_snow_counter = itertools.count(1)


def snowflake() -> str:
    """A fresh, increasing Discord id (timestamp in the high bits, as Discord makes them)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_snow_counter) & 0x3FFFFF))


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def user_payload(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class Call:
    """One REST request as Discord received it."""

    method: str
    path: str  # without the /api/v10 prefix, e.g. /channels/123/messages
    route: str  # the template, e.g. "POST /channels/{channel_id}/messages"
    params: dict[str, str]
    json: Any
    files: list[UploadedFile]
    status: int = 200
    response: Any = None

    @property
    def body(self) -> dict[str, Any]:
        return self.json if isinstance(self.json, dict) else {}


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


# Route templates the fake answers, in match order: (method, template, handler name).
_ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/users/@me", "me"),
    ("GET", "/oauth2/applications/@me", "application"),
    ("GET", "/applications/@me", "application"),
    ("GET", "/gateway/bot", "gateway_bot"),
    ("GET", "/gateway", "gateway"),
    ("PUT", "/applications/{application_id}/commands", "sync_commands"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", "sync_commands"),
    ("GET", "/applications/{application_id}/commands", "empty_list"),
    ("POST", "/channels/{channel_id}/typing", "no_content"),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads", "thread_from_message"),
    ("POST", "/channels/{channel_id}/threads", "thread_without_message"),
    ("POST", "/channels/{channel_id}/messages", "create_message"),
    ("GET", "/channels/{channel_id}/messages/{message_id}", "get_message"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", "edit_message"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", "delete_message"),
    ("GET", "/channels/{channel_id}/messages", "history"),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "no_content"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", "no_content"),
    ("PUT", "/channels/{channel_id}/thread-members/@me", "no_content"),
    ("GET", "/channels/{channel_id}", "get_channel"),
    ("POST", "/interactions/{interaction_id}/{token}/callback", "interaction_callback"),
    ("GET", "/webhooks/{application_id}/{token}/messages/@original", "get_original"),
    ("PATCH", "/webhooks/{application_id}/{token}/messages/@original", "edit_original"),
    ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", "edit_followup"),
    ("POST", "/webhooks/{application_id}/{token}", "followup"),
]


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


_COMPILED = [(m, t, _compile(t), h) for m, t, h in _ROUTES]


class FakeDiscordAPI:
    """A loopback Discord REST API: keeps channels, messages and threads, records every Call."""

    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[Call] = []
        self.bot_user = user_payload(snowflake(), "cutroom", bot=True)
        self.application_id = snowflake()
        self.owner = user_payload(snowflake(), "owner")
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.interaction_messages: dict[str, str] = {}  # interaction token -> original response message id
        self.interaction_channels: dict[str, str] = {}  # interaction token -> channel id
        self._failures: list[_Failure] = []
        self.acknowledged: set[str] = set()
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        # Called with each thread object this API creates: the harness turns it into THREAD_CREATE.
        self.on_thread_created: Callable[[dict[str, Any]], None] | None = None

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    async def start(self) -> FakeDiscordAPI:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- test controls ------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        template: str,
        status: int,
        *,
        code: int = 0,
        message: str = "",
        times: int = 1,
        retry_after: float = 0.05,
    ) -> None:
        """Answer the next ``times`` requests matching (method, template) with an error Discord would send."""
        body: dict[str, Any] = {"code": code, "message": message or _STATUS_TEXT.get(status, "Error")}
        headers: dict[str, str] = {}
        if status == 429:
            # Via marks it as Discord's limiter (not a Cloudflare ban), which discord.py retries.
            body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
            headers = {"Via": "1.1 google", "Retry-After": str(retry_after), "X-RateLimit-Scope": "user"}
        self._failures.append(_Failure(method, _compile(template), status, body, headers, times))

    def calls_to(self, route: str) -> list[Call]:
        """Successful calls to one route template, e.g. ``"POST /channels/{channel_id}/messages"``."""
        return [c for c in self.calls if c.route == route and c.status < 300]

    def posts_in(self, channel_id: str | int, *, bot_only: bool = True) -> list[dict[str, Any]]:
        """Messages in a channel or thread, oldest first: the bot's (and its interaction answers) by default."""
        cid = str(channel_id)
        return [
            m
            for m in self.messages.values()
            if m["channel_id"] == cid and (not bot_only or m["author"]["id"] == self.bot_user["id"])
        ]

    async def wait_for(
        self, predicate: Callable[[], Any], *, timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        """Wait until ``predicate()`` is truthy (checked after every REST call); return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [c.route for c in self.calls][-30:]
                said = [m["content"][:200] for m in list(self.messages.values())[-6:]]
                raise AssertionError(f"timed out waiting for {what}; calls: {recent}; last messages: {said}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.25))

    def add_channel(self, channel: dict[str, Any]) -> None:
        self.channels[str(channel["id"])] = channel

    # -- message objects ----------------------------------------------------------------------
    def make_message(
        self,
        channel_id: str,
        body: dict[str, Any],
        files: list[UploadedFile],
        *,
        author: dict[str, Any] | None = None,
        message_id: str | None = None,
        interaction_type: int | None = None,
    ) -> dict[str, Any]:
        mid = message_id or snowflake()
        channel = self.channels.get(channel_id, {})
        attachments = []
        for index, f in enumerate(files):
            meta = next((a for a in body.get("attachments", []) if str(a.get("id")) == str(index)), {})
            att_id = snowflake()
            attachments.append(
                {
                    "id": att_id,
                    "filename": meta.get("filename", f.filename),
                    "size": len(f.data),
                    "url": f"https://cdn.discordapp.com/attachments/{channel_id}/{att_id}/{f.filename}",
                    "proxy_url": f"https://media.discordapp.net/attachments/{channel_id}/{att_id}/{f.filename}",
                    "content_type": f.content_type or "application/octet-stream",
                    **({"description": meta["description"]} if meta.get("description") else {}),
                }
            )
        message: dict[str, Any] = {
            "id": mid,
            "channel_id": channel_id,
            "author": author or self.bot_user,
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0 if interaction_type is None else 20,
            "flags": body.get("flags", 0) or 0,
            "components": body.get("components") or [],
        }
        if channel.get("guild_id"):
            message["guild_id"] = channel["guild_id"]
        if body.get("message_reference"):
            message["type"] = 19
            message["message_reference"] = body["message_reference"]
        self.messages[mid] = message
        return message

    # -- the handler --------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path
        path = unquote(path)
        body, files = await _read_body(request)
        route, params, handler = "UNKNOWN", {}, None
        for method, template, pattern, name in _COMPILED:
            match = pattern.match(path)
            if method == request.method and match:
                route, params, handler = f"{method} {template}", match.groupdict(), name
                break
        call = Call(request.method, path, route, params, body, files)
        self.calls.append(call)
        try:
            for failure in self._failures:
                if failure.times > 0 and failure.method == request.method and failure.pattern.match(path):
                    failure.times -= 1
                    call.status, call.response = failure.status, failure.body
                    return _json(failure.body, failure.status, failure.headers)
            if handler is None:
                call.status = 404
                call.response = {"code": 0, "message": "404: Not Found"}
                return _json(call.response, 404)
            status, payload = getattr(self, f"_h_{handler}")(params, call)
            call.status, call.response = status, payload
            if status == 204:
                return web.Response(status=204)
            return _json(payload, status, {"X-RateLimit-Bucket": handler})
        finally:
            self._changed.set()

    # -- route handlers: (params, call) -> (status, json) ----------------------------------------
    def _h_me(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        return 200, {**self.bot_user, "verified": True, "mfa_enabled": False, "flags": 0}

    def _h_application(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        return 200, {
            "id": self.application_id,
            "name": "Cutroom",
            "icon": None,
            "description": "Video ads",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner,
            "summary": "",
            "verify_key": "00" * 32,
            "team": None,
            "flags": 0,
            "bot": self.bot_user,
        }

    def _h_gateway_bot(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        return 200, {
            "url": "wss://gateway.invalid",
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
        }

    def _h_gateway(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        return 200, {"url": "wss://gateway.invalid"}

    def _h_sync_commands(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        commands = call.json if isinstance(call.json, list) else []
        return 200, [
            {
                **c,
                "id": snowflake(),
                "application_id": self.application_id,
                "version": snowflake(),
                "default_member_permissions": c.get("default_member_permissions"),
            }
            for c in commands
        ]

    def _h_empty_list(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        return 200, []

    def _h_no_content(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        return 204, None

    def _h_create_message(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        cid = params["channel_id"]
        if cid not in self.channels:
            return 404, {"code": 10003, "message": "Unknown Channel"}
        return 200, self.make_message(cid, call.body, call.files)

    def _h_get_message(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        message = self.messages.get(params["message_id"])
        if message is None:
            return 404, {"code": 10008, "message": "Unknown Message"}
        return 200, message

    def _h_edit_message(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        message = self.messages.get(params["message_id"])
        if message is None or params["channel_id"] not in self.channels:
            return 404, {"code": 10008, "message": "Unknown Message"}
        return 200, self._apply_edit(message, call)

    def _h_delete_message(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        self.messages.pop(params["message_id"], None)
        return 204, None

    def _h_history(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        return 200, list(reversed(self.posts_in(params["channel_id"], bot_only=False)))[:100]

    def _h_get_channel(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        channel = self.channels.get(params["channel_id"])
        if channel is None:
            return 404, {"code": 10003, "message": "Unknown Channel"}
        return 200, channel

    def _thread(self, parent: dict[str, Any], thread_id: str, name: str) -> dict[str, Any]:
        thread = {
            "id": thread_id,
            "guild_id": parent["guild_id"],
            "parent_id": parent["id"],
            "owner_id": self.bot_user["id"],
            "type": 11,
            "name": name[:100],
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso_now(),
                "locked": False,
            },
            "member": {
                "id": thread_id,
                "user_id": self.bot_user["id"],
                "join_timestamp": iso_now(),
                "flags": 0,
            },
        }
        self.channels[thread_id] = thread
        if self.on_thread_created is not None:
            self.on_thread_created(thread)
        return thread

    def _h_thread_from_message(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        parent = self.channels.get(params["channel_id"])
        if parent is None or params["message_id"] not in self.messages:
            return 404, {"code": 10008, "message": "Unknown Message"}
        if params["message_id"] in self.channels:
            return 400, {"code": 160004, "message": "A thread has already been created for this message"}
        # Discord gives a thread started from a message the message's id.
        return 201, self._thread(parent, params["message_id"], call.body.get("name", "thread"))

    def _h_thread_without_message(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        parent = self.channels.get(params["channel_id"])
        if parent is None:
            return 404, {"code": 10003, "message": "Unknown Channel"}
        return 201, self._thread(parent, snowflake(), call.body.get("name", "thread"))

    def _h_interaction_callback(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        if params["interaction_id"] in self.acknowledged:
            # Discord answers a second response to one interaction with 400 / 40060.
            return 400, {"code": 40060, "message": "Interaction has already been acknowledged."}
        self.acknowledged.add(params["interaction_id"])
        kind = int(call.body.get("type", 0))
        data = call.body.get("data") or {}
        token = params["token"]
        interaction = {
            "id": params["interaction_id"],
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
        }
        cid = self.interaction_channels.get(token, "")
        if kind in (4, 5):  # a message (or a "thinking..." placeholder) in the interaction's channel
            message = self.make_message(cid, data if kind == 4 else {}, call.files, interaction_type=2)
            self.interaction_messages[token] = message["id"]
            interaction["response_message_id"] = message["id"]
            return 200, {"interaction": interaction, "resource": {"type": kind, "message": message}}
        if kind == 7:  # update the message the component is on
            return 200, {"interaction": interaction, "resource": {"type": kind}}
        return 200, {"interaction": interaction}

    def _original(self, token: str) -> dict[str, Any] | None:
        mid = self.interaction_messages.get(token)
        return self.messages.get(mid) if mid else None

    def _h_get_original(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        message = self._original(params["token"])
        return (200, message) if message else (404, {"code": 10008, "message": "Unknown Message"})

    def _h_edit_original(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        message = self._original(params["token"])
        if message is None:
            return 404, {"code": 10008, "message": "Unknown Message"}
        return 200, self._apply_edit(message, call)

    def _h_edit_followup(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        message = self.messages.get(params["message_id"])
        if message is None:
            return 404, {"code": 10008, "message": "Unknown Message"}
        return 200, self._apply_edit(message, call)

    def _h_followup(self, params: dict[str, str], call: Call) -> tuple[int, Any]:
        cid = self.interaction_channels.get(params["token"], "")
        return 200, self.make_message(cid, call.body, call.files, interaction_type=2)

    def _apply_edit(self, message: dict[str, Any], call: Call) -> dict[str, Any]:
        body = call.body
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                message[key] = body[key]
        if "attachments" in body or call.files:
            kept = [
                a
                for a in message["attachments"]
                if any(str(b.get("id")) == a["id"] for b in body.get("attachments", []))
            ]
            fresh = self.make_message(message["channel_id"], body, call.files)["attachments"]
            message["attachments"] = kept + fresh
        message["edited_timestamp"] = iso_now()
        return message


def _json(payload: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py parses the body as JSON only for that content type.
    return web.Response(
        body=json.dumps(payload).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


_STATUS_TEXT = {400: "Bad Request", 403: "Missing Permissions", 404: "Unknown", 500: "Internal Server Error"}


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """JSON or multipart (``payload_json`` + ``files[n]``), as discord.py sends them."""
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        payload: Any = None
        files: list[UploadedFile] = []
        async for part in reader:
            if part is None:
                break
            data = await part.read(decode=False)  # type: ignore[union-attr]
            name = part.name or ""  # type: ignore[union-attr]
            if name == "payload_json":
                payload = json.loads(data)
            else:
                files.append(
                    UploadedFile(name, part.filename or name, part.headers.get("Content-Type"), bytes(data))
                )  # type: ignore[union-attr]
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode(errors="replace"), []


# -- the gateway side ---------------------------------------------------------------------------
@dataclass
class Member:
    user: dict[str, Any]
    roles: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.user["id"])

    def payload(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "roles": self.roles,
            "joined_at": iso_now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "communication_disabled_until": None,
        }


class Gateway:
    """A guild with a channel, roles and members, and the raw gateway events that happen in it.

    Each ``*_create``/``*_add`` builds the payload Discord sends and hands it to the client's
    ``ConnectionState`` parser, which builds the models and dispatches the events.
    """

    def __init__(self, api: FakeDiscordAPI, *, bot_permissions: int = P_ALL_TEXT) -> None:
        self.api = api
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.other_channel_id = snowflake()
        self.approver_role_id = snowflake()
        self.bot_role_id = snowflake()
        self.bot_permissions = bot_permissions
        self.alice = Member(user_payload(snowflake(), "alice"))
        self.bob = Member(user_payload(snowflake(), "bob"))
        self.carol = Member(user_payload(snowflake(), "carol"), roles=[self.approver_role_id])
        self.other_bot = Member(user_payload(snowflake(), "otherbot", bot=True))
        self.bot_member = Member(api.bot_user, roles=[self.bot_role_id])
        self.members = [self.alice, self.bob, self.carol, self.other_bot, self.bot_member]
        for cid, name in ((self.channel_id, "ads"), (self.other_channel_id, "random")):
            api.add_channel(self._text_channel(cid, name))
        self.clients: list[discord.Client] = []

    def _text_channel(self, cid: str, name: str) -> dict[str, Any]:
        return {
            "id": cid,
            "type": 0,
            "guild_id": self.guild_id,
            "name": name,
            "position": 0,
            "topic": None,
            "nsfw": False,
            "parent_id": None,
            "permission_overwrites": [],
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }

    def guild_payload(self) -> dict[str, Any]:
        roles = [
            {
                "id": self.guild_id,
                "name": "@everyone",
                "permissions": str(
                    P_VIEW_CHANNEL | P_SEND_MESSAGES | P_READ_MESSAGE_HISTORY | P_ADD_REACTIONS
                ),
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            },
            {
                "id": self.approver_role_id,
                "name": "Ad approvers",
                "permissions": "0",
                "position": 1,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": True,
                "flags": 0,
            },
            {
                "id": self.bot_role_id,
                "name": "Cutroom",
                "permissions": str(self.bot_permissions),
                "position": 2,
                "color": 0,
                "hoist": False,
                "managed": True,
                "mentionable": False,
                "flags": 0,
                "tags": {"bot_id": self.api.bot_user["id"]},
            },
        ]
        return {
            "id": self.guild_id,
            "name": "Acme Marketing",
            "icon": None,
            "owner_id": self.alice.id,
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "premium_tier": 0,
            "member_count": len(self.members),
            "large": False,
            "unavailable": False,
            "joined_at": iso_now(),
            "members": [m.payload() for m in self.members],
            "channels": [c for c in self.api.channels.values() if c.get("type") == 0],
            "threads": self.active_threads(),
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def active_threads(self) -> list[dict[str, Any]]:
        """Threads Discord lists in GUILD_CREATE: the guild's unarchived ones."""
        return [
            c
            for c in self.api.channels.values()
            if c.get("type") in (11, 12)
            and c.get("guild_id") == self.guild_id
            and not c["thread_metadata"]["archived"]
        ]

    async def connect(self, client: discord.Client) -> None:
        """READY then GUILD_CREATE, as after an IDENTIFY; returns once discord.py dispatched ``ready``."""
        state = client._connection
        ready = asyncio.Event()
        client.add_listener(_set_on_ready(ready), "on_ready")
        state.guild_ready_timeout = 0.05
        if isinstance(client, discord.AutoShardedClient):
            # What launch_shards does before the shards IDENTIFY: one shard, id 0.
            client.shard_count = state.shard_count = 1
            state.shard_ids = [0]
        state.parse_ready(
            {
                "v": 10,
                "user": {**self.api.bot_user, "verified": True, "mfa_enabled": False, "flags": 0},
                "guilds": [{"id": self.guild_id, "unavailable": True}],
                "session_id": "s" + snowflake(),
                "resume_gateway_url": "wss://gateway.invalid",
                "shard": [0, 1],
                "application": {"id": self.api.application_id, "flags": 0},
                "private_channels": [],
                "relationships": [],
                "user_settings": {},
                "guild_join_requests": [],
            }
        )
        state.parse_guild_create(self.guild_payload())
        await asyncio.wait_for(ready.wait(), timeout=5)
        self.clients.append(client)
        self.api.on_thread_created = self._dispatch_thread_create

    def _dispatch_thread_create(self, thread: dict[str, Any]) -> None:
        # Discord tells every connected client about a new thread; do it right after the REST answer.
        loop = asyncio.get_running_loop()
        for client in self.clients:
            if not client.is_closed():
                loop.call_soon(client._connection.parse_thread_create, {**thread, "newly_created": True})

    def feed(self, client: discord.Client, event: str, payload: dict[str, Any]) -> None:
        """Deliver one raw gateway DISPATCH (``t`` = ``event``) the way DiscordWebSocket does."""
        client._connection.parsers[event](payload)

    # -- payload builders ------------------------------------------------------------------------
    def message(
        self,
        author: Member,
        content: str,
        *,
        channel_id: str | None = None,
        mentions_bot: bool = False,
        guild: bool = True,
        attachments: list[dict[str, Any]] | None = None,
        message_content_intent: bool = True,
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload. Without the message content intent Discord blanks ``content``
        (except for mentions of the bot and DMs), exactly as here."""
        mid = snowflake()
        cid = channel_id or self.channel_id
        if mentions_bot:
            content = f"<@{self.api.bot_user['id']}> {content}"
        if not message_content_intent and not mentions_bot and guild:
            content, attachments = "", []
        payload: dict[str, Any] = {
            "id": mid,
            "channel_id": cid,
            "author": author.user,
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [self.api.bot_user] if mentions_bot else [],
            "mention_roles": [],
            "attachments": attachments or [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        if guild:
            payload["guild_id"] = self.guild_id
            payload["member"] = {k: v for k, v in author.payload().items() if k != "user"}
        # What Discord stores, so the bot can fetch it back (thread history, replies).
        self.api.messages[mid] = {k: v for k, v in payload.items() if k != "member"}
        return payload

    def reaction(
        self, user: Member, message_id: str, emoji: str, *, channel_id: str | None = None
    ) -> dict[str, Any]:
        """A MESSAGE_REACTION_ADD payload (``type`` 0: a normal reaction, not a super reaction)."""
        return {
            "user_id": user.id,
            "channel_id": channel_id or self.channel_id,
            "message_id": message_id,
            "guild_id": self.guild_id,
            "member": user.payload(),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "burst_colors": [],
            "type": 0,
            "message_author_id": self.api.bot_user["id"],
        }

    def reaction_remove(
        self, user: Member, message_id: str, emoji: str, *, channel_id: str | None = None
    ) -> dict[str, Any]:
        """A MESSAGE_REACTION_REMOVE payload (no ``member``: Discord sends none on removes)."""
        return {
            "user_id": user.id,
            "channel_id": channel_id or self.channel_id,
            "message_id": message_id,
            "guild_id": self.guild_id,
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }

    def _interaction_base(
        self, kind: int, user: Member, channel_id: str, interaction_id: str | None
    ) -> dict[str, Any]:
        iid = interaction_id or snowflake()
        token = f"tok-{iid}"
        self.api.interaction_channels[token] = channel_id
        channel = self.api.channels.get(channel_id, {"id": channel_id, "type": 0})
        return {
            "id": iid,
            "application_id": self.api.application_id,
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": self.guild_id,
            "guild": {"id": self.guild_id, "locale": "en-US", "features": []},
            "channel_id": channel_id,
            "channel": channel,
            "member": {**user.payload(), "permissions": str(P_ALL_TEXT)},
            "app_permissions": str(self.bot_permissions),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    def slash(
        self,
        user: Member,
        name: str,
        options: dict[str, str],
        *,
        channel_id: str | None = None,
        interaction_id: str | None = None,
        command_id: str | None = None,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for a chat-input application command (type 2)."""
        payload = self._interaction_base(2, user, channel_id or self.channel_id, interaction_id)
        payload["data"] = {
            "id": command_id or snowflake(),
            "name": name,
            "type": 1,
            "guild_id": self.guild_id,
            "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()],
        }
        return payload

    def button(
        self,
        user: Member,
        custom_id: str,
        message: dict[str, Any],
        *,
        interaction_id: str | None = None,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE for a button press (type 3) on ``message`` (a message object the bot posted)."""
        payload = self._interaction_base(3, user, str(message["channel_id"]), interaction_id)
        payload["message"] = message
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        return payload

    def thread(self, owner: Member, name: str, *, parent_id: str | None = None) -> dict[str, Any]:
        """A THREAD_CREATE for a thread a person opened (the API learns about it too)."""
        parent = self.api.channels[parent_id or self.channel_id]
        tid = snowflake()
        thread = {
            "id": tid,
            "guild_id": self.guild_id,
            "parent_id": parent["id"],
            "owner_id": owner.id,
            "type": 11,
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "total_message_sent": 0,
            "newly_created": True,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso_now(),
                "locked": False,
            },
        }
        self.api.channels[tid] = {k: v for k, v in thread.items() if k != "newly_created"}
        return thread

    def thread_delete(self, thread_id: str) -> dict[str, Any]:
        """A THREAD_DELETE; the API forgets the thread and its messages, as Discord does."""
        thread = self.api.channels.pop(thread_id)
        for mid in [m for m, msg in self.api.messages.items() if msg["channel_id"] == thread_id]:
            self.api.messages.pop(mid)
        return {"id": thread_id, "guild_id": self.guild_id, "parent_id": thread["parent_id"], "type": 11}

    def dm(self, author: Member, content: str) -> dict[str, Any]:
        """A MESSAGE_CREATE in a DM channel (no guild_id); the API knows the DM channel."""
        dm_id = snowflake()
        self.api.add_channel({"id": dm_id, "type": 1, "recipients": [author.user], "last_message_id": None})
        return self.message(author, content, channel_id=dm_id, guild=False)


def _set_on_ready(event: asyncio.Event) -> Callable[[], Awaitable[None]]:
    async def on_ready() -> None:
        event.set()

    return on_ready


def patch_route_base(base: str) -> Iterator[None]:
    """Point discord.py's REST routes (bot and webhook/interaction) at ``base`` for a test."""
    old = Route.BASE
    Route.BASE = base  # type: ignore[misc]
    try:
        yield
    finally:
        Route.BASE = old  # type: ignore[misc]
