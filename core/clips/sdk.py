"""What the hosted clip engines share: the key check, the SDK imported lazily, the engine
spec, the SDK's errors in our words, and a download that sends the key to its own host only.

Why one place: Runway, Veo and Luma differ in their requests and statuses, not in this glue;
a fix here (a refused key, a leaked header) is a fix for all three.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

from cutroom.core.clips.engines import ClipFailed, EngineSpec, RateLimited, engine_spec, stream_download
from cutroom.core.errors import TransientError, UnavailableError


class SdkInfo(NamedTuple):
    label: str
    #: The setting that holds the key, named in the refusal when it is missing.
    key_setting: str
    module: str
    package: str
    base_url: str


class SdkEngine:
    """Base of a hosted engine: ``client`` is the official SDK's, made by ``make_client``."""

    name = ""
    info = SdkInfo("", "", "", "", "")

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, model: str | None = None,
                 timeout_s: float = 60.0) -> None:
        info = self.info
        if not api_key:
            raise UnavailableError(f"The {self.name} clip engine needs {info.key_setting}.")
        try:
            sdk = importlib.import_module(info.module)
        except ImportError as exc:
            raise UnavailableError(
                f"The {self.name} clip engine needs the {info.package} SDK: pip install 'cutroom[hosted]'."
            ) from exc
        self.label = info.label
        self._sdk: Any = sdk
        self.spec: EngineSpec = engine_spec(self.name)
        self.model = model or self.spec.default_model
        self.api_key = api_key
        self.base_url = base_url or info.base_url
        self.client: Any = self.make_client(sdk, api_key, self.base_url, timeout_s)

    def make_client(self, sdk: ModuleType, api_key: str, base_url: str, timeout_s: float) -> Any:
        raise NotImplementedError

    def key_headers(self) -> dict[str, str]:
        """The key as this provider's own host takes it (sent nowhere else)."""
        return {}

    def download(self, status: Any, dest: Path, *, max_bytes: int) -> Path:
        """The finished clip. A link relative to (or on) the configured base URL's host gets the key;
        any other host (a signed S3 link, a CDN) gets no key at all."""
        if not status.output_url:
            raise ClipFailed(f"{self.label} said the clip was ready but gave no address for it.")
        url = urljoin(self.base_url, status.output_url) if self.base_url else status.output_url
        same_host = bool(self.base_url) and _origin(url) == _origin(self.base_url)
        return stream_download(url, dest, max_bytes=max_bytes, headers=self.key_headers() if same_host else {})


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@contextlib.contextmanager
def stainless_errors(sdk: Any, label: str) -> Iterator[None]:
    """Runway's and Luma's SDKs (both Stainless): 429 waited out by the driver, outages retried."""
    try:
        yield
    except sdk.RateLimitError as exc:
        raise RateLimited(f"{label} is rate limiting us (HTTP 429).", retry_after(exc)) from exc
    except (sdk.APIConnectionError, sdk.InternalServerError) as exc:
        raise TransientError(f"{label} did not answer ({type(exc).__name__}).") from exc


def cancel_deleting(sdk: Any, delete: Any, task_id: str) -> bool:
    """Cancel by DELETE (Runway, Luma): False when the provider no longer has the task."""
    try:
        delete(task_id)
    except sdk.NotFoundError:
        return False
    return True
