"""The one Settings object: environment variables and ``.env``, read once per process.

Core never reads the environment; processes build ``Settings()`` at their edge and pass
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
    voice_backend: str = "espeak"
    face_backend: str | None = None
    # Modules whose import registers more backends (plug-ins, test engines), imported before lookup.
    backend_modules: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # providers (secrets have no defaults)
    anthropic_api_key: SecretStr | None = Field(default=None, validation_alias=_env("ANTHROPIC_API_KEY", "CUTROOM_ANTHROPIC_API_KEY"))
    anthropic_base_url: str | None = Field(default=None, validation_alias=_env("ANTHROPIC_BASE_URL", "CUTROOM_ANTHROPIC_BASE_URL"))
    anthropic_model: str = "claude-sonnet-4-6"
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=_env("OPENAI_API_KEY", "CUTROOM_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=_env("OPENAI_BASE_URL", "CUTROOM_OPENAI_BASE_URL"))
    openai_model: str = "gpt-4.1-mini"
    elevenlabs_api_key: SecretStr | None = Field(default=None, validation_alias=_env("ELEVENLABS_API_KEY", "CUTROOM_ELEVENLABS_API_KEY"))
    elevenlabs_base_url: str | None = Field(default=None, validation_alias=_env("ELEVENLABS_BASE_URL", "CUTROOM_ELEVENLABS_BASE_URL"))
    diffusers_model: Path | None = Field(default=None, description="Local folder of a diffusers text-to-image pipeline.")
    diffusers_video_model: Path | None = None
    diffusers_device: str = "cuda"

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

    @field_validator(
        "anthropic_api_key", "openai_api_key", "elevenlabs_api_key", "slack_bot_token",
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
