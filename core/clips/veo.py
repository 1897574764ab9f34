"""Google Veo image to video through the official ``google-genai`` SDK (imported lazily).

google-genai 3.x sends ``generate_videos`` only in Vertex AI mode (its Gemini Developer API
mode raises), so the client is ``genai.Client(vertexai=True, api_key=...)`` (Vertex express
mode). ``generate_videos`` starts a long-running operation
(``publishers/google/models/<model>/operations/<id>``) and ``operations.get`` polls it by
that name (``:fetchPredictOperation``), so the name is the task id we store. A finished
operation carries an ``error``, the video (inline bytes, as no output bucket is set), or
``rai_media_filtered_count`` (the moderation refusal). There is no cancel for these
operations: a cancelled render stops waiting and keeps the name, so nothing is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cutroom.core.clips.engines import (
    ClipFailed,
    ClipRefused,
    ClipRequest,
    KeyframeRejected,
    RateLimited,
    TaskStatus,
    engine_spec,
    engines,
    stream_download,
)
from cutroom.core.errors import TransientError, UnavailableError

DEFAULT_BASE_URL = "https://aiplatform.googleapis.com/"


class VeoEngine:
    name = "veo"

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, model: str | None = None,
                 timeout_s: float = 60.0) -> None:
        if not api_key:
            raise UnavailableError("The veo clip engine needs GOOGLE_API_KEY (a Vertex AI express-mode key; or CUTROOM_VEO_API_KEY).")
        try:
            from google import genai
            from google.genai import errors, types
        except ImportError as exc:
            raise UnavailableError("The veo clip engine needs the google-genai SDK: pip install 'cutroom[hosted]'.") from exc
        self._types = types
        self._errors = errors
        self.spec = engine_spec("veo")
        self.model = model or self.spec.default_model
        self.api_key = api_key
        self.base_url = base_url or DEFAULT_BASE_URL
        options = types.HttpOptions(base_url=self.base_url, timeout=int(timeout_s * 1000))
        self.client = genai.Client(vertexai=True, api_key=api_key, http_options=options)

    def _api_error(self, exc: Any, shot: int | None = None) -> Exception:
        code = getattr(exc, "code", None)
        text = f"{getattr(exc, 'status', '')} {getattr(exc, 'message', '')}".strip()
        if code == 429:
            return RateLimited("Veo is rate limiting us (HTTP 429 RESOURCE_EXHAUSTED).", None)
        if code is not None and code >= 500:
            return TransientError(f"Veo did not answer (HTTP {code}).")
        if shot is not None and "image" in text.lower():
            return KeyframeRejected(f"Veo refused shot {shot}'s keyframe: {text[:200]}")
        if shot is not None and ("safety" in text.lower() or "policy" in text.lower()):
            return ClipRefused(f"Shot {shot} was refused by Veo's safety filters ({text[:160]}). Reword its action, then render again.")
        return ClipFailed(f"Veo refused the request{f' for shot {shot}' if shot else ''}: {text[:200]}")

    def submit(self, request: ClipRequest) -> str:
        if len(request.image_png) > self.spec.max_image_bytes:
            raise KeyframeRejected(f"Shot {request.shot_index}'s keyframe is too big for Veo; it was not sent.")
        types = self._types
        try:
            operation = self.client.models.generate_videos(
                model=request.model,
                source=types.GenerateVideosSource(
                    prompt=request.prompt, image=types.Image(image_bytes=request.image_png, mime_type="image/png")
                ),
                config=types.GenerateVideosConfig(
                    number_of_videos=1, duration_seconds=request.duration_s, aspect_ratio=request.ratio
                ),
            )
        except self._errors.APIError as exc:
            raise self._api_error(exc, request.shot_index) from exc
        except OSError as exc:
            raise TransientError(f"Veo did not answer ({type(exc).__name__}).") from exc
        if not operation.name:
            raise ClipFailed("Veo accepted the request but named no operation to follow.")
        return str(operation.name)

    def status(self, task_id: str) -> TaskStatus:
        types = self._types
        try:
            operation = self.client.operations.get(types.GenerateVideosOperation(name=task_id))
        except self._errors.APIError as exc:
            raise self._api_error(exc) from exc
        except OSError as exc:
            raise TransientError(f"Veo did not answer ({type(exc).__name__}).") from exc
        if not operation.done:
            progress = None
            metadata = operation.metadata or {}
            if isinstance(metadata.get("progressPercent"), int | float):
                progress = float(metadata["progressPercent"]) / 100
            return TaskStatus(state="running", progress=progress, raw="RUNNING")
        if operation.error:
            message = str(operation.error.get("message") or operation.error)
            return TaskStatus(state="failed", raw="ERROR", message=message)
        result = operation.response or operation.result
        if result is not None and result.rai_media_filtered_count:
            reasons = "; ".join(result.rai_media_filtered_reasons or []) or "no reason given"
            return TaskStatus(state="refused", raw="FILTERED", message=reasons)
        videos = (result.generated_videos if result else None) or []
        video = videos[0].video if videos else None
        if video is None or not (video.video_bytes or video.uri):
            return TaskStatus(state="failed", raw="EMPTY", message="Veo finished without a video.")
        return TaskStatus(state="succeeded", raw="DONE", output_url=video.uri, output_bytes=video.video_bytes,
                          progress=1.0)

    def cancel(self, task_id: str) -> bool:
        return False  # the Gemini API cannot cancel a video operation

    def download(self, status: TaskStatus, dest: Path, *, max_bytes: int) -> Path:
        if status.output_bytes:
            if len(status.output_bytes) > max_bytes:
                raise ClipFailed(f"Veo's clip is {len(status.output_bytes)} bytes, over the {max_bytes}-byte limit.")
            part = dest.with_name(f".{dest.name}.part")
            part.write_bytes(status.output_bytes)
            part.replace(dest)
            return dest
        if not status.output_url or not status.output_url.startswith(("https://", "http://")):
            raise ClipFailed(f"Veo put the clip at {str(status.output_url)[:80]!r}, which Cutroom cannot fetch.")
        # A file link may need the key: send it only to the configured Google host itself.
        same_host = urlsplit(status.output_url).netloc == urlsplit(self.base_url).netloc
        headers = {"x-goog-api-key": self.api_key} if same_host else {}
        return stream_download(status.output_url, dest, max_bytes=max_bytes, headers=headers)


@engines.register("veo")
def _create(**options: Any) -> VeoEngine:
    return VeoEngine(**options)
