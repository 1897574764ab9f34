"""How to render (not what): encoder settings, parallelism, the backends by name, and building them in a worker process."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cutroom.core.backends import (
    FaceEmbedder,
    VoiceBackend,
    faces,
    voices,
)
from cutroom.core.errors import (
    UnavailableError,
)
from cutroom.core.qc.models import QcOptions

#: Bump when the compositor's output changes, so old cached segments are not reused.
RENDERER_VERSION = "2"


#: Long side (px) of the frames read back for the consistency report: colour statistics need
#: few pixels; a face embedder needs faces big enough to detect.
REPORT_LONG_SIDE = 320


FACE_LONG_SIDE = 640


class RenderOptions(BaseModel):
    """How to render (not what): encoder settings, parallelism and which backends draw and speak."""

    model_config = ConfigDict(extra="forbid")

    fps: int = Field(default=30, ge=12, le=60)
    preset: str = "veryfast"
    crf: int = Field(default=20, ge=0, le=51)
    workers: int = Field(default=2, ge=1)
    image_backend: str = "animatic"
    clip_backend: str = "animatic"
    voice_backend: str | None = "espeak"
    #: Face embedder for the consistency report's identity scores; None leaves identity unmeasured.
    face_backend: str | None = None
    audio_bitrate: str = "160k"
    #: Modules to import before backends are looked up, so plug-in backends registered
    #: outside core also exist in worker processes.
    backend_modules: list[str] = Field(default_factory=list)
    music: bool = True
    captions: bool = True
    #: Keyword options per backend kind ("image", "clip", "voice", "face"): keys, base URLs, model
    #: folders, device. They may hold secrets, so manifests leave them out.
    backend_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: Scores per shot and the retake rule (core.qc); ``enabled=False`` renders without them.
    qc: QcOptions = Field(default_factory=QcOptions)

    def create_options(self, kind: str) -> dict[str, Any]:
        return dict(self.backend_options.get(kind) or {})

    def public(self) -> dict[str, Any]:
        """What a manifest records: everything but the backends' options."""
        return self.model_dump(mode="json", exclude={"backend_options"})


def _import_backend_modules(options: RenderOptions) -> None:
    import importlib

    for module in options.backend_modules:
        importlib.import_module(module)


def _face_backend(options: RenderOptions, notices: list[str]) -> FaceEmbedder | None:
    name = options.face_backend
    if not name:  # "none" was turned into None once, by Settings
        return None
    _import_backend_modules(options)
    try:
        return faces.create(name, **options.create_options("face"))
    except Exception as exc:  # a missing model pack or library must not cost the video
        notices.append(f"Face identity was not measured: {exc}")
        return None


def _voice_backend(options: RenderOptions, notices: list[str]) -> VoiceBackend | None:
    if not options.voice_backend:
        return None
    _import_backend_modules(options)
    try:
        return voices.create(options.voice_backend, **options.create_options("voice"))
    except UnavailableError as exc:
        notices.append(f"{exc} The ad has captions only.")
        return None
