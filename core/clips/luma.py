"""Luma Dream Machine image to video through the official ``lumaai`` SDK (imported lazily).

``POST /generations/video`` answers a generation with an id; ``GET /generations/{id}``
reports ``state`` queued, dreaming, completed (``assets.video``) or failed
(``failure_reason``). Luma takes the keyframe by URL only, so the driver publishes it
first (an S3 artifact store's signed link). ``DELETE /generations/{id}`` is the API's
only way to stop one. The finished video's link is fetched as the base URL setting says: a
link on a custom endpoint (``LUMAAI_BASE_URL``: a gateway, a proxy) or relative to it is
fetched there with the key; a signed link on any other host (Luma's S3-style CDN) without it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from cutroom.core.clips import engines as clip
from cutroom.core.clips.sdk import SdkEngine, SdkInfo, cancel_deleting, stainless_errors

_STATES = {"queued": "queued", "dreaming": "running", "completed": "succeeded", "failed": "failed"}


class LumaEngine(SdkEngine):
    name = "luma"
    info = SdkInfo("Luma", "LUMAAI_API_KEY (or CUTROOM_LUMA_API_KEY)", "lumaai", "lumaai", "https://api.lumalabs.ai/dream-machine/v1")
    needs_image_url = True

    def make_client(self, sdk: ModuleType, api_key: str, base_url: str, timeout_s: float) -> Any:
        return sdk.LumaAI(auth_token=api_key, base_url=base_url, max_retries=0,
                          timeout=timeout_s)

    def key_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"}

    def submit(self, request: clip.ClipRequest) -> str:
        if not request.image_url or not request.image_url.startswith("https://") and not request.extras.get("allow_http"):
            raise clip.KeyframeRejected(
                f"Luma takes shot {request.shot_index}'s keyframe only by a public https link. Use an S3 artifact "
                "store (CUTROOM_ARTIFACTS_URL=s3://...) so Cutroom can give it one."
            )
        try:
            with stainless_errors(self._sdk, self.label):
                create: Any = self.client.generations.create
                generation = create(
                    model=request.model, prompt=request.prompt, aspect_ratio=request.ratio,
                    duration=f"{request.duration_s}s", keyframes={"frame0": {"type": "image", "url": request.image_url}},
                )
        except self._sdk.BadRequestError as exc:
            text = str(getattr(exc, "body", None) or exc)
            if clip.is_moderation(None, text, ()):
                raise clip.ClipRefused(f"Shot {request.shot_index} was refused by Luma's moderation ({text[:160]}). "
                                  f"Reword shot {request.shot_index}'s action, then render again.") from exc
            raise clip.KeyframeRejected(f"Luma refused shot {request.shot_index}'s request: {text[:200]}") from exc
        if not generation.id:
            raise clip.ClipFailed("Luma accepted the request but gave no generation id.")
        return str(generation.id)

    def status(self, task_id: str) -> clip.TaskStatus:
        with stainless_errors(self._sdk, self.label):
            generation = self.client.generations.get(task_id)
        raw = str(generation.state or "")
        state = _STATES.get(raw)
        if state is None:
            return clip.TaskStatus(state="failed", raw=raw, message=f"Luma answered a state we do not know ({raw[:40]!r}).")
        if state == "failed":
            reason = generation.failure_reason or "no reason given"
            return clip.TaskStatus(state="refused" if clip.is_moderation(None, reason, ()) else "failed", raw=raw, message=reason)
        video = generation.assets.video if generation.assets else None
        return clip.TaskStatus(state=state, raw=raw, output_url=video)  # type: ignore[arg-type]

    def cancel(self, task_id: str) -> bool:
        return cancel_deleting(self._sdk, self.client.generations.delete, task_id)


@clip.engines.register("luma")
def _create(**options: Any) -> LumaEngine:
    return LumaEngine(**options)
