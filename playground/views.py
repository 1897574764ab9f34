"""What the page shows: the shot table and its edits, the cast strip, the redo buttons, the variants' summary."""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any, get_args

import gradio as gr

from cutroom.core.consistency import consistency_line
from cutroom.core.errors import InputError, PlanError
from cutroom.core.models import (
    MAX_DURATION_S,
    MIN_DURATION_S,
    CameraMove,
    Cast,
    Entity,
    Plan,
    Shot,
    Variant,
)
from cutroom.core.plan import shot_count
from cutroom.core.qc.report import qc_line, qc_table
from cutroom.core.store import ArtifactStore

MAX_VIDEOS = 4


#: One "Redo n" button per scene under the gallery: enough for the longest ad the planner makes.
MAX_SHOTS = max(shot_count(d) for d in range(MIN_DURATION_S, MAX_DURATION_S + 1))


CAMERA_MOVES: list[str] = list(get_args(CameraMove))


TABLE_HEADERS = ["Scene", "Role", "Seconds", "Camera move", "On-screen text", "Voice-over"]


STAGES = {
    "queued": "Queued",
    "extract": "Reading",
    "plan": "Planning",
    "storyboard": "Drawing",
    "panels": "Drawing",
    "render": "Rendering",
    "voice": "Voice",
    "music": "Music",
    "compose": "Compositing",
    "encode": "Encoding",
    "deliver": "Delivering",
}


def local_file(store: ArtifactStore, key: str) -> str:
    """A path Gradio can serve: the store's own file, or a copy fetched from a remote store."""
    path_of = getattr(store, "path", None)
    if callable(path_of):
        return str(path_of(key))
    cache = Path(tempfile.gettempdir()) / "cutroom-playground" / hashlib.sha256(key.encode()).hexdigest()[:16]
    target = cache / Path(key).name
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        store.fetch(key, target)
    return str(target)


def shot_rows(plan: Plan) -> list[list[Any]]:
    return [
        [s.index, s.role, round(s.duration_s, 3), s.camera_move, s.on_screen_text, s.voice_over]
        for s in plan.shots
    ]


def edited_plan(plan: Plan, rows: list[list[Any]]) -> Plan:
    """The plan with the table's durations, camera moves and words; a PlanError says what to fix."""
    if len(rows) != len(plan.shots):
        raise PlanError(
            f"The shot list must keep its {len(plan.shots)} scenes (it now has {len(rows)}); "
            "use Redo scene to change one."
        )
    shots: list[Shot] = []
    for shot, row in zip(plan.shots, rows, strict=True):
        cells = list(row) + [""] * (len(TABLE_HEADERS) - len(row))
        try:
            seconds = float(str(cells[2]).strip().removesuffix("s").strip())
        except ValueError:
            raise PlanError(
                f"Scene {shot.index}'s length '{str(cells[2])[:20]}' is not a number of seconds."
            ) from None
        if seconds <= 0:
            raise PlanError(
                f"Scene {shot.index} lasts {seconds:g} s; every scene needs a positive length in seconds."
            )
        if seconds > 20:
            raise PlanError(f"Scene {shot.index} lasts {seconds:g} s; a scene can last at most 20 s.")
        frames = max(1, round(seconds * plan.fps))
        move = str(cells[3] or "static").strip().lower().replace(" ", "_").replace("-", "_")
        if move not in CAMERA_MOVES:
            raise PlanError(
                f"Scene {shot.index}'s camera move '{str(cells[3])[:30]}' is not one Cutroom knows; "
                f"use one of {', '.join(CAMERA_MOVES)}."
            )
        shots.append(
            Shot.model_validate(
                {
                    **shot.model_dump(),
                    "duration_s": frames / plan.fps,
                    "camera_move": move,
                    "on_screen_text": str(cells[4] or "").strip()[:120],
                    "voice_over": str(cells[5] or "").strip()[:400],
                }
            )
        )
    total = sum(s.duration_s for s in shots)
    target = plan.brief.duration_s
    if abs(total - target) > 0.5 / plan.fps:
        longest = max(shots, key=lambda s: s.duration_s)
        if total > target:
            fix = f"take {total - target:g} s off one of them (scene {longest.index} is the longest)"
        else:
            fix = f"add {target - total:g} s to one of them (scene {shots[-1].index} is the last)"
        raise PlanError(f"The scenes now last {total:g} s but the ad is {target} s long: {fix}.")
    return Plan.model_validate({**plan.model_dump(), "shots": [s.model_dump() for s in shots]})


def with_references(plan: Plan, characters: list[Path], products: list[Path]) -> Plan:
    """Pin uploaded pictures to the bible's characters and products, in order."""
    if not characters and not products:
        return plan
    refs = {"character": [str(p) for p in characters], "product": [str(p) for p in products]}
    entities: list[Entity] = []
    for entity in plan.bible.entities:
        pool = refs.get(entity.kind, [])
        entities.append(entity.model_copy(update={"reference_image": pool.pop(0)}) if pool else entity)
    bible = plan.bible.model_copy(update={"entities": entities})
    return plan.model_copy(update={"bible": bible})


def variants_summary(store: ArtifactStore, variants: list[Variant], plan: Plan | None = None) -> str:
    """A Markdown table: what each variant is, how consistent it scored, what took the time.

    Below it, the consistency bible every shot was drawn from (palette, light, recurring
    characters and products with their fixed seeds), so "consistent" has something to point at.
    """
    scored = any(v.scores for v in variants)
    head = ["Variant", "Format", "Length", "Size", "Render", "Slowest steps"] + (
        ["Consistency"] if scored else []
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notices: list[str] = []
    for v in variants:
        timings: dict[str, float] = {}
        with contextlib.suppress(Exception):
            timings = json.loads(store.get_bytes(v.manifest)).get("timings_s", {})
        slowest = (
            ", ".join(f"{k} {s:.1f} s" for k, s in sorted(timings.items(), key=lambda kv: -kv[1])[:3]) or "—"
        )
        cells = [
            f"{v.choice.name}: {v.choice.description}",
            v.aspect_ratio,
            f"{v.duration_s:g} s",
            f"{v.width}×{v.height} @ {v.fps} fps",
            f"{v.render_s:.1f} s",
            slowest,
        ]
        if scored:
            cells.append(", ".join(f"{k} {s:.2f}" for k, s in sorted(v.scores.items())) or "—")
        lines.append("| " + " | ".join(cells) + " |")
        notices.extend(n for n in v.notices if n not in notices)
    consistency = consistency_line([v.consistency for v in variants if v.consistency is not None])
    if consistency:
        lines.append("")
        lines.append(f"**Consistency:** {consistency}")
    for v in variants:  # QC per shot: what was scored, what was retaken, which take was kept
        if v.qc is not None:
            lines.append("")
            lines.append(f"**QC · {v.choice.name} ({v.aspect_ratio}):** {qc_line(v.qc)}")
            lines.append("")
            lines.append("```text\n" + qc_table(v.qc) + "\n```")
    if plan is not None:
        bible = plan.bible
        palette = " ".join(f"`{c}`" for c in bible.palette)
        cast = ", ".join(
            f"{e.name} ({e.kind}, seed {bible.entity_seeds.get(e.id, bible.base_seed)})"
            for e in bible.entities
        )
        lines.append("")
        lines.append(
            f"**Consistency bible**: palette {palette} · {bible.lighting} light"
            + (f" · {', '.join(bible.style_words[:4])}" if bible.style_words else "")
            + (f" · the same {cast} in every shot" if cast else "")
        )
    if notices:
        lines.append("")
        lines.extend(f"ℹ️ {n}" for n in notices)
    return "\n".join(lines)


def cast_view(store: ArtifactStore, board_state: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The storyboard's cast (the sheet's cast row): each entity's reference picture, named.

    Every panel was drawn from these, so the page shows them beside the panels it approves.
    """
    cast_data = (board_state or {}).get("cast")
    if not cast_data:
        return []
    cast = Cast.model_validate(cast_data)
    return [
        (local_file(store, m.reference), f"{m.name} · {m.kind}" + (" · uploaded" if m.source == "upload" else ""))
        for m in cast.members
        if m.reference
    ]


def redo_buttons_view(board_state: dict[str, Any] | None) -> list[Any]:
    """One visible "Redo n" button per scene of the storyboard shown (none before there is one)."""
    scenes = len((board_state or {}).get("plan", {}).get("shots", []))
    return [gr.update(visible=n <= scenes) for n in range(1, MAX_SHOTS + 1)]


def picked_shot(evt: gr.SelectData) -> int:
    """Clicking a panel of the gallery picks its scene in the scene box."""
    return int(evt.index if isinstance(evt.index, int) else evt.index[0]) + 1


def _rows(table: Any) -> list[list[Any]]:
    """The edited table as lists, whether Gradio sends a DataFrame, a dict or lists."""
    if table is None:
        raise InputError("There is no shot list yet: make a storyboard first.")
    if hasattr(table, "values") and hasattr(table, "columns"):
        return [list(r) for r in table.values.tolist()]
    if isinstance(table, dict) and "data" in table:
        return [list(r) for r in table["data"]]
    return [list(r) for r in table]
