"""A loopback fake of Slack's Web API, plus signed-request helpers for driving a bolt app over HTTP.

``FakeSlack`` answers the methods the bot calls with payloads shaped as Slack's docs show
(auth.test, chat.postMessage, chat.update, reactions.add, conversations.replies,
files.getUploadURLExternal + the upload URL + files.completeUploadExternal, users.info,
usergroups.users.list) and records every call. It keeps channels and threads, so
conversations.replies returns what people and the bot posted. Faults on demand:

    fake.fail_next("chat.postMessage", "channel_not_found")   # {"ok": false, "error": ...}
    fake.rate_limit_next("chat.postMessage", retry_after=1)   # HTTP 429 + Retry-After
    fake.remove_bot_from("C1")                                  # every post there: not_in_channel

``signed_request`` builds a request Slack would send (``X-Slack-Signature`` made with
``slack_sdk.signature.SignatureVerifier``), so tests exercise bolt's real verification.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.support.redis_server import free_port

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"
TOKEN = "xoxb-test-0000-fake-token"
APP_TOKEN = "xapp-1-A0001-0000-fake-app-token"
SIGNING_SECRET = "test-signing-secret-8f3a"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Upload:
    file_id: str
    filename: str
    data: bytes
    channel: str | None = None
    thread_ts: str | None = None
    title: str | None = None
    initial_comment: str | None = None


class FakeSlack:
    """The Web API at ``self.base_url`` (``http://127.0.0.1:PORT/api/``)."""

    def __init__(self, *, token: str = TOKEN) -> None:
        self.token = token
        self.port = free_port()
        self.calls: list[Call] = []
        self.uploads: list[Upload] = []
        self.pending_uploads: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, bytes] = {}
        #: File id -> the ``file`` object files.info answers with (``url_private`` etc.).
        self.file_info: dict[str, dict[str, Any]] = {}
        #: File name -> where its download redirects (a CDN, or a hostile host).
        self.file_redirects: dict[str, str] = {}
        #: Method -> seconds to wait before answering (Slack's pace on a long thread).
        self.delays: dict[str, float] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.removed: set[str] = set()
        self.max_upload_bytes = 1024**3
        #: Some Slack answers repeat the thread's parent at the top of every conversations.replies
        #: page; set this to serve pages that way.
        self.replies_repeat_parent = False
        self._faults: list[tuple[str, Callable[[], web.Response]]] = []
        self._clock = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ── lifecycle ──

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=1024**3)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_post("/respond/{hook}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ── what tests set up ──

    def next_ts(self) -> str:
        n = next(self._clock)
        return f"{1700000000 + n}.{n:06d}"

    def add_message(
        self, channel: str, text: str, *, user: str = "U1", thread_ts: str | None = None, **extra: Any
    ) -> str:
        """A message people wrote (as if typed in Slack); returns its ts."""
        ts = self.next_ts()
        message = {"type": "message", "user": user, "text": text, "ts": ts, "team": TEAM, **extra}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.channels.setdefault(channel, []).append(message)
        return ts

    def add_file(self, name: str, data: bytes) -> str:
        """Serve ``data`` as a private file; returns its ``url_private``."""
        self.files[name] = data
        return f"{self.url}/files/{name}"

    def fail_next(self, method: str, error: str, *, times: int = 1) -> None:
        for _ in range(times):
            self._faults.append(
                (method, lambda error=error: web.json_response({"ok": False, "error": error}))
            )

    def rate_limit_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        for _ in range(times):
            self._faults.append(
                (
                    method,
                    lambda: web.json_response(
                        {"ok": False, "error": "ratelimited"},
                        status=429,
                        headers={"Retry-After": str(retry_after)},
                    ),
                )
            )

    def remove_bot_from(self, channel: str) -> None:
        self.removed.add(channel)

    # ── what tests read ──

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200 and c.response.get("ok")]

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return [m for m in self.channels.get(channel, []) if m.get("thread_ts", m["ts"]) == thread_ts]

    def bot_posts(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return [m for m in self.thread(channel, thread_ts) if m.get("bot_id") == BOT_ID]

    def uploads_in(self, channel: str, thread_ts: str) -> list[Upload]:
        return [u for u in self.uploads if u.channel == channel and u.thread_ts == thread_ts]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.channels.get(channel, []) if m["ts"] == ts), None)

    async def wait_for(self, predicate: Callable[[], Any], *, timeout_s: float = 60.0, what: str = "") -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"timed out waiting for {what or predicate}; calls: {[c.method for c in self.calls]}"
        )

    # ── the Web API ──

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        auth = request.headers.get("Authorization", "")
        if method == "apps.connections.open":  # the one method that takes the app-level token
            if auth != f"Bearer {APP_TOKEN}":
                return self._record(method, args, {"ok": False, "error": "invalid_auth"})
            return self._record(method, args, {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})
        if auth != f"Bearer {self.token}" and args.get("token") != self.token:
            return self._record(method, args, {"ok": False, "error": "invalid_auth"})
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        for i, (name, make) in enumerate(self._faults):
            if name == method:
                del self._faults[i]
                response = make()
                self.calls.append(Call(method, args, response.status, json.loads(response.text or "{}")))
                return response
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return self._record(method, args, {"ok": False, "error": "unknown_method"})
        return self._record(method, args, handler(args))

    def _record(self, method: str, args: dict[str, Any], payload: dict[str, Any]) -> web.Response:
        self.calls.append(Call(method, args, 200, payload))
        return web.json_response(payload)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://cutroom-test.slack.com/",
            "team": "Cutroom Test",
            "user": "cutroom",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _writable(self, channel: str) -> dict[str, Any] | None:
        if channel in self.removed:
            return {"ok": False, "error": "not_in_channel"}
        if not channel or not channel.startswith(("C", "G", "D")):
            return {"ok": False, "error": "channel_not_found"}
        return None

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        refused = self._writable(channel)
        if refused:
            return refused
        ts = self.next_ts()
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": args.get("text", ""),
            "ts": ts,
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "team": TEAM,
            "blocks": blocks or [],
            "reactions": [],
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self.channels.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        refused = self._writable(channel)
        if refused:
            return refused
        message = self.message(channel, str(args.get("ts")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message["text"] = args.get("text", message["text"])
        blocks = args.get("blocks")
        message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else (blocks or [])
        message.setdefault("edits", 0)
        message["edits"] += 1
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": message,
        }

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        refused = self._writable(channel)
        if refused:
            return refused
        message = self.message(channel, str(args.get("timestamp")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        name = str(args.get("name"))
        if name in message["reactions"]:
            return {"ok": False, "error": "already_reacted"}
        message["reactions"].append(name)
        return {"ok": True}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        if channel not in self.channels or channel in self.removed:
            return {
                "ok": False,
                "error": "channel_not_found" if channel not in self.channels else "not_in_channel",
            }
        thread = self.thread(channel, ts)
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        limit = max(1, min(1000, int(args.get("limit") or 100)))
        start = int(args.get("cursor") or 0)
        page = thread[start : start + limit]
        if start and self.replies_repeat_parent:
            page = [thread[0], *page]
        has_more = start + limit < len(thread)
        response: dict[str, Any] = {"ok": True, "messages": page, "has_more": has_more}
        response["response_metadata"] = {"next_cursor": str(start + limit) if has_more else ""}
        return response

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user", ""))
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": TEAM,
                "name": user.lower(),
                "real_name": f"User {user}",
                "profile": {"display_name": f"user-{user.lower()}", "real_name": f"User {user}"},
            },
        }

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup", ""))
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": self.usergroups[group]}

    def _files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self.file_info.get(str(args.get("file", "")))
        return {"ok": True, "file": found} if found else {"ok": False, "error": "file_not_found"}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        length = int(args.get("length") or 0)
        if length > self.max_upload_bytes:
            return {"ok": False, "error": "file_too_large"}
        file_id = f"F{next(self._file_ids):08d}"
        self.pending_uploads[file_id] = {"filename": args.get("filename"), "length": length, "data": None}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.pending_uploads:
            return web.Response(status=404, text="unknown upload")
        data = await request.read()
        self.pending_uploads[file_id]["data"] = data
        return web.Response(status=200, text=f"OK - {len(data)}")

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        items = json.loads(files) if isinstance(files, str) else (files or [])
        channel = args.get("channel_id")
        if channel:
            refused = self._writable(str(channel))
            if refused:
                return refused
        out = []
        for item in items:
            pending = self.pending_uploads.pop(item["id"], None)
            if pending is None or pending["data"] is None:
                return {"ok": False, "error": "file_not_found"}
            self.uploads.append(
                Upload(
                    file_id=item["id"],
                    filename=str(pending["filename"]),
                    data=pending["data"],
                    channel=str(channel) if channel else None,
                    thread_ts=args.get("thread_ts"),
                    title=item.get("title"),
                    initial_comment=args.get("initial_comment"),
                )
            )
            if channel:
                self.channels.setdefault(str(channel), []).append(
                    {
                        "type": "message",
                        "subtype": "file_share",
                        "user": BOT_USER,
                        "bot_id": BOT_ID,
                        "ts": self.next_ts(),
                        "thread_ts": args.get("thread_ts"),
                        "text": args.get("initial_comment") or "",
                        "reactions": [],
                        "files": [{"id": item["id"], "name": pending["filename"]}],
                    }
                )
            out.append({"id": item["id"], "title": item.get("title") or pending["filename"]})
        return {"ok": True, "files": out}

    async def _file(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=403)
        self.calls.append(Call("file_download", {"name": request.match_info["name"]}))
        if request.match_info["name"] in self.file_redirects:
            raise web.HTTPFound(self.file_redirects[request.match_info["name"]])
        data = self.files.get(request.match_info["name"])
        return web.Response(status=404) if data is None else web.Response(body=data)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then collect the app's acks (``{"envelope_id": ...}``)."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type.name == "TEXT":
                self.socket_acks.append(json.loads(message.data))
        return ws

    async def socket_send(
        self, payload: dict[str, Any], *, envelope_id: str, kind: str = "events_api"
    ) -> None:
        """Deliver ``payload`` over Socket Mode as Slack does, in an envelope the app must ack."""
        ws = self.sockets[-1]
        await ws.send_json(
            {
                "envelope_id": envelope_id,
                "payload": payload,
                "type": kind,
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json()))
        return web.Response(text="ok")


# ── requests Slack sends to the bot ─────────────────────────────────────────────────────


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def event_body(event: dict[str, Any], *, event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def command_body(
    text: str, *, user: str, channel: str, response_url: str, trigger_id: str = "13345.1"
) -> str:
    return urllib.parse.urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "channel_id": channel,
            "user_id": user,
            "command": "/cutroom",
            "text": text,
            "response_url": response_url,
            "trigger_id": trigger_id,
            "api_app_id": "A0001",
        }
    )


def action_body(
    value: str, *, user: str, channel: str, message_ts: str, action_id: str, select: bool = False
) -> str:
    action: dict[str, Any] = {"action_id": action_id, "block_id": "b1", "action_ts": f"{time.time():.6f}"}
    if select:
        action.update(
            {
                "type": "static_select",
                "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
            }
        )
    else:
        action.update({"type": "button", "value": value, "text": {"type": "plain_text", "text": value}})
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "trigger_id": f"trig.{time.time():.6f}",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "channel": {"id": channel},
        "message": {"ts": message_ts, "type": "message"},
        "actions": [action],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})
