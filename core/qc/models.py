"""The QC records that cross boundaries: per take, per shot, per variant (JSON in manifests)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TakeQc(_Model):
    """One attempt at a shot: its seed, what it scored and which scores missed their threshold."""

    take: int = Field(ge=1)
    seed: int
    scores: dict[str, float] = Field(default_factory=dict)
    failed: list[str] = Field(default_factory=list, description="Scores past their threshold.")
    kept: bool = False


class ShotQc(_Model):
    """A shot's kept take and every take tried; ``scores`` are the kept take's."""

    index: int
    scores: dict[str, float] = Field(default_factory=dict)
    failed: list[str] = Field(default_factory=list)
    takes: list[TakeQc] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    references: dict[str, str] = Field(
        default_factory=dict, description="Entity id -> the cast reference its identity was scored against."
    )
    reused: bool = Field(default=False, description="Taken from the render cache with its earlier scores.")
    not_retaken: str | None = Field(
        default=None, description='Why a retake the scores asked for was not made: "budget" (money ran out).'
    )

    @property
    def retaken(self) -> bool:
        return len(self.takes) > 1


class QcReport(_Model):
    """Scores of a whole variant (or of any video, through ``cutroom eval``)."""

    shots: list[ShotQc] = Field(default_factory=list)
    sequence: float | None = Field(
        default=None, description="Entity consistency across scenes, 0..1, neighbours weighted more."
    )
    sequence_method: str = Field(default="", description="What the sequence score compared.")
    measured: list[str] = Field(default_factory=list, description="Scores that were measured.")
    not_measured: dict[str, str] = Field(default_factory=dict, description="Score -> why it was not.")
    thresholds: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    scoring_s: float = Field(default=0.0, description="CPU seconds spent sampling and scoring.")
    retake_s: float = Field(default=0.0, description="Seconds spent rendering retakes.")

    @property
    def retaken(self) -> list[int]:
        return [s.index for s in self.shots if s.retaken]

    @property
    def not_retaken_for_budget(self) -> list[int]:
        """Shots whose retake was refused because it would pass the daily budget."""
        return [s.index for s in self.shots if s.not_retaken == "budget"]


class QcOptions(_Model):
    """How QC runs in a render or a storyboard: thresholds, takes, budget and optional models.

    Built from settings at the edge (``cutroom.wiring``); travels to render worker processes.
    """

    enabled: bool = True
    max_takes: int = Field(default=3, ge=1, le=10, description="Takes per shot, the first included.")
    max_retakes: int = Field(default=6, ge=0, description="Retakes per variant or storyboard (the budget).")
    max_cost: float | None = Field(default=None, ge=0, description="Cost budget for retakes, engine units.")
    thresholds: dict[str, float] = Field(default_factory=dict, description="Overrides of the defaults.")
    image_model: str | None = Field(
        default=None, description="Local CLIP/DINOv2 folder (CUTROOM_QC_IMAGE_MODEL)."
    )
    image_device: str = "cpu"
    references: dict[str, str] = Field(
        default_factory=dict, description="Entity id -> local reference image (the cast), beside the bible's."
    )
    reference_names: dict[str, str] = Field(
        default_factory=dict, description="Entity id -> the cast reference's store key, as records name it."
    )
