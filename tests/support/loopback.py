"""A loopback HTTP server for the providers' fakes: each request goes to the fake's ``_handle``.

The fakes (tests/support/fake_providers.py, fake_clips.py) answer as each provider's API documents;
this is only the socket, the thread and the address they share.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LoopbackServer:
    """Serves ``methods`` on 127.0.0.1 (a free port) in a background thread; ``start()`` to begin."""

    def __init__(
        self, *, methods: tuple[str, ...] = ("GET", "POST"), protocol: str = "HTTP/1.0", daemon_threads: bool = False
    ) -> None:
        fake = self

        def handle(handler: BaseHTTPRequestHandler) -> None:
            fake._handle(handler)

        attributes: dict[str, Any] = {f"do_{method}": handle for method in methods}
        attributes["protocol_version"] = protocol
        attributes["log_message"] = lambda handler, format, *args: None
        handler_class = type("Handler", (BaseHTTPRequestHandler,), attributes)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self._server.daemon_threads = daemon_threads
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"
