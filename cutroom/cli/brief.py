"""``cutroom brief``, ``cutroom plan``, ``cutroom storyboard``: a thread to a storyboard, on this machine."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cutroom.cli.app import app, console
from cutroom.cli.inputs import read_thread, writable_folder
from cutroom.core import pipeline
from cutroom.core.models import AspectRatio, Brief, Extraction, Plan, Shot
from cutroom.settings import Settings
from cutroom.storage.artifacts import LocalArtifactStore

TextArg = Annotated[str | None, typer.Argument(help="The brief or thread as text; '-' reads stdin.")]
FileOpt = Annotated[Path | None, typer.Option("--file", "-f", help="A thread as JSON or 'author: text' lines.")]
SeedOpt = Annotated[int, typer.Option(help="Same brief and seed give the same plan and pixels.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _backends(settings: Settings):  # type: ignore[no-untyped-def]
    try:
        from cutroom.wiring import build_backends
    except ImportError:  # pragma: no cover - wiring not installed
        from cutroom.core.backends import Backends

        return Backends.embedded()
    return build_backends(settings)


def _extract(text: str | None, file: Path | None, settings: Settings) -> Extraction:
    thread = read_thread(text, file)
    return pipeline.extract(thread, backends=_backends(settings))


def _print_extraction(result: Extraction) -> None:
    brief = result.brief
    table = Table(title="Brief", show_header=False, title_justify="left")
    table.add_column(style="bold cyan")
    table.add_column()
    rows = {
        "product": f"{brief.product or '—'} ({brief.product_category})",
        "brand": brief.brand.name or "—",
        "audience": brief.audience or "—",
        "goal": brief.goal,
        "tone": ", ".join(brief.tone) or "—",
        "length": f"{brief.duration_s} s",
        "platforms": ", ".join(brief.platforms) or "—",
        "aspect ratios": ", ".join(brief.aspect_ratios),
        "call to action": " → ".join(filter(None, [brief.call_to_action, brief.url])) or "—",
        "palette": " ".join(brief.brand.palette) or "—",
        "characters": ", ".join(brief.characters) or "—",
        "must include": ", ".join(brief.must_include) or "—",
        "avoid": ", ".join(brief.avoid) or "—",
    }
    for name, value in rows.items():
        table.add_row(name, value)
    if brief.notes:
        table.add_row("notes", "\n".join(brief.notes[:5]) + (" …" if len(brief.notes) > 5 else ""))
    console.print(table)
    for notice in result.notices:
        console.print(f"[yellow]•[/] {notice}")
    if result.question:
        console.print(f"[bold magenta]?[/] {result.question}")


def _line(shot: Shot, field: str) -> str:
    """A line of copy; a suggestion (not said in the thread) in italics with a mark."""
    from rich.markup import escape

    text = escape(getattr(shot, field))
    return f"[italic]\u270e {text}[/]" if shot.suggested(field) else text


def _print_plan(plan: Plan) -> None:
    table = Table(title=f"{plan.title} — {plan.duration_s:g} s, hook: {plan.hook}", title_justify="left")
    for column in ("#", "s", "size", "camera", "lens", "on screen", "voice-over"):
        table.add_column(column, overflow="fold")
    for shot in plan.shots:
        table.add_row(
            str(shot.index), f"{shot.duration_s:g}", shot.shot_size.replace("_", " "),
            shot.camera_move.replace("_", " "), f"{shot.lens_mm}mm",
            _line(shot, "on_screen_text"), _line(shot, "voice_over"),
        )
    console.print(table)


@app.command("brief")
def brief_command(text: TextArg = None, file: FileOpt = None, as_json: JsonOpt = False) -> None:
    """Extract a brief from a thread and say what is missing."""
    settings = Settings()
    result = _extract(text, file, settings)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        _print_extraction(result)


@app.command("plan")
def plan_command(
    text: TextArg = None,
    file: FileOpt = None,
    seed: SeedOpt = 0,
    out: Annotated[Path | None, typer.Option(help="Write plan.json here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Extract a brief and write the shot list, script and consistency bible."""
    settings = Settings()
    if out is not None:
        writable_folder(out.parent, "plan")
    thread = read_thread(text, file)
    backends = _backends(settings)
    result = pipeline.extract(thread, backends=backends)
    the_plan = pipeline.plan(result.brief, backends=backends, seed=seed, fps=settings.fps, thread=thread)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(the_plan.model_dump_json(indent=2))
    if as_json:
        typer.echo(the_plan.model_dump_json(indent=2))
    else:
        for notice in [*result.notices, *the_plan.notices]:
            console.print(f"[yellow]•[/] {notice}")
        _print_plan(the_plan)
        if out is not None:
            console.print(f"Plan written to [bold]{out}[/]")


@app.command("storyboard")
def storyboard_command(
    text: TextArg = None,
    file: FileOpt = None,
    out: Annotated[Path | None, typer.Option(help="Copy the run folder here (plan.json, panels/, sheet.png).")] = None,
    aspect: Annotated[str | None, typer.Option(help="16:9, 9:16, 1:1 or 4:5 (default: the brief's first).")] = None,
    seed: SeedOpt = 0,
    plan_file: Annotated[Path | None, typer.Option("--plan", help="Draw this plan.json instead of planning.")] = None,
) -> None:
    """Plan and draw a storyboard: one panel per shot and a sheet for chat."""
    settings = Settings()
    if out is not None:
        writable_folder(out, "storyboard")
    backends = _backends(settings)
    source: Brief | Plan
    if plan_file is not None:
        if not plan_file.is_file():
            raise typer.BadParameter(f"There is no plan at {plan_file}.")
        source = Plan.model_validate_json(plan_file.read_text())
    else:
        result = _extract(text, file, settings)
        for notice in result.notices:
            console.print(f"[yellow]•[/] {notice}")
        source = result.brief
    if aspect is not None and aspect not in ("16:9", "9:16", "1:1", "4:5"):
        raise typer.BadParameter(f"{aspect!r} is not an aspect ratio Cutroom renders; use 16:9, 9:16, 1:1 or 4:5.")
    store = LocalArtifactStore(settings.data_dir / "artifacts")
    with _progress() as progress:
        task = progress.add_task("Planning", total=1.0)

        def on_progress(stage: str, fraction: float, message: str = "") -> None:
            progress.update(task, completed=fraction, description=message or stage)

        board = pipeline.make_storyboard(
            source, store, backends=backends, aspect=_aspect(aspect), seed=seed, fps=settings.fps,
            on_progress=on_progress,
        )
    run_dir = store.path(pipeline.run_prefix(board.id))
    if out is not None:
        shutil.copytree(run_dir, out, dirs_exist_ok=True)
        run_dir = out
    _print_plan(board.plan)
    console.print(f"Storyboard [bold]{board.id}[/]: sheet [bold]{run_dir / 'sheet.png'}[/]")
    typer.echo(str(run_dir))


def _aspect(value: str | None) -> AspectRatio | None:
    return value  # type: ignore[return-value]  # checked above


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )
