"""The domain: what every surface (Slack, Discord, Gradio, CLI, workers) shares.

Everything here is a pydantic model so it crosses process and network boundaries as
JSON, and so an LLM planner can fill it through tool use (``Plan.model_json_schema()``).

    Message* ──extract──▶ Brief ──plan──▶ Plan(Shot*, StyleBible(Entity*)) ──draw──▶ Storyboard
                                                        │
                                            RenderSpec ─┴─render──▶ Variant
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from cutroom.core.qc.models import QcReport, ShotQc

# ── vocabularies ────────────────────────────────────────────────────────────────────────

AspectRatio = Literal["16:9", "9:16", "1:1", "4:5"]


def _portrait_only() -> list[AspectRatio]:
    return ["9:16"]


Goal = Literal[
    "awareness", "launch", "offer", "testimonial", "app_install", "signup", "event", "donation", "local_business"
]
ShotSize = Literal["extreme_wide", "wide", "medium", "medium_close", "close_up", "extreme_close_up"]
CameraMove = Literal[
    "static",
    "drift",
    "push_in",
    "pull_out",
    "pan_left",
    "pan_right",
    "truck_left",
    "truck_right",
    "tilt_up",
    "tilt_down",
    "crane_up",
    "crane_down",
    "handheld",
]
Transition = Literal["cut", "crossfade", "dip_to_color", "whip_pan"]
EntityKind = Literal["character", "product"]
ProductCategory = Literal["bottle", "box", "can", "phone", "shoe", "food", "generic"]
Lighting = Literal["bright", "golden", "soft", "moody", "neon", "studio"]
ShotRole = Literal["hook", "problem", "reveal", "benefit", "proof", "offer", "cta"]

#: Pixel size each aspect ratio renders at (storyboards scale these down).
FRAME_SIZES: dict[str, tuple[int, int]] = {
    "16:9": (1920, 1080),
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
    "4:5": (1080, 1350),
}

MIN_DURATION_S = 15
MAX_DURATION_S = 60

HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class _Model(BaseModel):
    """Strict enough to catch typos from an LLM or a hand-edited JSON file."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# ── the conversation ────────────────────────────────────────────────────────────────────


class Message(_Model):
    """One message of a thread, whichever platform it came from."""

    author: str = "user"
    text: str = ""
    timestamp: datetime | None = None


# ── the brief ───────────────────────────────────────────────────────────────────────────


class BrandKit(_Model):
    name: str | None = None
    palette: list[HexColor] = Field(default_factory=list, description="Brand colours, most important first.")
    logo: str | None = Field(default=None, description="Path or artifact key of the logo image.")
    font: str | None = Field(default=None, description="Font family name or path to a .ttf/.otf file.")

    @field_validator("palette", mode="before")
    @classmethod
    def _normalise_palette(cls, value: object) -> object:
        if isinstance(value, list):
            return [v.lower() if isinstance(v, str) and _HEX.match(v) else v for v in value]
        return value


class Brief(_Model):
    """What the marketer asked for, extracted from a thread or filled in a form."""

    product: str | None = Field(default=None, description="What is advertised, e.g. 'Glow serum'.")
    product_category: ProductCategory = "generic"
    audience: str | None = Field(default=None, description="Who the ad speaks to.")
    goal: Goal = "awareness"
    tone: list[str] = Field(default_factory=list, description="Tone words, e.g. playful, premium.")
    duration_s: int = Field(default=30, ge=MIN_DURATION_S, le=MAX_DURATION_S)
    platforms: list[str] = Field(default_factory=list)
    aspect_ratios: list[AspectRatio] = Field(default_factory=_portrait_only)
    call_to_action: str | None = None
    url: str | None = None
    brand: BrandKit = Field(default_factory=BrandKit)
    characters: list[str] = Field(default_factory=list, description="People or mascots to feature.")
    character_looks: dict[str, str] = Field(
        default_factory=dict,
        description="A character (as named in ``characters``) to its looks as the thread gave them.",
    )
    must_include: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    language: str = "en"
    notes: list[str] = Field(
        default_factory=list, description="Everything said that no field captured, kept verbatim."
    )

    @field_validator("aspect_ratios")
    @classmethod
    def _dedupe_aspects(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value)) or ["9:16"]


class Extraction(_Model):
    """A brief plus what is still missing and the one question that would fill it."""

    brief: Brief
    missing: list[str] = Field(default_factory=list, description="Names of essential fields not found.")
    question: str | None = Field(default=None, description="One short follow-up question, or None.")
    notices: list[str] = Field(
        default_factory=list, description="Things the user should know (clamped length, trimmed thread...)."
    )
    confidence: dict[str, float] = Field(
        default_factory=dict, description="Per brief field, how sure the extractor is (0 to 1)."
    )


# ── the plan ────────────────────────────────────────────────────────────────────────────


class Entity(_Model):
    """A recurring character or product that must look the same in every shot."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$")
    name: str
    kind: EntityKind
    look: str = Field(default="", description="Look description used by every image prompt.")
    category: ProductCategory | None = Field(default=None, description="Products only: how to draw it.")
    colors: dict[str, HexColor] = Field(
        default_factory=dict,
        description=(
            "Fixed colours by part: skin, hair, outfit, accent for people; fur, markings, collar, "
            "accent for animals; body, label, cap for products."
        ),
    )
    reference_image: str | None = None


class StyleBible(_Model):
    """Consistency across scenes: one palette, one light, one look, fixed seeds."""

    palette: list[HexColor] = Field(min_length=1)
    lighting: Lighting = "soft"
    style_words: list[str] = Field(default_factory=list)
    base_seed: int = 0
    entities: list[Entity] = Field(default_factory=list)
    entity_seeds: dict[str, int] = Field(default_factory=dict)

    def entity(self, entity_id: str) -> Entity:
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        raise KeyError(entity_id)

    @model_validator(mode="after")
    def _seeds_for_every_entity(self) -> StyleBible:
        ids = [e.id for e in self.entities]
        if len(set(ids)) != len(ids):
            raise ValueError("Two characters or products share the same id in the style bible.")
        for entity_id in ids:
            self.entity_seeds.setdefault(
                entity_id, (self.base_seed * 7919 + sum(map(ord, entity_id))) % 2**31
            )
        return self


LineSourceKind = Literal["message", "brief", "suggested"]


class LineSource(_Model):
    """Where a line of copy came from, like a citation: a message of the thread, a field of the
    brief, or a suggestion nobody in the thread made (shown as such to the approver)."""

    kind: LineSourceKind = "suggested"
    message: int | None = Field(
        default=None, ge=1, description="1-based number of the thread message that states it."
    )
    field: str | None = Field(default=None, description="The brief field it was built from, e.g. must_include.")

    @property
    def suggested(self) -> bool:
        return self.kind == "suggested"


class Shot(_Model):
    index: int = Field(ge=1, description="1-based position in the plan.")
    duration_s: float = Field(gt=0, le=20)
    role: ShotRole = "benefit"
    description: str
    shot_size: ShotSize = "medium"
    camera_move: CameraMove = "static"
    lens_mm: int = Field(default=35, ge=8, le=300)
    entities: list[str] = Field(default_factory=list, description="Ids of bible entities in frame.")
    voice_over: str = ""
    on_screen_text: str = ""
    transition_in: Transition = "cut"
    is_end_card: bool = False
    beat: str = Field(default="", description="The arc's beat this shot plays, e.g. price, deadline, ask.")
    sources: dict[str, LineSource] = Field(
        default_factory=dict, description="Where on_screen_text and voice_over came from, by field name."
    )

    def suggested(self, field: str) -> bool:
        """True when the line in ``field`` is a suggestion (or nobody said where it came from)."""
        value = getattr(self, field, "")
        source = self.sources.get(field)
        return bool(value) and (source is None or source.suggested)


class CallToAction(_Model):
    text: str = "Learn more"
    url: str | None = None


class Plan(_Model):
    """A multi-scene plan: script, shot list and consistency bible."""

    title: str
    hook: str
    brief: Brief
    shots: list[Shot] = Field(min_length=1)
    cta: CallToAction
    bible: StyleBible
    aspect_ratios: list[AspectRatio] = Field(default_factory=_portrait_only)
    fps: int = Field(default=30, ge=12, le=60)
    seed: int = 0
    sources: dict[str, LineSource] = Field(
        default_factory=dict, description="Where title, hook and cta came from, by field name."
    )
    notices: list[str] = Field(
        default_factory=list, description="What the planner could not do as asked (facts that did not fit...)."
    )

    @property
    def duration_s(self) -> float:
        return sum(shot.duration_s for shot in self.shots)

    @property
    def total_frames(self) -> int:
        return sum(round(shot.duration_s * self.fps) for shot in self.shots)

    @property
    def script(self) -> str:
        return " ".join(shot.voice_over for shot in self.shots if shot.voice_over)

    @model_validator(mode="after")
    def _check_consistency(self) -> Plan:
        known = {e.id for e in self.bible.entities}
        for position, shot in enumerate(self.shots, start=1):
            if shot.index != position:
                raise ValueError(
                    f"Shot {shot.index} is in position {position}; shots must be numbered 1, 2, 3..."
                )
            frames = shot.duration_s * self.fps
            if abs(frames - round(frames)) > 1e-6:
                raise ValueError(
                    f"Shot {shot.index} lasts {shot.duration_s:g} s, which is not a whole number of frames at {self.fps} fps."
                )
            unknown = [e for e in shot.entities if e not in known]
            if unknown:
                raise ValueError(
                    f"Shot {shot.index} features {', '.join(unknown)}, who is not in the style bible."
                )
        expected = self.brief.duration_s * self.fps
        if self.total_frames != expected:
            gap = self.brief.duration_s - self.duration_s
            longest = max(self.shots, key=lambda s: (s.duration_s, -s.index))
            fix = (
                f"add {gap:g} s, e.g. to shot {longest.index} ({longest.duration_s:g} s)"
                if gap > 0
                else f"take {-gap:g} s off, e.g. shot {longest.index} ({longest.duration_s:g} s)"
            )
            raise ValueError(
                f"The shots last {self.duration_s:g} s in total but the brief asks for {self.brief.duration_s} s: "
                f"{fix}, so they add up."
            )
        return self


# ── the storyboard ──────────────────────────────────────────────────────────────────────


class Panel(_Model):
    shot_index: int
    image: str = Field(description="Artifact key (or path) of the panel PNG.")
    width: int
    height: int


CastSource = Literal["upload", "generated"]
CastView = Literal["front", "three_quarter", "side", "packshot"]
_MAIN_VIEWS: tuple[CastView, ...] = ("front", "packshot", "three_quarter", "side")


class CastMember(_Model):
    """One bible entity's reference look: the picture every shot of it is conditioned on.

    ``views`` maps a view name to an artifact key (content-addressed, so the same look is
    stored once). ``key`` identifies the look itself (entity look, colours, seed, engine), so
    a recast changes it and an unchanged entity keeps it.
    """

    entity_id: str
    name: str
    kind: EntityKind
    views: dict[CastView, str] = Field(default_factory=dict, description="View name to artifact key.")
    source: CastSource = "generated"
    key: str = Field(default="", description="Content hash of what decided this look.")
    notes: list[str] = Field(default_factory=list, description="What the user should know about it.")

    @property
    def reference(self) -> str | None:
        """The main picture: the upload, the front view, or the product's packshot."""
        for view in _MAIN_VIEWS:
            if view in self.views:
                return self.views[view]
        return None


class Cast(_Model):
    """The references for every recurring entity of a plan, approved with the storyboard."""

    members: list[CastMember] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="E.g. references dropped from the plan.")

    def member(self, entity_id: str) -> CastMember | None:
        for member in self.members:
            if member.entity_id == entity_id:
                return member
        return None

    def references_for(self, shot: Shot) -> dict[str, str]:
        """Entity id to main reference key, for the entities in ``shot`` that have one."""
        found: dict[str, str] = {}
        for entity_id in shot.entities:
            member = self.member(entity_id)
            if member is not None and member.reference:
                found[entity_id] = member.reference
        return found


class Storyboard(_Model):
    """A plan drawn: one panel per shot and a contact sheet for chat."""

    id: str
    plan: Plan
    aspect_ratio: AspectRatio
    panels: list[Panel]
    sheet: str = Field(description="Artifact key (or path) of the storyboard sheet PNG.")
    version: int = 1
    cast: Cast | None = Field(default=None, description="The references the panels were drawn from.")
    spend_usd: float = Field(default=0.0, ge=0, description="Estimated cost of the paid images this version made.")
    keyframe_qc: list[ShotQc] = Field(default_factory=list, description="Each keyframe's takes and scores.")


# ── rendering ───────────────────────────────────────────────────────────────────────────


class VariantChoice(_Model):
    """What makes an A/B variant different from the main cut."""

    name: str = "A"
    hook: str | None = Field(default=None, description="Alternate opening line and on-screen hook.")
    voice: str | None = Field(default=None, description="Voice id for the voice backend.")
    description: str = "Main cut"


class RenderSpec(_Model):
    """Everything that decides a variant's pixels and samples."""

    plan: Plan
    aspect_ratio: AspectRatio = "9:16"
    variant: VariantChoice = Field(default_factory=VariantChoice)
    seed: int = 0
    fps: int = Field(default=30, ge=12, le=60)
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> tuple[int, int]:
        if self.width and self.height:
            return self.width, self.height
        return FRAME_SIZES[self.aspect_ratio]


class ShotConsistency(_Model):
    """One shot's colour, measured on the frame in its middle."""

    index: int
    palette_share: float = Field(ge=0, le=1, description="Share of pixels close to a palette colour.")
    mean_lab: tuple[float, float, float] = Field(description="Mean colour in CIELAB (L*, a*, b*).")
    drift: float = Field(ge=0, description="CIELAB distance of the mean colour from the ad's median.")
    drifting: bool = False


class EntityConsistency(_Model):
    """Where a bible entity appears and, for characters with a face backend, how alike its faces are."""

    id: str
    name: str
    kind: EntityKind
    shots: list[int] = Field(default_factory=list, description="Shots the plan puts it in.")
    identity: float | None = Field(
        default=None, description="Mean pairwise cosine of its face vectors (1.0 is the same face)."
    )
    identity_shots: list[int] = Field(default_factory=list, description="Shots whose face was measured.")
    verdict: str


class ConsistencyReport(_Model):
    """How well a rendered ad kept its bible: palette, colour drift, recurring entities.

    Measured on one frame from the middle of each shot; each measure carries a plain verdict
    and ``summary`` is the one line chat surfaces post.
    """

    palette: list[HexColor]
    palette_share: float = Field(ge=0, le=1, description="Screen-time-weighted share of on-palette pixels.")
    palette_threshold: float = Field(description="Largest CIELAB distance that still counts as on palette.")
    palette_verdict: str
    drift_threshold: float = Field(description="CIELAB distance from the median beyond which a shot drifts.")
    drifting_shots: list[int] = Field(default_factory=list)
    drift_verdict: str
    shots: list[ShotConsistency]
    entities: list[EntityConsistency] = Field(default_factory=list)
    identity_measured: bool = False
    summary: str


class Variant(_Model):
    """A finished ad: the files and what it took to make them."""

    id: str
    aspect_ratio: AspectRatio
    choice: VariantChoice
    video: str
    thumbnail: str
    captions: str
    manifest: str
    duration_s: float
    width: int
    height: int
    fps: int
    render_s: float = 0.0
    scores: dict[str, float] = Field(default_factory=dict)
    notices: list[str] = Field(default_factory=list)
    consistency: ConsistencyReport | None = None
    qc: QcReport | None = Field(default=None, description="Per-shot scores, takes and retakes (core.qc).")
