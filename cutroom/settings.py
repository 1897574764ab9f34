"""The one Settings object: environment variables and ``.env``, read once per process.

Core never reads the environment; processes read them once, through ``cutroom.wiring.load_settings()``, and pass
values down. Every variable is ``CUTROOM_<NAME>`` except the providers' own conventional
names (``REDIS_URL``, ``ANTHROPIC_API_KEY``, ``SLACK_BOT_TOKEN``...), listed in AliasChoices.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CUTROOM_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # where things live
    data_dir: Path = Field(default=Path("data"), description="Runs, renders, state and the embedded Redis.")
    artifacts_url: str | None = Field(
        default=None, description="Local folder (default: DATA_DIR/artifacts) or s3://bucket/prefix."
    )
    s3_endpoint_url: str | None = Field(default=None, validation_alias=_env("CUTROOM_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL"))
    link_expiry_s: int = 7 * 24 * 3600

    # which backend does each step
    extractor: str = "heuristic"
    planner: str = "embedded"
    image_backend: str = "animatic"
    clip_backend: str = "animatic"
    voice_backend: str | None = "espeak"  # "none": captions only
    face_backend: str | None = None
    # Modules whose import registers more backends (plug-ins, test engines), imported before lookup.
    backend_modules: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # providers (secrets have no defaults)
    anthropic_api_key: SecretStr | None = Field(default=None, validation_alias=_env("ANTHROPIC_API_KEY", "CUTROOM_ANTHROPIC_API_KEY"))
    anthropic_base_url: str | None = Field(default=None, validation_alias=_env("ANTHROPIC_BASE_URL", "CUTROOM_ANTHROPIC_BASE_URL"))
    anthropic_model: str = "claude-sonnet-5-5"
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=_env("OPENAI_API_KEY", "CUTROOM_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=_env("OPENAI_BASE_URL", "CUTROOM_OPENAI_BASE_URL"))
    openai_model: str = "gpt-6.1-terra"
    # Any OpenAI-compatible server (vLLM, Ollama, llama.cpp): which API it speaks, and the name
    # it accepts for the token limit (Ollama documents max_tokens; "none" sends no limit).
    openai_api: Literal["chat", "responses"] = "chat"
    openai_max_tokens: int = Field(default=8192, ge=256)
    openai_max_tokens_param: Literal["max_completion_tokens", "max_tokens", "none"] = "max_completion_tokens"
    llm_timeout_s: float = Field(default=120.0, gt=0, description="Per request to a hosted or local LLM.")
    llm_max_retries: int = Field(default=2, ge=0, le=10, description="The SDK's own retries of a failed request.")
    elevenlabs_api_key: SecretStr | None = Field(default=None, validation_alias=_env("ELEVENLABS_API_KEY", "CUTROOM_ELEVENLABS_API_KEY"))
    elevenlabs_base_url: str | None = Field(default=None, validation_alias=_env("ELEVENLABS_BASE_URL", "CUTROOM_ELEVENLABS_BASE_URL"))
    diffusers_model: Path | None = Field(default=None, description="Local folder of a diffusers text-to-image pipeline.")
    diffusers_video_model: Path | None = None
    diffusers_video_steps: int | None = Field(default=None, ge=1, le=200, description="Clip steps; default 25.")
    diffusers_video_resolution: int | None = Field(default=None, ge=32, le=2048, description="Clip working side; default the family's.")
    diffusers_video_frames: int | None = Field(default=None, ge=1, le=512, description="Frames per clip; default as the shot needs.")
    diffusers_device: str = "cuda"
    # keyframes and the cast (CUTROOM_IMAGE_BACKEND=diffusers|openai|google|animatic)
    diffusers_dtype: str = Field(default="auto", description="auto (the family's), bfloat16, float16 or float32.")
    diffusers_steps: int | None = Field(default=None, ge=1, le=200, description="Default: the model family's.")
    diffusers_guidance: float | None = Field(default=None, ge=0, le=30, description="Default: the model family's.")
    diffusers_resolution: int | None = Field(default=None, ge=256, le=2048, description="Default: the model family's.")
    diffusers_ip_adapter: Path | None = Field(default=None, description="IP-Adapter folder (default MODEL/ip_adapter).")
    diffusers_ip_adapter_weights: str | None = Field(default=None, description="Weights file in that folder.")
    diffusers_ip_adapter_scale: float = Field(default=0.6, ge=0, le=1.5)
    diffusers_cpu_offload: bool = Field(default=False, description="enable_model_cpu_offload (needs accelerate).")
    openai_image_model: str = "gpt-image-2"
    openai_image_quality: Literal["low", "medium", "high", "auto"] = "medium"
    google_api_key: SecretStr | None = Field(default=None, validation_alias=_env("GEMINI_API_KEY", "GOOGLE_API_KEY", "CUTROOM_GOOGLE_API_KEY"))
    google_base_url: str | None = Field(default=None, validation_alias=_env("GOOGLE_GEMINI_BASE_URL", "CUTROOM_GOOGLE_BASE_URL"))
    google_image_model: str = "gemini-3.1-flash-image"
    image_cost_usd: float | None = Field(default=None, ge=0, description="Override the engine's price per image.")
    image_daily_budget_usd: float | None = Field(
        default=None, ge=0, description="Most that image engines may spend per UTC day; unset means no limit."
    )

    # hosted clip engines (CUTROOM_CLIP_BACKEND=runway|veo|luma); the SDKs are the `hosted` extra
    runway_api_key: SecretStr | None = Field(default=None, validation_alias=_env("RUNWAYML_API_SECRET", "CUTROOM_RUNWAY_API_KEY"))
    runway_base_url: str | None = Field(default=None, validation_alias=_env("RUNWAYML_BASE_URL", "CUTROOM_RUNWAY_BASE_URL"))
    runway_model: str | None = Field(default=None, description="Default: gen4_turbo (see core/clips/engines.json).")
    veo_api_key: SecretStr | None = Field(default=None, validation_alias=_env("GOOGLE_API_KEY", "CUTROOM_VEO_API_KEY"))
    veo_base_url: str | None = Field(default=None, validation_alias=_env("CUTROOM_VEO_BASE_URL", "GOOGLE_GEMINI_BASE_URL"))
    veo_model: str | None = Field(default=None, description="Default: veo-3.1-generate-preview.")
    luma_api_key: SecretStr | None = Field(default=None, validation_alias=_env("LUMAAI_API_KEY", "CUTROOM_LUMA_API_KEY"))
    luma_base_url: str | None = Field(default=None, validation_alias=_env("LUMAAI_BASE_URL", "CUTROOM_LUMA_BASE_URL"))
    luma_model: str | None = Field(default=None, description="Default: ray-flash-2.")
    clip_daily_budget_usd: float | None = Field(default=None, ge=0, description="Hosted clips' estimated spend per UTC day; None: no limit.")
    clip_concurrency: int | None = Field(default=None, ge=1, description="Clips at once at the chosen engine, farm-wide (default per engine).")
    clip_timeout_s: float | None = Field(default=None, gt=0, description="Give up waiting on one clip after this (default per engine).")
    clip_usd_per_s: float | None = Field(default=None, ge=0, description="Override the engine table's price estimate.")
    clip_poll_s: float = Field(default=5.0, gt=0, description="First wait between status polls; grows 1.5x per poll.")
    clip_poll_max_s: float = Field(default=30.0, gt=0, description="Longest wait between status polls.")
    sim_latency_s: float = Field(default=2.0, ge=0, description="The simulated engine's time per clip (bench).")
    split_queues: bool = Field(default=False, description="Shot clips go to the hosted/gpu queues (`cutroom worker --queue ...`).")

    # rendering
    fps: int = Field(default=30, ge=12, le=60)
    encoder_preset: str = "veryfast"
    crf: int = Field(default=20, ge=0, le=51)
    render_workers: int = Field(default=2, ge=1, description="Variants rendered in parallel.")

    # jobs
    redis_url: str | None = Field(default=None, validation_alias=_env("REDIS_URL", "CUTROOM_REDIS_URL"))
    max_running_per_requester: int = 1
    job_timeout_s: int = 1800

    # bots
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias=_env("SLACK_BOT_TOKEN", "CUTROOM_SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias=_env("SLACK_SIGNING_SECRET", "CUTROOM_SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(default=None, validation_alias=_env("SLACK_APP_TOKEN", "CUTROOM_SLACK_APP_TOKEN"))
    slack_api_url: str | None = Field(default=None, validation_alias=_env("SLACK_API_URL", "CUTROOM_SLACK_API_URL"))
    slack_mode: Literal["socket", "http"] = "socket"
    discord_token: SecretStr | None = Field(default=None, validation_alias=_env("DISCORD_TOKEN", "CUTROOM_DISCORD_TOKEN"))
    # NoDecode: the raw string reaches _split_csv, so "U1,U2" works as well as '["U1","U2"]'.
    approvers: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="User, group or role ids allowed to approve."
    )
    allowed_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Empty means every channel."
    )
    requests_per_user_per_minute: int = 6
    requests_per_workspace_per_minute: int = 60
    renders_per_user_per_hour: int = 10
    renders_per_workspace_per_day: int = 100

    # quality control (core.qc): thresholds override core/qc/definitions.json by score name
    qc_enabled: bool = Field(default=True, description="Score every shot and retake the weak ones.")
    qc_max_takes: int = Field(default=3, ge=1, le=10, description="Takes per shot, the first included.")
    qc_max_retakes: int = Field(default=6, ge=0, description="Retakes per variant or storyboard.")
    qc_max_cost: float | None = Field(default=None, ge=0, description="Cost budget for retakes (engine units).")
    qc_thresholds: dict[str, float] = Field(default_factory=dict, description='JSON, e.g. {"sharpness": 20}.')
    qc_image_model: Path | None = Field(default=None, description="Local CLIP or DINOv2 folder for QC.")
    qc_device: str = "cpu"

    # playground
    playground_host: str = "127.0.0.1"
    playground_port: int = 7860
    playground_concurrency: int = 2

    @field_validator("approvers", "allowed_channels", "backend_modules", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("voice_backend", "face_backend", mode="before")
    @classmethod
    def _none_is_none(cls, value: object) -> object:
        """The one place \"none\" (or an empty value) turns an optional engine off."""
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator(
        "anthropic_api_key", "openai_api_key", "elevenlabs_api_key", "google_api_key", "slack_bot_token",
        "runway_api_key", "veo_api_key", "luma_api_key",
        "slack_signing_secret", "slack_app_token", "discord_token", mode="before",
    )
    @classmethod
    def _reject_placeholders(cls, value: object) -> object:
        if isinstance(value, str) and (not value.strip() or value.strip().lower() in {"changeme", "xxx", "your-key-here", "..."}):
            return None
        return value

    @property
    def artifacts_location(self) -> str:
        return self.artifacts_url or str(self.data_dir / "artifacts")

    def require(self, name: str) -> str:
        """The secret ``name`` or an error that says which variable to set."""
        value = getattr(self, name)
        if value is None:
            env = name.upper()
            raise ValueError(f"{env} is not set. Put it in the environment or in .env (see README, Configuration).")
        return value.get_secret_value() if isinstance(value, SecretStr) else str(value)
