"""``cutroom make`` and ``cutroom demo``: from a brief (or an approved storyboard) to MP4 variants."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cutroom.cli.app import app, console
from cutroom.cli.inputs import writable_folder
from cutroom.core.errors import InputError
from cutroom.core.models import AspectRatio, Plan, Variant
from cutroom.core.render import RenderOptions, render_variant, render_variants, variant_specs
from cutroom.settings import Settings
from cutroom.wiring import render_options

ASPECTS = ("16:9", "9:16", "1:1", "4:5")


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _size(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a size; write it as WIDTHxHEIGHT, e.g. 540x960."
        ) from None
    if not (64 <= width <= 4096 and 64 <= height <= 4096):
        raise typer.BadParameter("The size must be between 64 and 4096 pixels on each side.")
    return width, height


def _load_storyboard_plan(folder: Path) -> Plan:
    path = folder / "plan.json" if folder.is_dir() else folder
    if not path.is_file():
        raise InputError(
            f'There is no plan.json in {folder}. Make one with: cutroom storyboard "..." --out {folder}'
        )
    return Plan.model_validate_json(path.read_text(encoding="utf-8"))


def _plan_from_text(text: str, settings: Settings, seed: int, fps: int) -> Plan:
    from cutroom.cli.inputs import read_thread
    from cutroom.core import pipeline
    from cutroom.wiring import build_backends

    backends = build_backends(settings)
    thread = read_thread(text, None)
    result = pipeline.extract(thread, backends=backends)
    for notice in result.notices:
        console.print(f"[yellow]•[/] {notice}")
    return pipeline.plan(result.brief, backends=backends, seed=seed, fps=fps, thread=thread)


def _cast(plan: Plan, settings: Settings, from_storyboard: Path | None, out: Path) -> Plan:
    """The plan every shot is drawn from: each entity pointing at its cast picture (a local file).

    An approved storyboard folder brings its cast (storyboard.json); otherwise the entities are
    cast now with the configured image engine, reusing any look already in the store.
    """
    from cutroom.core.backends import images
    from cutroom.core.cast import cast_plan, check_references, plan_with_cast
    from cutroom.core.models import Cast, Storyboard
    from cutroom.core.pipeline import with_local_assets
    from cutroom.storage.artifacts import LocalArtifactStore
    from cutroom.wiring import image_options

    store = LocalArtifactStore(settings.data_dir / "artifacts")
    cast: Cast | None = None
    saved = (from_storyboard / "storyboard.json") if from_storyboard and from_storyboard.is_dir() else None
    if saved is not None and saved.is_file():
        cast = Storyboard.model_validate_json(saved.read_text(encoding="utf-8")).cast
    if cast is None:
        plan, notes = check_references(plan, store)
        engine = images.create(settings.image_backend, **image_options(settings, settings.image_backend))
        cast = cast_plan(plan, store, image=engine, notes=notes).cast
        for note in cast.notes:
            console.print(f"[yellow]•[/] {note}")
    return with_local_assets(plan_with_cast(plan, cast), store, out / "assets")


def _print_variants(variants: list[Variant], elapsed: float) -> None:
    table = Table(title=f"{len(variants)} variant(s) in {elapsed:.0f} s", title_justify="left")
    for column in ("variant", "size", "length", "what changed", "video"):
        table.add_column(column, overflow="fold")
    for v in variants:
        table.add_row(v.id, f"{v.width}x{v.height}", f"{v.duration_s:g} s", v.choice.description, v.video)
    console.print(table)
    for v in variants:
        if v.qc is not None:
            from cutroom.core.qc.report import qc_line, qc_table

            console.print(f"[bold]{v.id}[/] QC: {qc_line(v.qc)}")
            console.print(qc_table(v.qc), markup=False, highlight=False)
    for notice in dict.fromkeys(n for v in variants for n in v.notices):
        console.print(f"[yellow]•[/] {notice}")


@app.command("make")
def make_command(
    text: Annotated[str | None, typer.Argument(help="The brief as free text; '-' reads stdin.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the variants (one sub-folder each).")] = Path(
        "cutroom-out"
    ),
    aspect: Annotated[
        list[str] | None, typer.Option(help="16:9, 9:16, 1:1 or 4:5; repeat for several.")
    ] = None,
    variants: Annotated[
        int, typer.Option(min=1, max=6, help="A/B variants per aspect (B, C... change the hook and voice).")
    ] = 1,
    from_storyboard: Annotated[
        Path | None, typer.Option("--from-storyboard", help="Render this storyboard folder's plan.json.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Same plan and seed give the same pixels.")] = 0,
    fps: Annotated[
        int | None, typer.Option(min=12, max=60, help="Frames per second (default CUTROOM_FPS, 30).")
    ] = None,
    size: Annotated[
        str | None, typer.Option(help="Render smaller for a quick preview, e.g. 540x960.")
    ] = None,
) -> None:
    """Render MP4 variants (voice, music, captions, end card) from a brief or an approved storyboard."""
    settings = Settings()
    writable_folder(out, "videos")
    options = render_options(settings, fps=fps)
    if from_storyboard is not None:
        plan = _load_storyboard_plan(from_storyboard)
    elif text and text.strip():
        plan = _plan_from_text(text, settings, seed, options.fps)
    else:
        raise typer.BadParameter(
            'Give the brief as text (cutroom make "a 15 s ad for ...") or --from-storyboard DIR.'
        )
    bad = [a for a in aspect or [] if a not in ASPECTS]
    if bad:
        raise typer.BadParameter(
            f"{', '.join(bad)} is not an aspect ratio Cutroom renders; use 16:9, 9:16, 1:1 or 4:5."
        )
    aspects: list[AspectRatio] = list(dict.fromkeys(aspect or plan.aspect_ratios))  # type: ignore[arg-type]
    drawable = _cast(plan, settings, from_storyboard, out)
    specs = variant_specs(drawable, aspects=aspects, n_variants=variants, seed=seed, fps=options.fps)
    preview = _size(size)
    if preview:
        specs = [s.model_copy(update={"width": preview[0], "height": preview[1]}) for s in specs]
    out.mkdir(parents=True, exist_ok=True)
    (out / "plan.json").write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task(f"Rendering {len(specs)} variant(s)", total=1.0)

        def on_progress(stage: str, fraction: float, message: str = "") -> None:
            progress.update(task, completed=fraction, description=message or stage)

        rendered = render_variants(
            specs,
            out_root=out,
            options=options,
            cache_dir=settings.data_dir / "render-cache",
            on_progress=on_progress,
        )
    _print_variants(rendered, time.perf_counter() - started)
    for variant in rendered:
        typer.echo(variant.video)


def _sample_brief():  # type: ignore[no-untyped-def]
    try:
        from cutroom.core.samples import sample_brief  # type: ignore[import-not-found]
    except ImportError:
        from cutroom.core.plan import sample_brief
    return sample_brief()


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option(help="Where to put the storyboard and the ad.")] = Path("cutroom-demo"),
    fps: Annotated[int, typer.Option(min=12, max=60, help="Frames per second.")] = 30,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="A smoke test of the whole path in a few seconds: the shortest ad, at 12 fps and a quarter size.",
        ),
    ] = False,
) -> None:
    """Render the sample brief with the offline defaults: a storyboard sheet and a 9:16 ad."""
    from cutroom.core.backends import images, planners
    from cutroom.core.models import MIN_DURATION_S

    settings = Settings()
    brief = _sample_brief()
    if quick:  # CI runs this in a base-only install: every step runs, only smaller and shorter
        brief = brief.model_copy(update={"duration_s": MIN_DURATION_S})
        fps = 12
    plan = planners.create("embedded").plan(brief, seed=0, fps=fps)
    out.mkdir(parents=True, exist_ok=True)
    (out / "plan.json").write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    console.print(
        f"[bold]{plan.title}[/] — {brief.product or 'the sample product'}, {plan.duration_s:g} s, "
        f"{len(plan.shots)} shots. Hook: \u201c{plan.hook}\u201d"
    )
    started = time.perf_counter()
    sheet_path: Path | None = None
    with _progress() as progress:
        task = progress.add_task("Drawing the storyboard", total=1.0)

        def on_progress(stage: str, fraction: float, message: str = "") -> None:
            progress.update(task, completed=fraction, description=message or stage)

        try:
            from cutroom.core.storyboard import draw_storyboard, sheet_png_bytes  # type: ignore[import-not-found]
        except ImportError:
            console.print("[yellow]•[/] The storyboard module is not installed; skipping the sheet.")
        else:
            drawn = draw_storyboard(
                plan, images.create("animatic"), aspect="9:16", seed=0, on_progress=on_progress
            )
            sheet_path = out / "storyboard.png"
            sheet_path.write_bytes(sheet_png_bytes(drawn.sheet))
        progress.update(task, completed=0.0, description="Rendering the 9:16 ad")
        spec = variant_specs(plan, aspects=["9:16"], seed=0, fps=fps)[0]
        if quick:
            spec = spec.model_copy(
                update={"width": spec.size[0] // 4 // 2 * 2, "height": spec.size[1] // 4 // 2 * 2}
            )
        options = RenderOptions(fps=fps, preset=settings.encoder_preset, crf=settings.crf)
        variant = render_variant(
            spec,
            out_dir=out / "9x16-A",
            options=options,
            cache_dir=settings.data_dir / "render-cache",
            on_progress=on_progress,
        )
    elapsed = time.perf_counter() - started
    width, height = spec.size
    console.print(f"\n[bold green]Done in {elapsed:.0f} s.[/] Your first Cutroom ad:")
    if sheet_path is not None:
        console.print(f"  storyboard  [bold]{sheet_path}[/]")
    console.print(
        f"  video       [bold]{variant.video}[/]  ({width}x{height}, {variant.duration_s:g} s, voice, music, captions)"
    )
    console.print(f"  captions    {variant.captions}")
    console.print(f"  thumbnail   {variant.thumbnail}")
    for notice in variant.notices:
        console.print(f"[yellow]•[/] {notice}")
    console.print(
        '\nNext: [bold]cutroom make "a 15-second Reels ad for ..." --aspect 9:16 --aspect 1:1 --variants 2[/]'
    )
    typer.echo(str(out))
