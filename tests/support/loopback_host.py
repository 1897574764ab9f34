"""A loopback web host standing in for an attacker's server (or a lying file host) in tests.

It records every request it receives (so a test can say whether a token reached it) and serves:

    /file/<name>     bytes set with ``serve(name, data)``
    /huge/<n>        ``n`` bytes streamed in 1 MiB chunks, chunked (no size said) or, with
                     ``?length=1``, with its true Content-Length
    /redirect?to=u   a 302 to ``u``

``sent`` counts the body bytes it managed to write, so a test can tell a capped read from a
whole one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from tests.support.redis_server import free_port

CHUNK = 1024 * 1024


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class LoopbackHost:
    port: int = field(default_factory=free_port)
    requests: list[Seen] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    sent: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.url}/file/{name}"

    def tokens_seen(self) -> list[str]:
        return [s.headers["Authorization"] for s in self.requests if "Authorization" in s.headers]

    async def start(self) -> LoopbackHost:
        app = web.Application()
        app.router.add_get("/file/{name}", self._file)
        app.router.add_get("/huge/{n}", self._huge)
        app.router.add_get("/redirect", self._redirect)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _record(self, request: web.Request) -> None:
        self.requests.append(Seen(request.path_qs, dict(request.headers)))

    async def _file(self, request: web.Request) -> web.Response:
        self._record(request)
        data = self.files.get(request.match_info["name"])
        return web.Response(status=404) if data is None else web.Response(body=data, content_type="image/png")

    async def _redirect(self, request: web.Request) -> web.Response:
        self._record(request)
        raise web.HTTPFound(request.query["to"])

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        self._record(request)
        total = int(request.match_info["n"])
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        if request.query.get("length"):
            response.content_length = total
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        block = b"\x89PNG\r\n\x1a\n" + b"\0" * (CHUNK - 8)
        written = 0
        try:
            while written < total:
                await response.write(block)
                written += len(block)
                self.sent += len(block)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up: what a capped read does
        return response
