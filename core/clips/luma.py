"""Luma Dream Machine image to video through the official ``lumaai`` SDK (imported lazily).

``POST /generations/video`` answers a generation with an id; ``GET /generations/{id}``
reports ``state`` queued, dreaming, completed (``assets.video``) or failed
(``failure_reason``). Luma takes the keyframe by URL only, so the driver publishes it
first (an S3 artifact store's signed link). ``DELETE /generations/{id}`` is the API's
only way to stop one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cutroom.core.clips.engines import (
    ClipFailed,
    ClipRefused,
    ClipRequest,
    KeyframeRejected,
    RateLimited,
    TaskStatus,
    engine_spec,
    engines,
    is_moderation,
    stream_download,
)
from cutroom.core.clips.runway import retry_after
from cutroom.core.errors import TransientError, UnavailableError

_STATES = {"queued": "queued", "dreaming": "running", "completed": "succeeded", "failed": "failed"}


class LumaEngine:
    name = "luma"
    needs_image_url = True

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, model: str | None = None,
                 timeout_s: float = 60.0) -> None:
        if not api_key:
            raise UnavailableError("The luma clip engine needs LUMAAI_API_KEY (or CUTROOM_LUMA_API_KEY).")
        try:
            import lumaai
        except ImportError as exc:
            raise UnavailableError("The luma clip engine needs the lumaai SDK: pip install 'cutroom[hosted]'.") from exc
        self._sdk = lumaai
        self.spec = engine_spec("luma")
        self.model = model or self.spec.default_model
        self.client = lumaai.LumaAI(auth_token=api_key, base_url=base_url or None, max_retries=0, timeout=timeout_s)

    def submit(self, request: ClipRequest) -> str:
        if not request.image_url or not request.image_url.startswith("https://") and not request.extras.get("allow_http"):
            raise KeyframeRejected(
                f"Luma takes shot {request.shot_index}'s keyframe only by a public https link. Use an S3 artifact "
                "store (CUTROOM_ARTIFACTS_URL=s3://...) so Cutroom can give it one."
            )
        sdk = self._sdk
        try:
            create: Any = self.client.generations.create
            generation = create(
                model=request.model, prompt=request.prompt, aspect_ratio=request.ratio,
                duration=f"{request.duration_s}s", keyframes={"frame0": {"type": "image", "url": request.image_url}},
            )
        except sdk.RateLimitError as exc:
            raise RateLimited("Luma is rate limiting us (HTTP 429).", retry_after(exc)) from exc
        except sdk.BadRequestError as exc:
            text = str(getattr(exc, "body", None) or exc)
            if is_moderation(None, text, ()):
                raise ClipRefused(f"Shot {request.shot_index} was refused by Luma's moderation ({text[:160]}). "
                                  f"Reword shot {request.shot_index}'s action, then render again.") from exc
            raise KeyframeRejected(f"Luma refused shot {request.shot_index}'s request: {text[:200]}") from exc
        except (sdk.APIConnectionError, sdk.InternalServerError) as exc:
            raise TransientError(f"Luma did not answer ({type(exc).__name__}).") from exc
        if not generation.id:
            raise ClipFailed("Luma accepted the request but gave no generation id.")
        return str(generation.id)

    def status(self, task_id: str) -> TaskStatus:
        sdk = self._sdk
        try:
            generation = self.client.generations.get(task_id)
        except sdk.RateLimitError as exc:
            raise RateLimited("Luma is rate limiting us (HTTP 429).", retry_after(exc)) from exc
        except (sdk.APIConnectionError, sdk.InternalServerError) as exc:
            raise TransientError(f"Luma did not answer ({type(exc).__name__}).") from exc
        raw = str(generation.state or "")
        state = _STATES.get(raw)
        if state is None:
            return TaskStatus(state="failed", raw=raw, message=f"Luma answered a state we do not know ({raw[:40]!r}).")
        if state == "failed":
            reason = generation.failure_reason or "no reason given"
            return TaskStatus(state="refused" if is_moderation(None, reason, ()) else "failed", raw=raw, message=reason)
        video = generation.assets.video if generation.assets else None
        return TaskStatus(state=state, raw=raw, output_url=video)  # type: ignore[arg-type]

    def cancel(self, task_id: str) -> bool:
        try:
            self.client.generations.delete(task_id)
        except self._sdk.NotFoundError:
            return False
        return True

    def download(self, status: TaskStatus, dest: Path, *, max_bytes: int) -> Path:
        if not status.output_url:
            raise ClipFailed("Luma said the clip was ready but gave no address for it.")
        return stream_download(status.output_url, dest, max_bytes=max_bytes)


@engines.register("luma")
def _create(**options: Any) -> LumaEngine:
    return LumaEngine(**options)
