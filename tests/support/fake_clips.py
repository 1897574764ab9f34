"""Loopback fakes of the hosted image-to-video APIs, answering as each provider documents.

Each fake is a real HTTP server on 127.0.0.1 with state: a submission creates a task that
walks through a plan of states, one step per status poll (queued, running with progress,
then succeeded with a downloadable MP4 made by ffmpeg, or failed / refused). It counts
submissions, records every request, answers 429 on demand, can hold tasks "running" until
released (to kill a worker mid-wait), and can cut a download halfway.

- ``RunwayFake``: ``POST /v1/image_to_video``, ``GET``/``DELETE /v1/tasks/{id}`` (Runway API 2024-11-06).
- ``VeoFake``: Vertex AI ``POST .../publishers/google/models/{model}:predictLongRunning`` and
  ``POST .../{model}:fetchPredictOperation`` (express mode, ``x-goog-api-key``), video inline.
- ``LumaFake``: ``POST /dream-machine/v1/generations/video``, ``GET``/``DELETE .../generations/{id}``.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cutroom.core.encode import ffmpeg_exe
from tests.support.loopback import LoopbackServer

#: A task's default walk: queued, running 40 %, running 80 %, done.
DEFAULT_PLAN = ("queued", "running:0.4", "running:0.8", "succeeded")

_ids = itertools.count(1)
_videos: dict[tuple[float, str], bytes] = {}


def mp4_bytes(seconds: float, size: str = "128x72") -> bytes:
    """A real H.264 clip of ``seconds`` (cached per length)."""
    key = (seconds, size)
    if key not in _videos:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "clip.mp4"
            subprocess.run(
                [ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i",
                 f"testsrc2=size={size}:rate=24:duration={seconds}", "-pix_fmt", "yuv420p", "-c:v", "libx264",
                 "-preset", "ultrafast", "-movflags", "+faststart", str(out)],
                capture_output=True, check=True,
            )
            _videos[key] = out.read_bytes()
    return _videos[key]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class FakeTask:
    id: str
    body: Any
    plan: deque[str]
    state: str = "queued"
    progress: float = 0.0
    seconds: float = 5.0
    polls: int = 0
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class ClipFake(LoopbackServer):
    """The shared machinery; subclasses map routes and shapes."""

    key_header = "authorization"
    key_prefix = "Bearer "

    def __init__(self, api_key: str = "test-key") -> None:
        self.api_key = api_key
        self.requests: list[Recorded] = []
        self.tasks: dict[str, FakeTask] = {}
        self.plans: deque[tuple[str, ...]] = deque()
        self.default_plan: tuple[str, ...] = DEFAULT_PLAN
        self.rate_limits = 0  # the next n submissions get 429
        self.status_rate_limits = 0  # the next n status polls get 429
        self.hold = threading.Event()  # set: running tasks stay running
        self.cut_downloads = 0  # the next n downloads stop halfway
        self.clip_seconds: float | None = None  # None: the requested duration
        self.file_requests: list[Recorded] = []  # downloads of finished videos, with their headers
        self.files_need_key = False  # True: videos are served only with the API key (a gateway)
        self.file_link: Callable[[FakeTask], str] | None = None  # None: an absolute link on this host
        self._lock = threading.Lock()
        super().__init__(methods=("GET", "POST", "DELETE"), protocol="HTTP/1.1", daemon_threads=True)

    @property
    def submissions(self) -> list[Recorded]:
        """Requests that create a task (each one would be paid for)."""
        return [r for r in self.requests if self.is_submission(r)]

    def is_submission(self, request: Recorded) -> bool:
        return request.method == "POST"

    @property
    def deletes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "DELETE"]

    # ── serving ──

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("content-length") or 0)
        recorded = Recorded(handler.command, parts.path, {k.lower(): v for k, v in handler.headers.items()},
                            handler.rfile.read(length) if length else b"")
        if parts.path.startswith("/files/"):
            with self._lock:
                self.file_requests.append(recorded)
            self._serve_file(handler, parts.path.removeprefix("/files/"))
            return
        with self._lock:
            self.requests.append(recorded)
            if not self._authorized(recorded):
                status, body, headers = 401, self.error_body(401, "invalid api key"), {}
            else:
                status, body, headers = self.route(recorded)
        payload = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(payload)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _authorized(self, request: Recorded) -> bool:
        return request.headers.get(self.key_header) == f"{self.key_prefix}{self.api_key}"

    def _serve_file(self, handler: BaseHTTPRequestHandler, name: str) -> None:
        task = self.tasks.get(name.removesuffix(".mp4"))
        if task is None or not self.file_authorized(handler):
            handler.send_response(404)
            handler.send_header("content-length", "0")
            handler.end_headers()
            return
        data = mp4_bytes(self.clip_seconds if self.clip_seconds is not None else task.seconds)
        handler.send_response(200)
        handler.send_header("content-type", "video/mp4")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        with self._lock:
            cut = self.cut_downloads > 0
            self.cut_downloads -= 1 if cut else 0
        if cut:
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(data)

    def file_authorized(self, handler: BaseHTTPRequestHandler) -> bool:
        if not self.files_need_key:
            return True  # signed URLs need no key
        return handler.headers.get(self.key_header) == f"{self.key_prefix}{self.api_key}"

    def file_url(self, task: FakeTask) -> str:
        return self.file_link(task) if self.file_link else f"{self.url}/files/{task.id}.mp4"

    # ── the task machine ──

    def new_task(self, body: Any, seconds: float) -> FakeTask | None:
        """None when this submission is rate limited."""
        if self.rate_limits > 0:
            self.rate_limits -= 1
            return None
        plan = self.plans.popleft() if self.plans else self.default_plan
        task = FakeTask(id=f"task-{next(_ids):04d}-{int(time.time() * 1000) % 100000}", body=body,
                        plan=deque(plan), seconds=seconds)
        self.tasks[task.id] = task
        return task

    def step(self, task: FakeTask) -> FakeTask:
        task.polls += 1
        if self.hold.is_set() and task.state in ("queued", "running"):
            task.state = "running"
            return task
        if task.plan:
            state = task.plan.popleft()
            name, _, value = state.partition(":")
            task.state = name
            if name == "running" and value:
                task.progress = float(value)
            elif name in ("failed", "refused", "weird"):
                task.extra["reason"] = value
        return task

    def route(self, request: Recorded) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> Any:
        return {"error": message}


class RunwayFake(ClipFake):
    """Runway's API (https://docs.dev.runwayml.com/api/): tasks in credits, statuses in capitals."""

    STATUS = {"queued": "PENDING", "running": "RUNNING", "succeeded": "SUCCEEDED", "failed": "FAILED",
              "refused": "FAILED", "cancelled": "CANCELLED", "weird": "EXPLODED"}
    CREDITS_PER_S = 5

    def route(self, request: Recorded) -> tuple[int, Any, dict[str, str]]:
        if not request.headers.get("x-runway-version"):
            return 400, self.error_body(400, "X-Runway-Version header is required"), {}
        if request.method == "POST" and request.path == "/v1/image_to_video":
            body = request.json
            if not str(body.get("promptImage", "")).startswith("data:image/"):
                return 400, self.error_body(400, "promptImage: invalid image"), {}
            task = self.new_task(body, float(body.get("duration") or 5))
            if task is None:
                return 429, self.error_body(429, "Too many requests"), {"retry-after": "0.2"}
            return 200, {"id": task.id}, {}
        if request.path.startswith("/v1/tasks/"):
            task_id = request.path.removeprefix("/v1/tasks/")
            found = self.tasks.get(task_id)
            if found is None or found.deleted:
                return 404, self.error_body(404, "Task not found"), {}
            if request.method == "DELETE":
                found.deleted = True
                found.state = "cancelled"
                return 204, None, {}
            if self.status_rate_limits > 0:
                self.status_rate_limits -= 1
                return 429, self.error_body(429, "Too many requests"), {"retry-after": "0.1"}
            return 200, self.task_json(self.step(found)), {}
        return 404, self.error_body(404, "Not found"), {}

    def task_json(self, task: FakeTask) -> dict[str, Any]:
        credits = int(self.CREDITS_PER_S * task.seconds)
        out: dict[str, Any] = {"id": task.id, "createdAt": "2026-12-03T09:00:00.000Z",
                               "status": self.STATUS[task.state]}
        if task.state in ("queued", "running"):
            out["estimatedCost"] = {"credits": credits}
        if task.state == "running":
            out["progress"] = task.progress
        if task.state == "succeeded":
            out["output"] = [self.file_url(task)]
            out["cost"] = {"credits": credits}
        if task.state == "failed":
            out.update(failure="The generation failed. Try again.", failureCode="INTERNAL", cost={"credits": 0})
        if task.state == "refused":
            out.update(failure="Your input was flagged by our content moderation system.",
                       failureCode="SAFETY.INPUT.TEXT", cost={"credits": 0})
        if task.state == "cancelled":
            out["cost"] = {"credits": 0}
        return out

    def error_body(self, status: int, message: str) -> Any:
        return {"error": message}


class VeoFake(ClipFake):
    """Veo on Vertex AI (express mode, API key): ``:predictLongRunning`` then ``:fetchPredictOperation``.

    Without an output bucket the finished operation carries the video inline, base64.
    """

    key_header = "x-goog-api-key"
    key_prefix = ""

    def is_submission(self, request: Recorded) -> bool:
        return request.path.endswith(":predictLongRunning")

    def route(self, request: Recorded) -> tuple[int, Any, dict[str, str]]:
        path = request.path
        if request.method == "POST" and path.endswith(":predictLongRunning"):
            model = path.rsplit("/models/", 1)[-1].removesuffix(":predictLongRunning")
            body = request.json
            instance = (body.get("instances") or [{}])[0]
            if not (instance.get("image") or {}).get("bytesBase64Encoded"):
                return 400, self.error_body(400, "image is required", "INVALID_ARGUMENT"), {}
            seconds = float((body.get("parameters") or {}).get("durationSeconds") or 8)
            task = self.new_task(body, seconds)
            if task is None:
                return 429, self.error_body(429, "Resource has been exhausted", "RESOURCE_EXHAUSTED"), {}
            task.extra["name"] = f"projects/test/locations/us-central1/publishers/google/models/{model}/operations/{task.id}"
            return 200, {"name": task.extra["name"]}, {}
        if request.method == "POST" and path.endswith(":fetchPredictOperation"):
            name = str((request.json or {}).get("operationName") or "")
            found = self.tasks.get(name.rsplit("/", 1)[-1])
            if found is None:
                return 404, self.error_body(404, "operation not found", "NOT_FOUND"), {}
            if self.status_rate_limits > 0:
                self.status_rate_limits -= 1
                return 429, self.error_body(429, "Resource has been exhausted", "RESOURCE_EXHAUSTED"), {}
            return 200, self.operation_json(self.step(found)), {}
        return 404, self.error_body(404, "Not found", "NOT_FOUND"), {}

    def operation_json(self, task: FakeTask) -> dict[str, Any]:
        out: dict[str, Any] = {"name": task.extra["name"]}
        if task.state in ("queued", "running"):
            out["done"] = False
            return out
        out["done"] = True
        response_type = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
        if task.state == "succeeded":
            data = mp4_bytes(self.clip_seconds if self.clip_seconds is not None else task.seconds)
            out["response"] = {"@type": response_type,
                               "videos": [{"bytesBase64Encoded": base64.b64encode(data).decode(), "mimeType": "video/mp4"}]}
        elif task.state == "refused":
            out["response"] = {"@type": response_type, "raiMediaFilteredCount": 1,
                               "raiMediaFilteredReasons": ["The prompt could not be submitted: it may violate our policies."]}
        else:
            out["error"] = {"code": 13, "message": "Video generation failed."}
        return out

    def error_body(self, status: int, message: str, reason: str = "INVALID_ARGUMENT") -> Any:
        return {"error": {"code": status, "message": message, "status": reason}}


class LumaFake(ClipFake):
    """Luma's Dream Machine API (https://docs.lumalabs.ai/reference): generations with a ``state``."""

    STATE = {"queued": "queued", "running": "dreaming", "succeeded": "completed", "failed": "failed",
             "refused": "failed", "weird": "melting"}
    BASE = "/dream-machine/v1"

    def route(self, request: Recorded) -> tuple[int, Any, dict[str, str]]:
        path = request.path.removeprefix(self.BASE)
        if request.method == "POST" and path == "/generations/video":
            body = request.json
            url = ((body.get("keyframes") or {}).get("frame0") or {}).get("url")
            if not url:
                return 400, {"detail": "keyframes.frame0.url is required"}, {}
            task = self.new_task(body, float(str(body.get("duration") or "5s").rstrip("s")))
            if task is None:
                return 429, {"detail": "Too many requests"}, {"retry-after": "0.2"}
            return 201, self.generation_json(task), {}
        if path.startswith("/generations/"):
            task_id = path.removeprefix("/generations/")
            found = self.tasks.get(task_id)
            if found is None or found.deleted:
                return 404, {"detail": "Generation not found"}, {}
            if request.method == "DELETE":
                found.deleted = True
                return 204, None, {}
            if self.status_rate_limits > 0:
                self.status_rate_limits -= 1
                return 429, {"detail": "Too many requests"}, {"retry-after": "0.1"}
            return 200, self.generation_json(self.step(found)), {}
        return 404, {"detail": "Not found"}, {}

    def generation_json(self, task: FakeTask) -> dict[str, Any]:
        out: dict[str, Any] = {"id": task.id, "state": self.STATE.get(task.state, task.state),
                               "created_at": "2026-12-03T09:00:00Z", "generation_type": "video",
                               "model": (task.body or {}).get("model"), "failure_reason": None,
                               "assets": None}
        if task.state == "succeeded":
            out["assets"] = {"video": self.file_url(task)}
        if task.state == "failed":
            out["failure_reason"] = "Generation failed"
        if task.state == "refused":
            out["failure_reason"] = "Prompt not allowed because of moderation"
        return out


def keyframe_server_publisher(fake: ClipFake, images: dict[str, bytes]):  # type: ignore[no-untyped-def]
    """A publisher for Luma tests: keyframes 'hosted' in memory (the fake does not fetch them)."""

    def factory(url: str):  # type: ignore[no-untyped-def]
        def publish(key: str, data: bytes) -> str:
            images[key] = data
            return f"https://keyframes.test/{Path(key).name}"

        return publish

    return factory
