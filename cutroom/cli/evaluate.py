"""``cutroom eval PATH``: score any video or run folder the way renders score their shots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cutroom.cli.app import app, console
from cutroom.core.errors import InputError
from cutroom.core.models import Plan
from cutroom.core.qc.evaluate import evaluate_video, find_plan, videos_in
from cutroom.core.qc.report import qc_line, qc_table
from cutroom.settings import Settings
from cutroom.wiring import qc_options


@app.command("eval")
def eval_command(
    path: Annotated[Path, typer.Argument(help="A video, or a folder of them (a run or render folder).")],
    plan: Annotated[
        Path | None, typer.Option("--plan", help="plan.json (or storyboard.json) the video was made from.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
) -> None:
    """Per-shot QC scores (palette, sharpness, flicker, motion, identity) and the sequence score."""
    settings = Settings()
    options = qc_options(settings)
    the_plan: Plan | None = None
    if plan is not None:
        if not plan.is_file():
            raise InputError(f"There is no plan file at {plan}.")
        text = plan.read_text(encoding="utf-8")
        data = json.loads(text)
        the_plan = Plan.model_validate(data["plan"] if "plan" in data and "shots" not in data else data)
    face = None
    if settings.face_backend and settings.face_backend.strip().lower() != "none":
        from cutroom.core.backends import faces
        from cutroom.wiring import face_options

        face = faces.create(settings.face_backend, **face_options(settings, settings.face_backend))
    reports = {}
    for one in videos_in(path):
        found = the_plan or find_plan(one.parent)
        reports[str(one)] = evaluate_video(one, plan=found, options=options, face=face)
    if as_json:
        print(json.dumps({k: r.model_dump(mode="json") for k, r in reports.items()}, indent=2))
        return
    for name, report in reports.items():
        console.print(f"[bold]{name}[/] — {qc_line(report)}")
        console.print(qc_table(report), markup=False, highlight=False)
        console.print()
