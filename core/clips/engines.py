"""Hosted image-to-video engines: one small interface, split into submit / status / cancel / download.

Why split: a hosted clip takes minutes and costs money, so the provider's task id must be
written down (``core.clips.ledger``) between submitting and waiting. The SDKs' own
``wait_for_task_output`` helpers hide that moment; each engine here exposes it.

Errors (each ``str()`` is fit for the thread)::

    CutroomError
    ├── InputError
    │   ├── ClipRefused       the provider's moderation refused the shot (not retried)
    │   ├── KeyframeRejected  the provider refused the picture (size, format)
    │   └── OverBudget        the clip's estimated cost would pass the daily budget
    └── BackendError
        ├── TransientError
        │   └── RateLimited   HTTP 429: wait ``retry_after_s`` and submit again (nothing was created)
        ├── ClipFailed        the task ended FAILED or CANCELLED, or answered a status we do not know
        └── ClipTimedOut      the task did not finish within the engine's limit (kept, resumable)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from cutroom.core.backends import Registry
from cutroom.core.errors import BackendError, BudgetError, InputError, TransientError

TaskState = Literal["queued", "running", "succeeded", "failed", "refused", "cancelled"]


class ClipRefused(InputError):
    """Moderation refused the shot's prompt or picture; the message names the shot and a way out."""


class KeyframeRejected(InputError):
    """The provider could not take the keyframe (too big, wrong format)."""


class OverBudget(BudgetError):
    """Submitting would pass the daily budget for hosted clips (nothing was submitted)."""


class RateLimited(TransientError):
    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def __reduce__(self) -> tuple[Any, ...]:  # arq pickles one-argument exceptions only
        return (TransientError, (str(self),))


class ClipFailed(BackendError):
    """The provider's task failed, was cancelled there, or answered something we do not know."""


class ClipTimedOut(BackendError):
    """The task is still not done after the engine's time limit; it is kept for a redo."""


@dataclass(frozen=True)
class ModelSpec:
    durations: tuple[int, ...]
    usd_per_s: float


@dataclass(frozen=True)
class EngineSpec:
    """What one engine can make, from ``engines.json`` (data, not code)."""

    name: str
    label: str
    default_model: str
    models: dict[str, ModelSpec]
    ratios: dict[str, str]
    fps: int
    max_image_bytes: int
    timeout_s: float
    concurrency: int
    moderation_codes: tuple[str, ...] = ()

    def model(self, name: str | None) -> tuple[str, ModelSpec]:
        chosen = name or self.default_model
        if chosen not in self.models:
            # An unknown model may be newer than this table: allow it with the default's durations.
            return chosen, self.models[self.default_model]
        return chosen, self.models[chosen]


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(__file__).with_name("engines.json")).read_text())
    return data


def engine_spec(name: str) -> EngineSpec:
    raw = _table().get(name)
    if raw is None or name.startswith("_"):
        raise KeyError(name)
    return EngineSpec(
        name=name,
        label=raw["label"],
        default_model=raw["default_model"],
        models={
            k: ModelSpec(durations=tuple(v["durations"]), usd_per_s=float(v["usd_per_s"]))
            for k, v in raw["models"].items()
        },
        ratios=dict(raw["ratios"]),
        fps=int(raw["fps"]),
        max_image_bytes=int(raw["max_image_bytes"]),
        timeout_s=float(raw["timeout_s"]),
        concurrency=int(raw["concurrency"]),
        moderation_codes=tuple(raw.get("moderation_codes", ())),
    )


def choose_duration(durations: tuple[int, ...], wanted_s: float) -> int:
    """The shortest supported length that covers the shot, else the longest (then held; see fit)."""
    covering = [d for d in sorted(durations) if d + 1e-6 >= wanted_s]
    return covering[0] if covering else max(durations)


@dataclass
class ClipRequest:
    """One shot's clip as an engine is asked for it."""

    shot_index: int
    image_png: bytes
    prompt: str
    duration_s: int
    wanted_s: float
    ratio: str
    seed: int
    model: str
    image_url: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def key(self, engine: str) -> str:
        """Everything that decides the clip; the same key is the same paid clip, reused."""
        digest = hashlib.sha256()
        digest.update(
            json.dumps(
                [engine, self.model, self.prompt, self.duration_s, self.ratio, self.seed], sort_keys=True
            ).encode()
        )
        digest.update(hashlib.sha256(self.image_png).digest())
        return f"{engine}-{digest.hexdigest()[:32]}"


@dataclass
class TaskStatus:
    state: TaskState
    progress: float | None = None
    output_url: str | None = None
    message: str = ""
    cost_usd: float | None = None
    raw: str = ""
    #: The clip itself when the API returns it inline (Veo on Vertex answers base64 bytes).
    output_bytes: bytes | None = None


@runtime_checkable
class HostedEngine(Protocol):
    """A provider's image-to-video task API, through its official SDK."""

    name: str
    spec: EngineSpec

    def submit(self, request: ClipRequest) -> str: ...

    def status(self, task_id: str) -> TaskStatus: ...

    def cancel(self, task_id: str) -> bool: ...

    def download(self, status: TaskStatus, dest: Path, *, max_bytes: int) -> Path: ...


engines: Registry[HostedEngine] = Registry("hosted clip engine")

#: Camera moves as motion words for the prompt (the shot's ``camera_move`` values).
CAMERA_WORDS: dict[str, str] = {
    "static": "locked-off static camera",
    "drift": "slow gentle camera drift",
    "push_in": "slow push in towards the subject",
    "pull_out": "slow pull back from the subject",
    "pan_left": "camera pans left",
    "pan_right": "camera pans right",
    "truck_left": "camera trucks left alongside the subject",
    "truck_right": "camera trucks right alongside the subject",
    "tilt_up": "camera tilts up",
    "tilt_down": "camera tilts down",
    "crane_up": "camera cranes up",
    "crane_down": "camera cranes down",
    "handheld": "subtle handheld camera",
}


def is_moderation(code: str | None, text: str | None, codes: tuple[str, ...]) -> bool:
    blob = f"{code or ''} {text or ''}".upper()
    return any(c in blob for c in codes) or "MODERATION" in blob or "SAFETY" in blob


def stream_download(url: str, dest: Path, *, max_bytes: int, headers: dict[str, str] | None = None) -> Path:
    """Stream ``url`` to ``dest`` (atomically, capped at ``max_bytes``); halfway failures are transient."""
    import httpx

    if not url.startswith(("https://", "http://")):
        raise ClipFailed("The provider gave a video address that is not http(s); nothing was downloaded.")
    part = dest.with_name(f".{dest.name}.part")
    size = 0
    try:
        with (
            httpx.stream("GET", url, headers=headers or {}, timeout=60.0, follow_redirects=True) as response,
            part.open("wb") as out,
        ):
            if response.status_code >= 400:
                raise TransientError(f"Downloading the clip failed (HTTP {response.status_code}); trying again.")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise ClipFailed(f"The provider's clip is {declared} bytes, over the {max_bytes}-byte limit.")
            for chunk in response.iter_bytes(1 << 16):
                size += len(chunk)
                if size > max_bytes:
                    raise ClipFailed(f"The provider's clip passed the {max_bytes}-byte limit; download stopped.")
                out.write(chunk)
            if declared and size != declared:
                raise TransientError("The clip's download stopped halfway; it will be fetched again.")
    except httpx.HTTPError as exc:
        part.unlink(missing_ok=True)
        raise TransientError(f"The clip's download stopped halfway ({type(exc).__name__}); trying again.") from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if size == 0:
        part.unlink(missing_ok=True)
        raise TransientError("The provider's clip came back empty; it will be fetched again.")
    part.replace(dest)
    return dest
