"""Settings to backends: the one place that turns configuration into working objects.

Core never reads the environment; this edge reads ``Settings`` and hands each backend its
keys, base URLs, model folders and device as plain keyword options. Backends that need
nothing (the embedded ones) get no options.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from pydantic import SecretStr

from cutroom.core.backends import (
    Backends,
    FaceEmbedder,
    VoiceBackend,
    clips,
    extractors,
    faces,
    images,
    planners,
    voices,
)
from cutroom.core.qc.models import QcOptions
from cutroom.settings import Settings

if TYPE_CHECKING:
    from cutroom.core.render import RenderOptions

#: Where insightface model packs live (``<data_dir>/insightface/models/<pack>/*.onnx``) until Settings has its own knob.
INSIGHTFACE_SUBDIR = "insightface"


S = TypeVar("S", bound=Settings)


@overload
def load_settings() -> Settings: ...
@overload
def load_settings(kind: type[S]) -> S: ...
def load_settings(kind: type[Settings] = Settings) -> Settings:
    """The process's settings (environment and ``.env``): the only place they are read.

    ``kind`` is ``Settings`` or a room's own section on top of it (``jobs.worker.WorkerConfig``).
    """
    return kind()


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def llm_options(settings: Settings, name: str) -> dict[str, Any]:
    """Keyword options for an extractor or planner called ``name``."""
    if name == "anthropic":
        return {
            "api_key": _secret(settings.anthropic_api_key),
            "base_url": settings.anthropic_base_url,
            "model": settings.anthropic_model,
            "timeout_s": settings.llm_timeout_s,
            "max_retries": settings.llm_max_retries,
        }
    if name == "openai":
        return {
            "api_key": _secret(settings.openai_api_key),
            "base_url": settings.openai_base_url,
            "model": settings.openai_model,
            "api": settings.openai_api,
            "max_tokens": settings.openai_max_tokens,
            "max_tokens_param": settings.openai_max_tokens_param,
            "timeout_s": settings.llm_timeout_s,
            "max_retries": settings.llm_max_retries,
        }
    return {}


def image_options(settings: Settings, name: str) -> dict[str, Any]:
    if name == "diffusers":
        options: dict[str, Any] = {
            "model_path": settings.diffusers_model,
            "device": settings.diffusers_device,
            "dtype": settings.diffusers_dtype,
            "steps": settings.diffusers_steps,
            "guidance_scale": settings.diffusers_guidance,
            "resolution": settings.diffusers_resolution,
            "ip_adapter": settings.diffusers_ip_adapter,
            "ip_adapter_weights": settings.diffusers_ip_adapter_weights,
            "ip_adapter_scale": settings.diffusers_ip_adapter_scale,
            "cpu_offload": settings.diffusers_cpu_offload,
        }
        return options
    if name == "openai":
        return {
            "api_key": _secret(settings.openai_api_key),
            "base_url": settings.openai_base_url,
            "model": settings.openai_image_model,
            "quality": settings.openai_image_quality,
            "cost_per_image_usd": settings.image_cost_usd,
            "cache_dir": str(settings.data_dir / "cache" / "keyframes"),
        }
    if name == "google":
        return {
            "api_key": _secret(settings.google_api_key),
            "base_url": settings.google_base_url,
            "model": settings.google_image_model,
            "cost_per_image_usd": settings.image_cost_usd,
            "cache_dir": str(settings.data_dir / "cache" / "keyframes"),
        }
    return {}


def clip_options(settings: Settings, name: str) -> dict[str, Any]:
    if name == "diffusers":
        tuning = {"steps": settings.diffusers_video_steps, "resolution": settings.diffusers_video_resolution,
                  "num_frames": settings.diffusers_video_frames}
        return {
            "model_path": settings.diffusers_video_model,
            "device": settings.diffusers_device,
            "cpu_offload": settings.diffusers_cpu_offload,
            # clip files by key: a gpu worker's shot job makes them, the assembling render reads them
            "cache_dir": str((settings.data_dir / "cache" / "clips").resolve()),
            **{k: v for k, v in tuning.items() if v is not None},
        }
    if name in HOSTED_CLIP_ENGINES:
        return hosted_clip_options(settings, name)
    return {}


#: Hosted clip engines and the settings that hold their keys, for messages that name them.
HOSTED_CLIP_ENGINES: dict[str, str] = {
    "runway": "RUNWAYML_API_SECRET",
    "veo": "GOOGLE_API_KEY",
    "luma": "LUMAAI_API_KEY",
    "sim": "",
}


def clip_ledger_url(settings: Settings) -> str:
    """Where hosted clips' task ids are written: the workers' Redis when there is one, else a folder."""
    return settings.redis_url or str((settings.data_dir / "clips" / "ledger").resolve())


def _spend_ledger(settings: Settings) -> str:
    """The image budget is reserved where clips reserve theirs (so a farm shares one counter)."""
    if settings.redis_url:
        import cutroom.storage.tasks  # noqa: F401  (registers the redis:// ledger in this process)
    return clip_ledger_url(settings)


def hosted_clip_options(settings: Settings, name: str) -> dict[str, Any]:
    """A hosted clip backend's options: key and base URL for its own host only, ledger, limits."""
    if settings.redis_url:
        import cutroom.storage.tasks  # noqa: F401  (registers the redis:// ledger in this process)
    options: dict[str, Any] = {
        "ledger": clip_ledger_url(settings),
        "cache_dir": str((settings.data_dir / "cache" / "clips").resolve()),
        "image_backend": settings.image_backend,
        "image_options": image_options(settings, settings.image_backend),
        "daily_budget_usd": settings.clip_daily_budget_usd,
        "usd_per_s": settings.clip_usd_per_s,
        "concurrency": settings.clip_concurrency,
        "timeout_s": settings.clip_timeout_s,
        "poll_s": settings.clip_poll_s,
        "poll_max_s": settings.clip_poll_max_s,
    }
    if name == "sim":
        return {**options, "latency_s": settings.sim_latency_s}
    if settings.artifacts_location.startswith("s3://"):
        options["publisher"] = settings.artifacts_location
        options["publisher_endpoint"] = settings.s3_endpoint_url
    return {
        **options,
        "api_key": _secret(getattr(settings, f"{name}_api_key")),
        "base_url": getattr(settings, f"{name}_base_url"),
        "model": getattr(settings, f"{name}_model"),
    }


def check_clip_backend(settings: Settings) -> None:
    """Refuse to start a worker whose clip engine is unknown or has no key, naming the setting."""
    from cutroom.core.errors import UnavailableError, UnknownBackendError

    name = settings.clip_backend
    if name in HOSTED_CLIP_ENGINES and name != "sim" and getattr(settings, f"{name}_api_key") is None:
        raise UnavailableError(
            f"CUTROOM_CLIP_BACKEND is '{name}' but {HOSTED_CLIP_ENGINES[name]} is not set. Put the key in the "
            "environment or .env, or set CUTROOM_CLIP_BACKEND=animatic."
        )
    try:
        clips.create(name, **clip_options(settings, name))
    except UnknownBackendError as exc:
        raise UnknownBackendError(f"CUTROOM_CLIP_BACKEND: {exc}") from None


def voice_options(settings: Settings, name: str) -> dict[str, Any]:
    if name == "elevenlabs":
        return {"api_key": _secret(settings.elevenlabs_api_key), "base_url": settings.elevenlabs_base_url}
    return {}


def face_options(settings: Settings, name: str) -> dict[str, Any]:
    if name == "insightface":
        root = getattr(settings, "insightface_root", None) or settings.data_dir / INSIGHTFACE_SUBDIR
        return {"root": root, "device": settings.diffusers_device}
    return {}


def backend_options(settings: Settings) -> dict[str, dict[str, Any]]:
    """Each kind's options for the backend ``settings`` names, for callers that create backends
    by name in another process (the renderer's workers): ``images.create(name, **opts["image"])``.
    Holds secrets: pass it in-process or to child processes, never in a queued job's payload."""
    return {
        "extractor": llm_options(settings, settings.extractor),
        "planner": llm_options(settings, settings.planner),
        "image": image_options(settings, settings.image_backend),
        "clip": clip_options(settings, settings.clip_backend),
        "voice": voice_options(settings, settings.voice_backend or ""),
        "face": face_options(settings, settings.face_backend or ""),
    }


def render_options(settings: Settings, *, fps: int | None = None) -> RenderOptions:
    """How to render, from settings: encoder, parallelism, and each backend by name with its options.

    The CLI, the playground and the workers all render with this, so a setting means the same
    everywhere (``CUTROOM_VOICE_BACKEND=none`` is captions only in each of them).
    """
    from cutroom.core.render import RenderOptions

    options = backend_options(settings)
    _import_backend_modules(settings)
    return RenderOptions(
        fps=fps or settings.fps,
        preset=settings.encoder_preset,
        crf=settings.crf,
        # A GPU pipeline is loaded once per process (core.backends.diffusion._PIPELINES): render the
        # variants in one process so they share it instead of loading a copy each.
        workers=1 if "diffusers" in (settings.image_backend, settings.clip_backend) else settings.render_workers,
        image_backend=settings.image_backend,
        clip_backend=settings.clip_backend,
        voice_backend=settings.voice_backend,
        face_backend=settings.face_backend,
        backend_options={k: options[k] for k in ("image", "clip", "voice", "face") if options[k]},
        qc=qc_options(settings),
        backend_modules=[*clip_backend_modules(settings), *settings.backend_modules],
    )


def _import_backend_modules(settings: Settings) -> None:
    import importlib

    for module in settings.backend_modules:
        importlib.import_module(module)


def qc_options(settings: Settings) -> QcOptions:
    """QC from settings; a wrong CUTROOM_QC_IMAGE_MODEL folder fails here, naming the setting."""
    from cutroom.core.qc.embedders import ImageEmbedder

    if settings.qc_image_model is not None and settings.qc_enabled:
        folder = Path(settings.qc_image_model).expanduser()
        if not (folder / "config.json").is_file():
            ImageEmbedder(folder)  # raises UnavailableError naming CUTROOM_QC_IMAGE_MODEL
    return QcOptions(
        enabled=settings.qc_enabled,
        max_takes=settings.qc_max_takes,
        max_retakes=settings.qc_max_retakes,
        max_cost=settings.qc_max_cost,
        thresholds=settings.qc_thresholds,
        image_model=str(settings.qc_image_model) if settings.qc_image_model else None,
        image_device=settings.qc_device,
    )


def clip_backend_modules(settings: Settings) -> list[str]:
    """Plug-ins the renderer's processes import: the Redis task ledger for hosted clips."""
    return ["cutroom.storage.tasks"] if settings.clip_backend in HOSTED_CLIP_ENGINES and settings.redis_url else []


def face_embedder(settings: Settings) -> FaceEmbedder | None:
    """The configured face engine, or None where settings name none."""
    if not settings.face_backend:
        return None
    _import_backend_modules(settings)
    return faces.create(settings.face_backend, **face_options(settings, settings.face_backend))


def build_backends(settings: Settings) -> Backends:
    """Every backend named in ``settings``, built with its options.

    A backend that is configured but cannot work (no key, no model folder) raises
    ``UnavailableError`` saying what to set, except the default espeak voice: without
    espeak-ng the ad still renders, with captions and no voice, as ``Backends.embedded``.
    """
    _import_backend_modules(settings)
    voice: VoiceBackend | None = None
    name = (settings.voice_backend or "").lower()
    if name:
        if name == "espeak":
            try:
                voice = voices.create(name)
            except Exception:  # espeak-ng missing: renders go on with captions only
                voice = None
        else:
            voice = voices.create(name, **voice_options(settings, name))

    face = face_embedder(settings)

    return Backends(
        extractor=extractors.create(settings.extractor, **llm_options(settings, settings.extractor)),
        planner=planners.create(settings.planner, **llm_options(settings, settings.planner)),
        image=images.create(settings.image_backend, **image_options(settings, settings.image_backend)),
        clip=clips.create(settings.clip_backend, **clip_options(settings, settings.clip_backend)),
        voice=voice,
        face=face,
        image_daily_budget_usd=settings.image_daily_budget_usd,
        spend_ledger=_spend_ledger(settings),
        qc=qc_options(settings),
    )
