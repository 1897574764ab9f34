"""Platform-neutral messages the engine posts; each adapter renders them its own way.

Slack renders a ``StoryboardPost`` as Block Kit (image + shot list + buttons), Discord as an
embed with a ``discord.ui`` view. Buttons mirror the reactions, so ids and emoji live here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from cutroom.core.consistency import consistency_line
from cutroom.core.errors import CutroomError, explain
from cutroom.core.models import Brief, Shot, Storyboard, Variant
from cutroom.core.qc.report import qc_line, qc_table
from cutroom.core.text import cap_words, clean_block

APPROVE = "✅"
REDO = "🔁"
CANCEL = "❌"
#: 1️⃣ .. 9️⃣ (digit, variation selector 16, combining keycap).
SHOT_KEYCAPS: tuple[str, ...] = tuple(f"{n}\ufe0f\u20e3" for n in range(1, 10))


class Button(BaseModel):
    """One choice offered under a message. ``id`` comes back in ``ButtonPressed.button``."""

    id: str = Field(description="approve | redo_all | cancel | scene:N | more:<variant id>")
    emoji: str
    label: str
    style: Literal["primary", "danger", "default"] = "default"


class StoryboardPost(BaseModel):
    """The storyboard sheet, the shot list and the choices (reactions and mirroring buttons)."""

    storyboard_id: str
    version: int
    title: str
    summary: str = Field(description="One line: scenes, length, aspect.")
    shots: list[str] = Field(description="One line per scene, numbered from 1.")
    footer: str = Field(description="How to answer: which reaction does what.")
    cast: list[str] = Field(
        default_factory=list, description="One line per cast member (approved with the storyboard), then notes."
    )
    image_png: bytes
    image_name: str = "storyboard.png"
    reactions: list[str]
    buttons: list[Button]

    @property
    def shot_buttons(self) -> list[Button]:
        return [b for b in self.buttons if b.id.startswith("scene:")]

    @property
    def main_buttons(self) -> list[Button]:
        return [b for b in self.buttons if not b.id.startswith("scene:")]

    def as_text(self) -> str:
        """A plain-text rendering (fallback text, logs, text-only surfaces)."""
        return "\n".join([f"*{self.title}* — {self.summary}", *self.cast, *self.shots, self.footer])


class VariantPost(BaseModel):
    """One finished video to upload, with its summary and a 🔁 for "more like this"."""

    variant_id: str
    title: str
    summary: str
    video: Path = Field(description="A local file to upload.")
    file_name: str
    size_bytes: int
    link: str | None = Field(
        default=None, description="A storage link, posted instead when the file is too big."
    )
    reactions: list[str] = Field(default_factory=lambda: [REDO])
    buttons: list[Button] = Field(default_factory=list)
    qc_table: str | None = Field(
        default=None, description="The per-shot QC table (fixed width), shown expandable or attached."
    )


# ── builders ────────────────────────────────────────────────────────────────────────────

#: Marks a line of copy the thread did not state (Slack and Discord both read _x_ as italics).
SUGGESTED = "✎"


def _copy_line(shot: Shot, field: str, text: str) -> str:
    """A line as posted: a suggestion in italics with a mark, so the approver sees it."""
    if not shot.suggested(field):
        return text
    return f"_{SUGGESTED} {text.replace('_', ' ')} (suggested)_"



def storyboard_post(board: Storyboard, sheet_png: bytes) -> StoryboardPost:
    plan = board.plan
    n = len(plan.shots)
    lines = []
    for shot in plan.shots:
        line = f"{shot.index}. *{shot.role}* ({shot.duration_s:g} s) {shot.description}"
        if shot.on_screen_text and not shot.is_end_card:
            line += f" — on screen: {_copy_line(shot, 'on_screen_text', shot.on_screen_text)}"
        if shot.voice_over:
            line += f" — {_copy_line(shot, 'voice_over', f'“{shot.voice_over}”')}"
        lines.append(line)
    if any(shot.suggested(f) for shot in plan.shots for f in ("on_screen_text", "voice_over")):
        lines.append(f"{SUGGESTED} _suggested lines: not said in the thread; reply to change them_")
    lines += notice_lines(plan.notices)
    scenes = min(n, len(SHOT_KEYCAPS))
    shot_hint = f"1️⃣–{SHOT_KEYCAPS[scenes - 1]} redo that scene, " if scenes > 1 else "1️⃣ redo the scene, "
    buttons = [
        Button(id="approve", emoji=APPROVE, label="Approve and render", style="primary"),
        Button(id="redo_all", emoji=REDO, label="Redo all"),
        *[
            Button(id=f"scene:{i}", emoji=SHOT_KEYCAPS[i - 1], label=f"Redo scene {i}")
            for i in range(1, scenes + 1)
        ],
        Button(id="cancel", emoji=CANCEL, label="Cancel", style="danger"),
    ]
    return StoryboardPost(
        cast=cast_lines(board),
        storyboard_id=board.id,
        version=board.version,
        title=plan.title,
        summary=f"{n} scenes · {plan.duration_s:g} s · {board.aspect_ratio}"
        + (f" · take {board.version}" if board.version > 1 else "")
        + cta_destination(plan.cta.text, plan.cta.url or plan.brief.url),
        shots=lines,
        footer=f"React {APPROVE} to render, {REDO} redo all, {shot_hint}{CANCEL} cancel. "
        "Or reply in this thread to change something (“punchier”, “make it 15 s”).",
        image_png=sheet_png,
        image_name=f"storyboard-{board.id}-v{board.version}.png",
        reactions=[APPROVE, REDO, *SHOT_KEYCAPS[:scenes], CANCEL],
        buttons=buttons,
    )


#: At most this many plan notices in a post, each at most NOTICE_CHARS (the plan JSON has them all).
MAX_NOTICES = 5
NOTICE_CHARS = 240


def notice_lines(notices: Sequence[str]) -> list[str]:
    """What the planner could not do as asked (a fact that did not fit, a CTA too long for the
    end card), short and on one line each: its words quote the thread, so they stay plain text."""
    shown = [
        cap_words(" ".join(clean_block(n, max_chars=NOTICE_CHARS * 2).split()), NOTICE_CHARS)
        for n in notices[:MAX_NOTICES]
    ]
    lines = [f"ℹ️ {n}" for n in shown if n]
    if len(notices) > MAX_NOTICES:
        lines.append(f"ℹ️ …and {len(notices) - MAX_NOTICES} more in the plan.")
    return lines


def cta_destination(text: str | None, url: str | None) -> str:
    """Where the ad sends viewers, in full: a link's words can differ from where it goes."""
    if not url:
        return f" · CTA “{text}” (no link)" if text else ""
    return f" · CTA “{text or 'Learn more'}” → {url}"


def cast_lines(board: Storyboard) -> list[str]:
    """The cast in words: who, from what (upload or generated, which views), and any notes."""
    cast = board.cast
    if cast is None or not cast.members:
        return []
    views = {"front": "front", "three_quarter": "¾", "side": "side", "packshot": "packshot"}
    people = []
    for member in cast.members:
        origin = "your photo" if member.source == "upload" else ", ".join(views[v] for v in member.views)
        people.append(f"{member.name} ({origin})")
    lines = [f"🎭 *Cast:* {' · '.join(people)} — every shot follows these looks. "
             "Reply “make <name> older…” or send a photo to recast one."]
    lines += [f"• {note}" for member in cast.members for note in member.notes]
    lines += [f"• {note}" for note in cast.notes]
    return lines


def variant_post(variant: Variant, video: Path, *, link: str | None, title: str) -> VariantPost:
    return VariantPost(
        variant_id=variant.id,
        title=title,
        summary=variant_line(variant),
        video=video,
        file_name=f"{_file_stem(title)}-{variant.choice.name}-{variant.aspect_ratio.replace(':', 'x')}.mp4",
        size_bytes=video.stat().st_size if video.exists() else 0,
        link=link,
        buttons=[Button(id=f"more:{variant.id}", emoji=REDO, label="More like this")],
        qc_table=qc_table(variant.qc) if variant.qc is not None else None,
    )


def variant_line(variant: Variant) -> str:
    line = (
        f"Variant {variant.choice.name} · {variant.aspect_ratio} · {variant.duration_s:.0f} s — "
        f"{variant.choice.description}"
    )
    if variant.qc is not None:
        line += f"\n{qc_line(variant.qc)}"
    return line


def delivery_summary(variants: list[Variant]) -> str:
    if not variants:
        return "The render finished but produced no videos."
    aspects = ", ".join(dict.fromkeys(v.aspect_ratio for v in variants))
    length = max(v.duration_s for v in variants)
    names = sorted({v.choice.name for v in variants})
    changes = "; ".join(
        dict.fromkeys(f"{v.choice.name}: {v.choice.description}" for v in variants if v.choice.description)
    )
    head = f"🎬 {len(variants)} video{'s' if len(variants) != 1 else ''} · {length:.0f} s · {aspects}"
    if len(names) > 1:
        head += f" · A/B: {changes}"
    consistency = consistency_line([v.consistency for v in variants if v.consistency is not None])
    if consistency:
        head += f"\nConsistency: {consistency}"
    return head + f"\nReact {REDO} on a video for more like it."


def progress_text(label: str, state: str, fraction: float, message: str, position: int | None) -> str:
    """The status line, edited in place while a job runs."""
    if state == "queued":
        ahead = position or 0
        where = (
            "starting next" if ahead <= 0 else f"{ahead} job{'s' if ahead != 1 else ''} ahead in the queue"
        )
        return f"⏳ {label}: {where}."
    if state == "running":
        filled = max(0, min(10, round(fraction * 10)))
        bar = "▰" * filled + "▱" * (10 - filled)
        return f"🎬 {label}: {bar} {fraction * 100:.0f}%" + (f" — {message}" if message else "")
    if state == "done":
        return f"✅ {label}: done."
    if state == "cancelled":
        return f"⏹️ {label}: cancelled."
    return f"⚠️ {label}: {message or 'it did not work.'}"


def _file_stem(title: str) -> str:
    from cutroom.core.store import slug

    return slug(title, fallback="cutroom-ad", max_len=40)


#: The answer in a channel that is not on the allow-list.
CHANNEL_OFF = (
    "I'm not switched on for this channel. Ask whoever runs Cutroom to add it to "
    "CUTROOM_ALLOWED_CHANNELS, or mention me in a channel where I work."
)


# ── the brief and errors in words ───────────────────────────────────────────────────────


def explain_error(err: BaseException) -> str:
    """The one place an error becomes a sentence for the people in the thread."""
    if isinstance(err, ValidationError):
        return explain(err)
    if isinstance(err, CutroomError):
        return str(err)
    if isinstance(err, TimeoutError):
        return "That took too long on my side. Please try again in a moment."
    return "Something went wrong on my side. Try again, and if it keeps happening tell whoever runs Cutroom."


def brief_line(brief: Brief) -> str:
    """The brief in one line, so people see what was understood (and what defaults were taken)."""
    parts = [brief.product or "your product"]
    if brief.audience:
        parts.append(f"for {brief.audience}")
    parts.append(f"{brief.duration_s} s")
    parts.append(", ".join(brief.aspect_ratios))
    if brief.tone:
        parts.append(", ".join(brief.tone))
    if brief.brand.palette:
        parts.append("colours " + " ".join(brief.brand.palette[:3]))
    if brief.call_to_action or brief.url:
        parts.append(cta_destination(brief.call_to_action, brief.url).removeprefix(" · "))
    return " · ".join(parts)


def describe_changes(before: Brief, after: Brief) -> str:
    names = {
        "duration_s": "length",
        "aspect_ratios": "aspect",
        "call_to_action": "call to action",
        "must_include": "must include",
        "product_category": "product type",
    }
    changed: list[str] = []
    for field in Brief.model_fields:
        old, new = getattr(before, field), getattr(after, field)
        if old == new:
            continue
        name = names.get(field, field.replace("_", " "))
        if field == "brand":
            changed.append(
                "brand " + ", ".join(f for f in type(new).model_fields if getattr(old, f) != getattr(new, f))
            )
        elif field == "duration_s":
            changed.append(f"length {old} s → {new} s")
        elif isinstance(new, list):
            added = [str(x) for x in new if x not in old]
            changed.append(f"{name}: {', '.join(added)}" if added else name)
        else:
            changed.append(f"{name}: {new}")
    return "; ".join(changed) or "small changes"


def and_list(items: Sequence[str]) -> str:
    """\"a, b and c\" (underscores read as spaces): missing fields in a sentence."""
    items = [i.replace("_", " ") for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
