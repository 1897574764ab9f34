"""One small interface per generative step, with implementations found by name.

Every kind has an embedded default (offline, deterministic, CPU) and may have hosted or GPU
ones. Settings name the implementation; ``registry.<kind>.create(name, **options)`` builds it.
Implementations receive their clients and paths in the constructor and read no environment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import numpy as np
from PIL import Image

from cutroom.core.errors import UnknownBackendError
from cutroom.core.models import AspectRatio, Brief, Entity, Extraction, Message, Plan, Shot
from cutroom.core.qc.models import QcOptions

# ── the interfaces ──────────────────────────────────────────────────────────────────────


@runtime_checkable
class Extractor(Protocol):
    """Thread to brief. ``base`` is the brief so far: later messages edit it, keeping the rest."""

    def extract(self, thread: Sequence[Message], *, base: Brief | None = None) -> Extraction: ...


@runtime_checkable
class Planner(Protocol):
    """Brief to plan; deterministic for the same brief and seed where the backend allows."""

    def plan(self, brief: Brief, *, seed: int = 0, fps: int = 30) -> Plan: ...


@dataclass
class PanelArt:
    """A drawn shot, kept in layers so the clip backend can move them apart (parallax).

    ``background`` is RGB at the requested size. ``foreground`` (RGBA, same size) holds the
    characters and products, or is None when the backend draws a single flat image.
    ``subject`` is the (x0, y0, x1, y1) box the camera should move about.
    """

    background: Image.Image
    foreground: Image.Image | None = None
    subject: tuple[int, int, int, int] | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def flatten(self) -> Image.Image:
        if self.foreground is None:
            return self.background.copy()
        out = self.background.convert("RGBA")
        out.alpha_composite(self.foreground)
        return out.convert("RGB")


@runtime_checkable
class ImageBackend(Protocol):
    """Shot to picture, consistent across shots through ``plan.bible``."""

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt: ...


@runtime_checkable
class CastingBackend(Protocol):
    """An image backend that also draws an entity's reference look (its cast picture).

    Returns one picture per view it supports: ``front`` (plus ``three_quarter`` and ``side``
    where the engine can) for characters, ``packshot`` for products. Plain background,
    neutral light, no text. Engines without it are cast by the animatic drawings.
    """

    def cast(self, plan: Plan, entity: Entity, *, size: tuple[int, int], seed: int) -> dict[str, Image.Image]: ...


@runtime_checkable
class ClipBackend(Protocol):
    """Shot plus its panel to moving frames: ``frames`` RGB uint8 arrays of ``size`` (w, h)."""

    def frames(
        self, plan: Plan, shot: Shot, art: PanelArt, *, size: tuple[int, int], fps: int, seed: int
    ) -> Iterator[np.ndarray]: ...


@dataclass
class WordTiming:
    word: str
    start_s: float
    end_s: float


@dataclass
class Speech:
    """A spoken line: a mono WAV file and when each word falls within it."""

    wav: Path
    duration_s: float
    words: list[WordTiming]


@runtime_checkable
class VoiceBackend(Protocol):
    def speak(
        self, text: str, *, out: Path, voice: str | None = None, rate_wpm: int | None = None
    ) -> Speech: ...


@runtime_checkable
class FaceEmbedder(Protocol):
    """Face identity vectors for the consistency report (None when no face is found)."""

    def embed(self, image: Image.Image) -> np.ndarray | None: ...


# ── the registry ────────────────────────────────────────────────────────────────────────

T = TypeVar("T")


class Registry(Generic[T]):
    """Named factories for one backend kind. Factories import their heavy deps lazily."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def decorator(factory: Callable[..., T]) -> Callable[..., T]:
            self._factories[name] = factory
            return factory

        return decorator

    def names(self) -> list[str]:
        _load_builtin_backends()
        return sorted(self._factories)

    def create(self, name: str, **options: Any) -> T:
        _load_builtin_backends()
        try:
            factory = self._factories[name]
        except KeyError:
            raise UnknownBackendError(
                f"There is no {self.kind} backend called '{name}'. Choose one of: {', '.join(self.names())}."
            ) from None
        return factory(**options)


extractors: Registry[Extractor] = Registry("extractor")
planners: Registry[Planner] = Registry("planner")
images: Registry[ImageBackend] = Registry("image")
clips: Registry[ClipBackend] = Registry("clip")
voices: Registry[VoiceBackend] = Registry("voice")
faces: Registry[FaceEmbedder] = Registry("face")

_loaded = False
_loading = threading.RLock()


def _load_builtin_backends() -> None:
    """Import the modules that register the built-in backends (once, on first use).

    Jobs run in worker threads, so the first lookups can race: the lock keeps a second
    thread from seeing `_loaded` before the registrations have finished.
    """
    global _loaded
    if _loaded:
        return
    with _loading:
        if _loaded:
            return
        import importlib

        for module in BUILTIN_MODULES:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:  # a module not written yet, or an optional dep
                if not exc.name or not exc.name.startswith("cutroom.core."):
                    continue
                if exc.name != module:
                    raise
        _loaded = True


#: Modules whose import registers backends. Optional heavy deps are imported inside factories.
BUILTIN_MODULES: list[str] = [
    "cutroom.core.extract",  # extractor "heuristic"
    "cutroom.core.plan",  # planner "embedded"
    "cutroom.core.backends.animatic",  # image "animatic"
    "cutroom.core.backends.animatic_clip",  # clip "animatic"
    "cutroom.core.backends.espeak",  # voice "espeak"
    "cutroom.core.backends.llm",  # extractor/planner "anthropic", "openai"
    "cutroom.core.backends.diffusion",  # image/clip "diffusers"
    "cutroom.core.backends.openai_images",  # image "openai"
    "cutroom.core.backends.google_images",  # image "google"
    "cutroom.core.backends.elevenlabs",  # voice "elevenlabs"
    "cutroom.core.backends.face_identity",  # face "insightface" (not "faces": that name is the registry)
    "cutroom.core.clips.backend",  # clip "runway", "veo", "luma", "sim" (SDKs imported inside)
]


@dataclass
class Backends:
    """The set of backends one pipeline run uses; built from settings at the edge."""

    extractor: Extractor
    planner: Planner
    image: ImageBackend
    clip: ClipBackend
    voice: VoiceBackend | None = None
    face: FaceEmbedder | None = None
    #: Most the image engine may spend per UTC day (USD); None means no limit (core.cost).
    image_daily_budget_usd: float | None = None
    #: Where that budget is reserved atomically: the clip task ledger's address (Redis or a folder,
    #: ``core.clips.ledger.open_ledger``); None checks the store's spend records (one process only).
    spend_ledger: str | None = None
    #: QC thresholds, takes and models for keyframes (core.qc); None: the defaults, model-free.
    qc: QcOptions | None = None

    @classmethod
    def embedded(cls) -> Backends:
        """The offline, deterministic, CPU-only default."""
        voice: VoiceBackend | None
        try:
            voice = voices.create("espeak")
        except Exception:  # espeak-ng missing: renders go on with captions only
            voice = None
        return cls(
            extractor=extractors.create("heuristic"),
            planner=planners.create("embedded"),
            image=images.create("animatic"),
            clip=clips.create("animatic"),
            voice=voice,
        )


__all__ = [
    "AspectRatio",
    "Backends",
    "CastingBackend",
    "ClipBackend",
    "Extractor",
    "FaceEmbedder",
    "ImageBackend",
    "PanelArt",
    "Planner",
    "Registry",
    "Speech",
    "VoiceBackend",
    "WordTiming",
    "clips",
    "extractors",
    "faces",
    "images",
    "planners",
    "voices",
]
