"""Loopback fakes of the hosted providers' HTTP APIs, for testing the real SDK clients offline.

Each fake is a real HTTP server on 127.0.0.1 that records every request (path, headers, JSON
body) and answers from a script of replies shaped as the provider documents them:

- ``AnthropicFake``: ``POST /v1/messages`` (Messages API) answering with ``tool_use`` blocks.
- ``OpenAIFake``: ``POST /v1/chat/completions`` answering with ``tool_calls``.
- ``ElevenLabsFake``: ``POST /v1/text-to-speech/{voice_id}/with-timestamps`` answering with
  ``audio_base64`` (real audio made by ffmpeg) and a character ``alignment``.

A reply may also be an error (``status=429`` with ``retry-after``, ``500``...) in the
provider's error shape, which is how the transient-error path is tested. A request for
which no reply is scripted gets a 599 so the test fails loudly instead of hanging.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackServer


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeProvider(LoopbackServer):
    """A loopback HTTP server answering scripted replies in order; subclasses shape them."""

    #: Header that must carry the API key, and the prefix before it ("Bearer " for OpenAI).
    key_header = "authorization"
    key_prefix = ""

    def __init__(self, api_key: str | None = "test-key") -> None:
        """``api_key=None``: a server that needs no key (vLLM, Ollama) and accepts whatever is sent."""
        self.api_key = api_key
        self.requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        super().__init__()

    # ── scripting ──

    def script(self, *replies: Reply | dict[str, Any]) -> None:
        with self._lock:
            for reply in replies:
                self._script.append(reply if isinstance(reply, Reply) else Reply(body=reply))

    def error(self, status: int, message: str = "", *, retry_after: float | None = None) -> Reply:
        headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
        return Reply(
            status=status, body=self.error_body(status, message or f"error {status}"), headers=headers
        )

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"message": message}}

    # ── serving ──

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("content-length") or 0)
        recorded = Recorded(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=handler.rfile.read(length) if length else b"",
        )
        with self._lock:
            self.requests.append(recorded)
            reply = self._reply_for(recorded)
        payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        handler.send_header("content-type", reply.headers.get("content-type", "application/json"))
        handler.send_header("content-length", str(len(payload)))
        for name, value in reply.headers.items():
            if name != "content-type":
                handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _reply_for(self, request: Recorded) -> Reply:
        if self.api_key is not None and request.headers.get(self.key_header) != f"{self.key_prefix}{self.api_key}":
            return Reply(status=401, body=self.error_body(401, "invalid api key"))
        if not self._script:
            return Reply(status=599, body=self.error_body(599, f"no scripted reply for {request.path}"))
        return self._script.popleft()


_ids = itertools.count(1)


class AnthropicFake(FakeProvider):
    """Anthropic's Messages API: https://docs.anthropic.com/en/api/messages."""

    key_header = "x-api-key"

    def _reply_for(self, request: Recorded) -> Reply:
        if not request.headers.get("anthropic-version"):  # the API refuses requests without it
            return Reply(status=400, body=self.error_body(400, "anthropic-version header is required"))
        if request.path != "/v1/messages":
            return Reply(status=404, body=self.error_body(404, f"no route {request.path}"))
        # The docs show ``x-api-key``; anthropic 2.x sends the same key as a Bearer token.
        if request.headers.get("authorization") == f"Bearer {self.api_key}":
            request = Recorded(
                request.method,
                request.path,
                request.query,
                request.headers | {"x-api-key": self.api_key},
                request.body,
            )
        return super()._reply_for(request)

    def tool_use(self, name: str, arguments: dict[str, Any], *, model: str = "claude-test") -> dict[str, Any]:
        n = next(_ids)
        return {
            "id": f"msg_{n:04d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [
                {"type": "text", "text": "Here it is."},
                {"type": "tool_use", "id": f"toolu_{n:04d}", "name": name, "input": arguments},
            ],
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 120, "output_tokens": 80},
        }

    def error_body(self, status: int, message: str) -> Any:
        kind = {
            400: "invalid_request_error",
            401: "authentication_error",
            429: "rate_limit_error",
            529: "overloaded_error",
        }.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}


class OpenAIFake(FakeProvider):
    """OpenAI's Chat Completions API (https://platform.openai.com/docs/api-reference/chat) and
    Responses API (https://platform.openai.com/docs/api-reference/responses)."""

    key_header = "authorization"
    key_prefix = "Bearer "

    def tool_call(
        self, name: str, arguments: dict[str, Any] | str, *, model: str = "gpt-test"
    ) -> dict[str, Any]:
        n = next(_ids)
        return {
            "id": f"chatcmpl-{n:04d}",
            "object": "chat.completion",
            "created": 1_760_000_000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "refusal": None,
                        "tool_calls": [
                            {
                                "id": f"call_{n:04d}",
                                "type": "function",
                                "function": {
                                    "name": name,
                                    "arguments": arguments
                                    if isinstance(arguments, str)
                                    else json.dumps(arguments),
                                },
                            }
                        ],
                    },
                    "logprobs": None,
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200},
        }

    def function_call(
        self, name: str, arguments: dict[str, Any] | str, *, model: str = "gpt-test"
    ) -> dict[str, Any]:
        """A Responses API answer (``POST /v1/responses``) holding one function call."""
        n = next(_ids)
        return {
            "id": f"resp_{n:04d}",
            "object": "response",
            "created_at": 1_760_000_000,
            "status": "completed",
            "model": model,
            "output": [
                {
                    "type": "function_call",
                    "id": f"fc_{n:04d}",
                    "call_id": f"call_{n:04d}",
                    "name": name,
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                    "status": "completed",
                }
            ],
            "parallel_tool_calls": True,
            "tool_choice": {"type": "function", "name": name},
            "tools": [],
            "error": None,
            "incomplete_details": None,
            "instructions": None,
            "metadata": {},
            "temperature": 1.0,
            "top_p": 1.0,
            "usage": {"input_tokens": 120, "output_tokens": 80, "total_tokens": 200},
        }

    def content_answer(self, content: str, *, model: str = "local-model") -> dict[str, Any]:
        """A Chat Completions answer with text only: what a server that ignores ``tool_choice`` sends."""
        n = next(_ids)
        return {
            "id": f"chatcmpl-{n:04d}",
            "object": "chat.completion",
            "created": 1_760_000_000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200},
        }

    def output_text(self, text: str, *, model: str = "local-model") -> dict[str, Any]:
        """A Responses API answer holding one text message and no function call."""
        n = next(_ids)
        return {
            "id": f"resp_{n:04d}",
            "object": "response",
            "created_at": 1_760_000_000,
            "status": "completed",
            "model": model,
            "output": [
                {
                    "type": "message",
                    "id": f"msg_{n:04d}",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "error": None,
            "incomplete_details": None,
            "instructions": None,
            "metadata": {},
            "temperature": 1.0,
            "top_p": 1.0,
            "usage": {"input_tokens": 120, "output_tokens": 80, "total_tokens": 200},
        }

    def error_body(self, status: int, message: str) -> Any:
        kind = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


class ElevenLabsFake(FakeProvider):
    """ElevenLabs' text to speech with timestamps:
    https://elevenlabs.io/docs/api-reference/text-to-speech/convert-with-timestamps.

    With nothing scripted it speaks: a real tone encoded by ffmpeg in the requested
    ``output_format`` (mp3 or pcm), ``seconds_per_char`` long per character, with the
    matching character alignment.
    """

    key_header = "xi-api-key"
    seconds_per_char = 0.06

    def _reply_for(self, request: Recorded) -> Reply:
        if self._script or request.headers.get(self.key_header) != self.api_key:
            return super()._reply_for(request)
        if not request.path.startswith("/v1/text-to-speech/") or not request.path.endswith(
            "/with-timestamps"
        ):
            return Reply(status=404, body={"detail": {"status": "not_found", "message": request.path}})
        text = request.json["text"]
        fmt = request.query.get("output_format", ["mp3_44100_128"])[0]
        return Reply(body=self.speech(text, fmt))

    def speech(self, text: str, output_format: str = "mp3_44100_128") -> dict[str, Any]:
        starts = [round(i * self.seconds_per_char, 3) for i in range(len(text))]
        ends = [round((i + 1) * self.seconds_per_char, 3) for i in range(len(text))]
        alignment = {
            "characters": list(text),
            "character_start_times_seconds": starts,
            "character_end_times_seconds": ends,
        }
        audio = tone(len(text) * self.seconds_per_char + 0.2, output_format)
        return {
            "audio_base64": base64.b64encode(audio).decode(),
            "alignment": alignment,
            "normalized_alignment": alignment,
        }

    def error_body(self, status: int, message: str) -> Any:
        return {"detail": {"status": "error", "message": message}}


def tone(seconds: float, output_format: str = "mp3_44100_128") -> bytes:
    """A real sine tone encoded as ElevenLabs would send it (mp3 or raw 16-bit pcm)."""
    import imageio_ffmpeg

    codec, rate, *_ = output_format.split("_") + ["", ""]
    encode = ["-f", "mp3", "-b:a", "64k"] if codec == "mp3" else ["-f", "s16le", "-acodec", "pcm_s16le"]
    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=220:sample_rate={int(rate or 44100)}:duration={seconds:.3f}",
            "-ac",
            "1",
            *encode,
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    )
    return result.stdout


@contextmanager
def serving(fake: FakeProvider) -> Iterator[FakeProvider]:
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


# ── image engines ───────────────────────────────────────────────────────────────────────


def picture_png(seed_text: str, size: tuple[int, int] = (1024, 1024)) -> bytes:
    """A real PNG whose colour follows ``seed_text``, so different prompts give different pictures."""
    import hashlib
    import io

    from PIL import Image, ImageDraw

    digest = hashlib.sha256(seed_text.encode()).digest()
    image = Image.new("RGB", size, (digest[0], digest[1], digest[2]))
    ImageDraw.Draw(image).ellipse(
        (size[0] // 4, size[1] // 4, 3 * size[0] // 4, 3 * size[1] // 4), fill=(digest[3], digest[4], digest[5])
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def multipart_parts(request: Recorded) -> list[tuple[str, str | None, bytes]]:
    """(field name, file name or None, bytes) for each part of a multipart/form-data body."""
    from email.parser import BytesParser
    from email.policy import HTTP

    head = f"content-type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        parts.append((part.get_param("name", header="content-disposition") or "", part.get_filename(), payload))
    return parts


class OpenAIImagesFake(OpenAIFake):
    """OpenAI's Images API: ``POST /v1/images/generations`` (JSON) and ``POST /v1/images/edits``
    (multipart, ``image[]`` files): https://platform.openai.com/docs/api-reference/images.

    With nothing scripted it draws: a PNG of the requested size whose colour follows the prompt,
    as ``data[0].b64_json`` with ``usage``. ``refusal()`` is the safety system's 400.
    """

    def _reply_for(self, request: Recorded) -> Reply:
        if self._script or request.headers.get(self.key_header) != f"{self.key_prefix}{self.api_key}":
            return super()._reply_for(request)
        if request.path == "/v1/images/generations":
            body = request.json
            return Reply(body=self.image(body["prompt"], body.get("size", "1024x1024")))
        if request.path == "/v1/images/edits":
            fields = {name: data.decode() for name, filename, data in multipart_parts(request) if filename is None}
            return Reply(body=self.image(fields.get("prompt", ""), fields.get("size", "1024x1024")))
        return Reply(status=404, body=self.error_body(404, f"no route {request.path}"))

    def image(self, prompt: str, size: str = "1024x1024") -> dict[str, Any]:
        w, h = (int(v) for v in size.split("x")) if "x" in size else (1024, 1024)
        return {
            "created": 1_760_000_000,
            "background": "opaque",
            "output_format": "png",
            "quality": "medium",
            "size": f"{w}x{h}",
            "data": [{"b64_json": base64.b64encode(picture_png(prompt, (w // 8, h // 8))).decode()}],
            "usage": {
                "input_tokens": 50,
                "input_tokens_details": {"image_tokens": 0, "text_tokens": 50},
                "output_tokens": 1056,
                "total_tokens": 1106,
            },
        }

    def refusal(self) -> Reply:
        return Reply(
            status=400,
            body={
                "error": {
                    "message": "Your request was rejected as a result of our safety system. Your prompt may contain "
                    "text that is not allowed by our safety system.",
                    "type": "image_generation_user_error",
                    "param": None,
                    "code": "moderation_blocked",
                }
            },
        )

    def edits(self) -> list[list[tuple[str, str | None, bytes]]]:
        return [multipart_parts(r) for r in self.requests if r.path == "/v1/images/edits"]


class GoogleGenAIFake(FakeProvider):
    """The Gemini API's ``POST /{v1,v1beta}/models/{model}:generateContent`` for image models:
    https://ai.google.dev/api/generate-content. Key in ``x-goog-api-key``.

    With nothing scripted it draws a PNG (colour follows the prompt) as an ``inlineData`` part.
    ``blocked()`` is a prompt the safety filters stopped; errors use Google's
    ``{"error": {"code", "message", "status"}}`` shape.
    """

    key_header = "x-goog-api-key"

    def _reply_for(self, request: Recorded) -> Reply:
        if self._script or request.headers.get(self.key_header) != self.api_key:
            return super()._reply_for(request)
        if not (request.path.startswith(("/v1beta/models/", "/v1/models/")) and request.path.endswith(":generateContent")):
            return Reply(status=404, body=self.error_body(404, f"no route {request.path}"))
        texts = [p.get("text", "") for c in request.json.get("contents", []) for p in c.get("parts", [])]
        return Reply(body=self.image(" ".join(texts)))

    def image(self, prompt: str) -> dict[str, Any]:
        return {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(picture_png(prompt, (96, 160))).decode()}}
                        ],
                    },
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {"promptTokenCount": 300, "candidatesTokenCount": 1290, "totalTokenCount": 1590},
            "modelVersion": "gemini-test-image",
        }

    def blocked(self) -> Reply:
        return Reply(body={"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "usageMetadata": {"promptTokenCount": 30}})

    def error_body(self, status: int, message: str) -> Any:
        kind = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED",
                503: "UNAVAILABLE"}.get(status, "INTERNAL")
        return {"error": {"code": status, "message": message, "status": kind}}

    def inline_images(self, request: Recorded) -> int:
        return sum(1 for c in request.json.get("contents", []) for p in c.get("parts", []) if "inlineData" in p)
