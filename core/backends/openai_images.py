"""Image backend "openai": keyframes and the cast from OpenAI's GPT Image models (official SDK).

    cast:  images.generate (front view / packshot), then images.edit from that picture for the
           three-quarter and side views, so every view is the same person.
    draw:  images.edit with the cast pictures of the shot's entities (up to 16 inputs), or
           images.generate for a shot without entities.

The default model is ``gpt-image-2``: the installed SDK says gpt-image-1 was shut down on
2026-10-23 and DALL·E 2/3 retired on 2026-05-12. Base URL: ``OPENAI_BASE_URL`` (with ``/v1``).
Rate limits and 5xx are retried by the SDK with backoff (``max_retries``), then reported in
words; a content-policy refusal names the shot and the reason.
"""

from __future__ import annotations

import base64
import io
from typing import Any, Unpack

from PIL import Image

from cutroom.core.backends import images
from cutroom.core.backends.image_engines import HostedImages, HostedOptions, png_bytes, sdk
from cutroom.core.errors import BackendError, RefusedError, TransientError, UnavailableError

DEFAULT_MODEL = "gpt-image-2"
#: Error codes OpenAI uses when its safety system refuses a prompt or an input image.
_REFUSALS = {"moderation_blocked", "content_policy_violation", "image_generation_user_error"}


def api_size(size: tuple[int, int]) -> str:
    """The standard size every GPT image model accepts closest to ``size``'s shape."""
    w, h = size
    if w > h * 1.15:
        return "1536x1024"
    if h > w * 1.15:
        return "1024x1536"
    return "1024x1024"


class OpenAIImages(HostedImages):
    """Keyframes conditioned on the cast through ``images.edit``."""

    version = "1"
    engine = "openai"
    key_names = "OPENAI_API_KEY"

    default_model = DEFAULT_MODEL

    def __init__(self, *, quality: str = "medium", max_retries: int = 4, **common: Unpack[HostedOptions]) -> None:
        super().__init__(quality=quality, **common)
        self._openai: Any = sdk(self.engine, "openai", "pip install 'openai>=1.50'")
        self.client: Any = self._openai.OpenAI(
            api_key=common.get("api_key"), base_url=self.base_url, max_retries=max_retries, timeout=self.timeout_s
        )
        self.max_retries = max_retries

    def _picture(
        self, prompt: str, pictures: list[Image.Image], size: tuple[int, int], seed: int, what: str
    ) -> Image.Image:
        """images.edit from the pictures it must follow (up to 16), else images.generate; no seed in this API."""
        if pictures:
            return self._edit(prompt, pictures, api_size(size), what)
        return self._generate(prompt, api_size(size), what)

    # ── calls ──

    def _generate(self, prompt: str, size: str, what: str) -> Image.Image:
        key = self.cache.key("openai", "generate", self.model, self.quality, size, prompt)
        return self._cached(key, lambda: self._call(
            lambda: self.client.images.generate(
                model=self.model, prompt=prompt, size=size, quality=self.quality, n=1, output_format="png"
            ),
            what,
        ))

    def _edit(self, prompt: str, pictures: list[Image.Image], size: str, what: str) -> Image.Image:
        files = [(f"reference-{k}.png", png_bytes(p), "image/png") for k, p in enumerate(pictures, start=1)]
        key = self.cache.key("openai", "edit", self.model, self.quality, size, prompt, *(f[1] for f in files))
        return self._cached(key, lambda: self._call(
            lambda: self.client.images.edit(
                model=self.model, image=files, prompt=prompt, size=size, quality=self.quality, n=1,
                output_format="png",
            ),
            what,
        ))

    def _cached(self, key: str, request: Any) -> Image.Image:
        found = self.cache.get(key)
        if found is not None:
            return found
        picture: Image.Image = request()
        self.keep_paid(key, picture)
        return picture

    def _call(self, request: Any, what: str) -> Image.Image:
        o = self._openai
        try:
            response = request()
        except o.BadRequestError as exc:
            code = _code(exc)
            if code in _REFUSALS or "safety" in str(exc).lower():
                raise RefusedError(
                    f"OpenAI Images refused {what}: {_message(exc)} Reword that scene and redo it."
                ) from exc
            raise BackendError(f"OpenAI Images rejected {what} (HTTP 400): {_message(exc)}") from exc
        except (o.AuthenticationError, o.PermissionDeniedError) as exc:
            raise UnavailableError(
                f"OpenAI refused the API key ({exc.status_code}). Check OPENAI_API_KEY in the environment or .env."
            ) from exc
        except o.RateLimitError as exc:
            raise TransientError(
                f"OpenAI Images is rate limiting us (HTTP 429) after {self.max_retries + 1} tries at {what}. "
                "Try again in a minute."
            ) from exc
        except o.APIStatusError as exc:
            if exc.status_code >= 500:
                raise TransientError(
                    f"OpenAI Images is failing right now (HTTP {exc.status_code}) at {what}. Try again later."
                ) from exc
            raise BackendError(f"OpenAI Images rejected {what} (HTTP {exc.status_code}): {_message(exc)}") from exc
        except (o.APIConnectionError, o.APITimeoutError) as exc:
            raise TransientError(f"Could not reach OpenAI Images at {what} ({type(exc).__name__}).") from exc
        data = getattr(response, "data", None) or []
        b64 = getattr(data[0], "b64_json", None) if data else None
        if not b64:
            raise BackendError(f"OpenAI Images sent no picture for {what}.")
        try:
            with Image.open(io.BytesIO(base64.b64decode(b64))) as image:
                return image.convert("RGB")
        except (OSError, ValueError) as exc:
            raise BackendError(f"OpenAI Images sent a picture Cutroom cannot read for {what}.") from exc


def _code(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("code") or inner.get("type") or "")
    return str(getattr(exc, "code", "") or "")


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            text = str(inner["message"])[:300]
            return text if text.endswith(".") else text + "."
    return str(exc)[:300]


@images.register("openai")
def _create(**options: Any) -> OpenAIImages:
    return OpenAIImages(**options)
