"""Image backend "google": keyframes and the cast from a Gemini image model (``google-genai`` SDK).

Gemini image models take reference pictures in the request itself: the cast pictures of the
shot's entities go in as image parts before the instruction, numbered in the same order the
instruction names them. ``generate_content`` with ``response_modalities=["IMAGE"]``, the shot's
aspect ratio in ``image_config``, and the bible's seed.

Base URL: the SDK's own ``GOOGLE_GEMINI_BASE_URL`` or ``CUTROOM_GOOGLE_BASE_URL`` (passed as
``http_options.base_url``). 429 and 5xx are retried by the SDK (``HttpRetryOptions``) with
exponential backoff, then reported in words; a safety block names the shot and the reason.
"""

from __future__ import annotations

from typing import Any, Unpack

from PIL import Image

from cutroom.core.backends import images
from cutroom.core.backends.image_engines import HostedImages, HostedOptions, png_bytes, sdk
from cutroom.core.errors import BackendError, RefusedError, TransientError, UnavailableError

DEFAULT_MODEL = "gemini-3.1-flash-image"
#: Why a candidate stopped, when it stopped for safety.
_BLOCKED = {
    "SAFETY",
    "IMAGE_SAFETY",
    "PROHIBITED_CONTENT",
    "IMAGE_PROHIBITED_CONTENT",
    "BLOCKLIST",
    "SPII",
    "IMAGE_RECITATION",
    "RECITATION",
}
_ASPECTS = {"9:16": "9:16", "16:9": "16:9", "1:1": "1:1", "4:5": "3:4"}


def aspect_of(size: tuple[int, int]) -> str:
    w, h = size
    ratio = w / h
    best = min(
        (("9:16", 9 / 16), ("16:9", 16 / 9), ("1:1", 1.0), ("3:4", 3 / 4), ("4:3", 4 / 3)),
        key=lambda item: abs(item[1] - ratio),
    )
    return best[0]


class GoogleImages(HostedImages):
    """Keyframes conditioned on the cast by putting the references in the prompt."""

    version = "1"
    engine = "google"
    key_names = "GEMINI_API_KEY (or GOOGLE_API_KEY)"

    default_model = DEFAULT_MODEL

    def __init__(
        self, *, attempts: int = 5, initial_delay_s: float = 1.0, **common: Unpack[HostedOptions]
    ) -> None:
        super().__init__(**common)
        install = "pip install 'cutroom[google]'"
        genai: Any = sdk(self.engine, "google.genai", install)
        self._errors: Any = sdk(self.engine, "google.genai.errors", install)
        types: Any = sdk(self.engine, "google.genai.types", install)
        self._types = types
        options = types.HttpOptions(
            base_url=self.base_url,
            timeout=int(self.timeout_s * 1000),
            retry_options=types.HttpRetryOptions(
                attempts=attempts, initial_delay=initial_delay_s, max_delay=60.0, exp_base=2.0,
                http_status_codes=[408, 429, 500, 502, 503, 504],
            ),
        )
        self.client: Any = genai.Client(api_key=common.get("api_key"), http_options=options)
        self.attempts = attempts

    def _picture(
        self, prompt: str, pictures: list[Image.Image], size: tuple[int, int], seed: int, what: str
    ) -> Image.Image:
        return self._generate(pictures, prompt, aspect_of(size), seed, what)

    def _generate(self, pictures: list[Image.Image], prompt: str, aspect: str, seed: int, what: str) -> Image.Image:
        t = self._types
        encoded = [png_bytes(p) for p in pictures]
        key = self.cache.key("google", self.model, aspect, str(seed), prompt, *encoded)
        found = self.cache.get(key)
        if found is not None:
            return found
        contents: list[Any] = [t.Part.from_bytes(data=data, mime_type="image/png") for data in encoded]
        contents.append(prompt)
        config = t.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=t.ImageConfig(aspect_ratio=aspect),
            seed=seed,
            candidate_count=1,
        )
        try:
            response = self.client.models.generate_content(model=self.model, contents=contents, config=config)
        except self._errors.APIError as exc:
            raise self._map(exc, what) from exc
        except (OSError, TimeoutError) as exc:
            raise TransientError(f"Could not reach Google GenAI at {what} ({type(exc).__name__}).") from exc
        picture = self._read_picture(response, what)
        self.keep_paid(key, picture)
        return picture

    def _map(self, exc: Any, what: str) -> Exception:
        code = int(getattr(exc, "code", 0) or 0)
        message = str(getattr(exc, "message", "") or exc)[:300]
        if code in (401, 403):
            return UnavailableError(
                f"Google GenAI refused the API key ({code}). Check GEMINI_API_KEY in the environment or .env."
            )
        if code == 429:
            return TransientError(
                f"Google GenAI is rate limiting us (HTTP 429) after {self.attempts} tries at {what}. "
                "Try again in a minute."
            )
        if code >= 500 or code == 408:
            return TransientError(f"Google GenAI is failing right now (HTTP {code}) at {what}. Try again later.")
        return BackendError(f"Google GenAI rejected {what} (HTTP {code}): {message}")

    def _read_picture(self, response: Any, what: str) -> Image.Image:
        feedback = getattr(response, "prompt_feedback", None)
        block = getattr(feedback, "block_reason", None) if feedback is not None else None
        if block:
            reason = getattr(feedback, "block_reason_message", None) or _name(block)
            raise RefusedError(f"Google GenAI refused {what} ({reason}). Reword that scene and redo it.")
        for candidate in getattr(response, "candidates", None) or []:
            content = getattr(candidate, "content", None)
            for part in getattr(content, "parts", None) or []:
                blob = getattr(part, "inline_data", None)
                if blob is not None and blob.data and str(blob.mime_type or "").startswith("image/"):
                    import io

                    try:
                        with Image.open(io.BytesIO(blob.data)) as image:
                            return image.convert("RGB")
                    except OSError as exc:
                        raise BackendError(f"Google GenAI sent a picture Cutroom cannot read for {what}.") from exc
            finish = _name(getattr(candidate, "finish_reason", None))
            if finish in _BLOCKED:
                why = getattr(candidate, "finish_message", None) or finish
                raise RefusedError(f"Google GenAI refused {what} ({why}). Reword that scene and redo it.")
        raise BackendError(f"Google GenAI sent no picture for {what}.")


def _name(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


@images.register("google")
def _create(**options: Any) -> GoogleImages:
    return GoogleImages(**options)
