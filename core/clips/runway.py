"""Runway image to video through the official ``runwayml`` SDK (imported lazily).

``POST /v1/image_to_video`` answers a task id; ``GET /v1/tasks/{id}`` gives PENDING,
THROTTLED, RUNNING (with ``progress``), SUCCEEDED (``output`` URLs that expire in 24-48 h),
FAILED (``failure``, ``failureCode``) or CANCELLED; ``DELETE /v1/tasks/{id}`` cancels.
The SDK's own retries are off (``max_retries=0``): a 429 is waited out by the clip driver,
per engine, and nothing else is ever sent twice.
"""

from __future__ import annotations

import base64
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
from cutroom.core.errors import TransientError, UnavailableError

_STATES = {"PENDING": "queued", "THROTTLED": "queued", "RUNNING": "running", "SUCCEEDED": "succeeded",
           "FAILED": "failed", "CANCELLED": "cancelled"}
#: Runway prices in credits; one credit is one US cent.
USD_PER_CREDIT = 0.01


def retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class RunwayEngine:
    name = "runway"

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, model: str | None = None,
                 timeout_s: float = 60.0) -> None:
        if not api_key:
            raise UnavailableError("The runway clip engine needs RUNWAYML_API_SECRET (or CUTROOM_RUNWAY_API_KEY).")
        try:
            import runwayml
        except ImportError as exc:
            raise UnavailableError("The runway clip engine needs the runwayml SDK: pip install 'cutroom[hosted]'.") from exc
        self._sdk = runwayml
        self.spec = engine_spec("runway")
        self.model = model or self.spec.default_model
        self.client = runwayml.RunwayML(api_key=api_key, base_url=base_url or None, max_retries=0, timeout=timeout_s)

    def submit(self, request: ClipRequest) -> str:
        if len(request.image_png) * 4 // 3 > self.spec.max_image_bytes:
            raise KeyframeRejected(
                f"Shot {request.shot_index}'s keyframe is over Runway's 5 MB limit for pictures; it was not sent."
            )
        uri = "data:image/png;base64," + base64.b64encode(request.image_png).decode()
        sdk = self._sdk
        try:
            create: Any = self.client.image_to_video.create
            task = create(
                model=request.model, prompt_image=uri, prompt_text=request.prompt[:1000],
                ratio=request.ratio, duration=request.duration_s, seed=request.seed % 4294967295,
            )
        except sdk.RateLimitError as exc:
            raise RateLimited("Runway is rate limiting us (HTTP 429).", retry_after(exc)) from exc
        except sdk.BadRequestError as exc:
            text = str(getattr(exc, "body", None) or exc)
            if is_moderation(None, text, self.spec.moderation_codes):
                raise ClipRefused(_refusal(request.shot_index, text)) from exc
            if "image" in text.lower():
                raise KeyframeRejected(f"Runway refused shot {request.shot_index}'s keyframe: {text[:200]}") from exc
            raise ClipFailed(f"Runway refused the request for shot {request.shot_index}: {text[:200]}") from exc
        except (sdk.APIConnectionError, sdk.InternalServerError) as exc:
            raise TransientError(f"Runway did not answer ({type(exc).__name__}).") from exc
        return str(task.id)

    def status(self, task_id: str) -> TaskStatus:
        sdk = self._sdk
        try:
            task = self.client.tasks.retrieve(task_id)
        except sdk.RateLimitError as exc:
            raise RateLimited("Runway is rate limiting us (HTTP 429).", retry_after(exc)) from exc
        except (sdk.APIConnectionError, sdk.InternalServerError) as exc:
            raise TransientError(f"Runway did not answer ({type(exc).__name__}).") from exc
        raw = str(getattr(task, "status", ""))
        state = _STATES.get(raw)
        cost = getattr(getattr(task, "cost", None), "credits", None)
        cost_usd = float(cost) * USD_PER_CREDIT if cost is not None else None
        if state is None:
            return TaskStatus(state="failed", raw=raw, message=f"Runway answered a status we do not know ({raw[:40]!r}).")
        if state == "failed":
            failure = str(getattr(task, "failure", "") or "")
            code = getattr(task, "failure_code", None)
            if is_moderation(code, failure, self.spec.moderation_codes):
                return TaskStatus(state="refused", raw=raw, message=failure or str(code), cost_usd=cost_usd)
            return TaskStatus(state="failed", raw=raw, message=failure or str(code or "no reason given"), cost_usd=cost_usd)
        output = list(getattr(task, "output", None) or [])
        return TaskStatus(
            state=state,  # type: ignore[arg-type]
            raw=raw,
            progress=getattr(task, "progress", None),
            output_url=output[0] if output else None,
            cost_usd=cost_usd,
        )

    def cancel(self, task_id: str) -> bool:
        try:
            self.client.tasks.delete(task_id)
        except self._sdk.NotFoundError:
            return False
        return True

    def download(self, status: TaskStatus, dest: Path, *, max_bytes: int) -> Path:
        if not status.output_url:
            raise ClipFailed("Runway said the clip was ready but gave no address for it.")
        return stream_download(status.output_url, dest, max_bytes=max_bytes)  # signed URL: no key sent


def _refusal(shot: int, text: str) -> str:
    return (
        f"Shot {shot} was refused by Runway's content moderation ({text[:160]}). Reword shot {shot}'s action "
        "(no real people's names, brands or unsafe content) or redraw its keyframe, then render again."
    )


@engines.register("runway")
def _create(**options: Any) -> RunwayEngine:
    return RunwayEngine(**options)
