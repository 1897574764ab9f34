"""The playground page: brief ──▶ storyboard ──▶ edits and redos ──▶ approve ──▶ variants.

    thread box ──Read──▶ form (the brief, editable) ──Make storyboard──▶ gallery + shot table
        shot table ──Apply edits──▶ new storyboard version     Redo n (one per scene) ──▶ new take of n
        Approve & render ──▶ videos (play, download) + consistency and timing summary

Every handler turns Cutroom's errors into ``gr.Error`` sentences in one place (``_friendly``),
so a bad input leaves the page as it was. Work goes through a ``Runner``: the core in this
process, or the workers behind Redis when ``settings.redis_url`` is set.
"""
from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from cutroom.core.models import (
    MAX_DURATION_S,
    MIN_DURATION_S,
)
from cutroom.playground.forms import CATEGORIES, FORMATS, GOALS, PLATFORMS, load_examples
from cutroom.playground.handlers import Playground, _friendly, make_runner
from cutroom.playground.services import Runner
from cutroom.playground.views import (
    MAX_SHOTS,
    MAX_VIDEOS,
    TABLE_HEADERS,
    cast_view,
    picked_shot,
    redo_buttons_view,
)
from cutroom.settings import Settings

#: The one concurrency group of the CPU-heavy listeners (storyboard, edits, scene redo, render).
HEAVY = "cutroom-heavy"


CSS = (Path(__file__).parent / "style.css").read_text(encoding="utf-8")


HEADER = """
<div class="cr-header">
<div class="cr-mark">▶</div>
<div><h1>Cutroom playground</h1>
<p>Paste a chat thread or fill in the brief, check the storyboard, tweak the shot list, approve, and watch the ads come out.</p></div>
</div>
"""


def theme() -> gr.themes.Base:
    """A calm, professional theme; its fonts are served by Gradio itself (no outside hosts)."""
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="amber", neutral_hue="slate")


@dataclass
class BriefInputs:
    """Step 1: the thread, the form (in ``BriefForm`` order) and the uploads."""

    thread: gr.Textbox
    read: gr.Button
    notice: gr.Markdown
    form: list[Any]
    logo: gr.File
    character_refs: gr.File
    product_refs: gr.File
    make: gr.Button


@dataclass
class StoryboardView:
    """Step 2: the panels, one redo button per shot, the cast strip, the shot table."""

    status: gr.Markdown
    gallery: gr.Gallery
    shot_buttons: list[gr.Button]
    cast: gr.Gallery
    table: gr.Dataframe
    apply_edits: gr.Button
    shot_number: gr.Number
    redraw: gr.Button


@dataclass
class RenderView:
    """Step 3: formats and variants to render, the approve button, the videos and downloads."""

    formats: gr.CheckboxGroup
    n_variants: gr.Slider
    approve: gr.Button
    status: gr.Markdown
    videos: list[gr.Video]
    summary: gr.Markdown
    downloads: gr.File


def build_app(settings: Settings, *, runner: Runner | None = None, render_scale: float = 1.0) -> gr.Blocks:
    """The playground page for ``settings``; ``runner`` replaces the one settings would pick."""
    play = Playground(runner or make_runner(settings, render_scale=render_scale))
    with gr.Blocks(title="Cutroom playground", analytics_enabled=False, fill_width=False) as demo:
        gr.HTML(HEADER)
        base_state = gr.State(None)
        board_state = gr.State(None)
        brief = _brief_section()
        board = _storyboard_section()
        render = _render_section()
        _listen(play, settings, brief, board, render, base_state, board_state)
    demo.queue(default_concurrency_limit=settings.playground_concurrency, max_size=64)
    return demo


def _brief_section() -> BriefInputs:
    examples = load_examples()
    # 1 · the brief
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, elem_classes="cr-step"):
            gr.Markdown("### 1 · The brief")
            thread = gr.Textbox(
                label="Chat thread",
                lines=14,
                max_lines=24,
                elem_id="thread",
                placeholder="maya: 20s TikTok for our new Glow Drops serum, women 28-45\n"
                "jonas: colours #F7C948 and navy #1B2A4A\nmaya: CTA: Shop now at lumina.com/glow",
            )
            read_btn = gr.Button("Read the thread", variant="secondary", elem_id="read-thread")
            notice = gr.Markdown(elem_classes="cr-status")
        with gr.Column(scale=7):
            gr.Markdown("### Brief: correct anything before drawing")
            with gr.Row():
                product = gr.Textbox(label="Product", elem_id="product", scale=3)
                brand = gr.Textbox(label="Brand", elem_id="brand", scale=2)
            audience = gr.Textbox(label="Audience", elem_id="audience")
            with gr.Row():
                tone = gr.Textbox(label="Tone", placeholder="premium, warm", elem_id="tone", scale=3)
                goal = gr.Dropdown(GOALS, value="awareness", label="Goal", scale=2)
            with gr.Row():
                length = gr.Slider(
                    MIN_DURATION_S, MAX_DURATION_S, value=30, step=5, label="Length (s)", elem_id="length"
                )
                formats = gr.CheckboxGroup(FORMATS, value=["9:16"], label="Formats")
            platforms = gr.Dropdown(
                PLATFORMS, value=[], multiselect=True, allow_custom_value=True, label="Platforms"
            )
            with gr.Row():
                cta = gr.Textbox(label="Call to action", placeholder="Shop now", elem_id="cta")
                url = gr.Textbox(label="Link", placeholder="example.com/offer")
            colours = gr.Textbox(label="Brand colours", placeholder="#F7C948, #1B2A4A", elem_id="colours")
            with gr.Accordion("Characters, must-haves, logo and reference pictures", open=False):
                with gr.Row():
                    characters = gr.Textbox(
                        label="Characters (one per line)",
                        placeholder="Maya, 30s, curly hair, green hoodie",
                        lines=2,
                    )
                    category = gr.Dropdown(CATEGORIES, value="generic", label="Product shape")
                with gr.Row():
                    must_include = gr.Textbox(label="Must include (one per line)", lines=2)
                    avoid = gr.Textbox(label="Avoid (one per line)", lines=2)
                with gr.Row():
                    logo = gr.File(
                        label="Logo (PNG, JPEG, WebP; under 5 MB)", file_types=["image"], elem_id="logo"
                    )
                    character_refs = gr.File(
                        label="Character pictures", file_count="multiple", file_types=["image"]
                    )
                    product_refs = gr.File(
                        label="Product pictures", file_count="multiple", file_types=["image"]
                    )
            make_btn = gr.Button("Make storyboard", variant="primary", elem_id="make-storyboard")

    form = [
        product,
        brand,
        audience,
        goal,
        tone,
        length,
        platforms,
        formats,
        cta,
        url,
        colours,
        characters,
        must_include,
        avoid,
        category,
    ]
    gr.Examples(
        examples=[row for _, row in examples],
        example_labels=[label for label, _ in examples],
        inputs=[thread, *form],
        label="Examples: a real thread and its brief, in one click",
        examples_per_page=6,
        cache_examples=False,
    )

    return BriefInputs(thread, read_btn, notice, form, logo, character_refs, product_refs, make_btn)


def _storyboard_section() -> StoryboardView:
    # 2 · the storyboard
    gr.Markdown("### 2 · Storyboard", elem_classes="cr-step")
    board_status = gr.Markdown(
        "Make a storyboard from the brief to see it here.", elem_classes="cr-status"
    )
    gallery = gr.Gallery(
        label="Scenes",
        columns=6,
        height=340,
        object_fit="contain",
        allow_preview=True,
        elem_id="panels",
    )
    with gr.Row(elem_id="redo-buttons", elem_classes="cr-redo-row"):
        shot_buttons = [
            gr.Button(
                f"Redo {n}",
                variant="secondary",
                size="sm",
                visible=False,
                elem_id=f"redo-scene-{n}",
                elem_classes="cr-redo",
                scale=0,
                min_width=80,
            )
            for n in range(1, MAX_SHOTS + 1)
        ]
    cast_gallery = gr.Gallery(
        label="Cast: every scene is drawn from these references",
        columns=8,
        height=215,
        object_fit="contain",
        allow_preview=True,
        elem_id="cast",
    )
    table = gr.Dataframe(
        headers=TABLE_HEADERS,
        datatype=["number", "str", "number", "str", "str", "str"],
        type="array",
        interactive=True,
        static_columns=[0, 1],
        label="Shot list (edit seconds, camera move, on-screen text, voice-over)",
        column_widths=["7%", "9%", "9%", "13%", "26%", "36%"],
        wrap=True,
        elem_id="shots",
    )
    with gr.Row(equal_height=True, elem_classes="cr-actions"):
        edit_btn = gr.Button("Apply table edits", variant="secondary", elem_id="apply-edits", scale=3)
        gr.HTML("<div></div>", scale=1)
        shot_number = gr.Number(
            value=1,
            minimum=1,
            maximum=12,
            precision=0,
            label="Scene",
            show_label=False,
            container=False,
            elem_id="scene",
            scale=0,
            min_width=90,
        )
        redo_btn = gr.Button("Redo this scene", variant="secondary", elem_id="redo-scene", scale=2)

    return StoryboardView(board_status, gallery, shot_buttons, cast_gallery, table, edit_btn, shot_number, redo_btn)


def _render_section() -> RenderView:
    # 3 · approve and variants
    gr.Markdown("### 3 · Approve and render", elem_classes="cr-step")
    with gr.Row(equal_height=False, elem_classes="cr-actions"):
        render_formats = gr.CheckboxGroup(FORMATS, value=["9:16"], label="Formats to render", scale=3)
        n_variants = gr.Slider(
            1, 3, value=1, step=1, label="Variants per format (B, C swap the hook and voice)", scale=3
        )
        approve_btn = gr.Button(
            "Approve & render", variant="primary", elem_id="approve", scale=2, size="lg"
        )
    render_status = gr.Markdown(elem_classes="cr-status")
    with gr.Row():
        videos = [
            gr.Video(visible=False, interactive=False, elem_id=f"variant-{i}", height=420)
            for i in range(MAX_VIDEOS)
        ]
    summary = gr.Markdown(elem_id="variants-summary")
    downloads = gr.File(label="Downloads (MP4 and captions)", file_count="multiple", interactive=False)

    return RenderView(render_formats, n_variants, approve_btn, render_status, videos, summary, downloads)


def _listen(
    play: Playground,
    settings: Settings,
    brief: BriefInputs,
    board: StoryboardView,
    render: RenderView,
    base_state: gr.State,
    board_state: gr.State,
) -> None:
    """What each button does: the handlers, their API names and the page-wide concurrency."""
    board_outputs = [board.gallery, board.table, board_state, board.status, board.shot_number, render.formats]
    # Gradio gives every listener its own concurrency group, so the page-wide limit must be
    # one shared group: at most ``playground_concurrency`` storyboards, edits, redos and
    # renders together, not that many of each (reading a thread is light and stays apart).
    heavy: dict[str, Any] = {
        "concurrency_id": HEAVY,
        "concurrency_limit": settings.playground_concurrency,
    }
    brief.read.click(
        _friendly(play.read_thread), [brief.thread], [*brief.form, base_state, brief.notice], api_name="read_thread"
    )
    brief.make.click(
        _friendly(play.make_storyboard),
        [base_state, *brief.form, brief.logo, brief.character_refs, brief.product_refs],
        [*board_outputs, base_state],
        api_name="storyboard",
        **heavy,
    )
    board.apply_edits.click(
        _friendly(play.apply_edits), [board_state, board.table], board_outputs, api_name="apply_edits", **heavy
    )
    board.redraw.click(
        _friendly(play.redraw_shot), [board_state, board.shot_number], board_outputs, api_name="redraw_shot", **heavy
    )
    for n, button in enumerate(board.shot_buttons, start=1):
        button.click(
            _friendly(play.redraw_shot_n(n)),
            [board_state],
            board_outputs,
            api_name=f"redraw_shot_{n}",
            **heavy,
        )
    # Whatever showed a storyboard (drawing, edits, a redo), the row shows one button per shot.
    board_state.change(
        redo_buttons_view, [board_state], board.shot_buttons, queue=False, api_visibility="private"
    )
    board_state.change(
        functools.partial(cast_view, play.runner.store), [board_state], [board.cast], queue=False,
        api_visibility="private",
    )
    board.gallery.select(picked_shot, None, [board.shot_number], queue=False, api_visibility="private")
    render.approve.click(
        _friendly(play.approve),
        [board_state, render.formats, render.n_variants],
        [*render.videos, render.downloads, render.summary, render.status],
        api_name="approve",
        **heavy,
    )


@contextlib.contextmanager
def serving(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    render_scale: float = 1.0,
    runner: Runner | None = None,
) -> Iterator[tuple[gr.Blocks, str]]:
    """The app running in this process's background until the block ends (tests, notebooks)."""
    demo = build_app(settings, runner=runner, render_scale=render_scale)
    url = start(demo, settings, host=host, port=port, block=False)
    try:
        yield demo, url
    finally:
        demo.close()


def start(
    demo: gr.Blocks,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    block: bool = True,
) -> str:
    """Launch ``demo`` with Cutroom's theme, telemetry off and the artifact folder servable."""
    allowed = (
        [str(Path(settings.artifacts_location).expanduser().resolve())]
        if "://" not in settings.artifacts_location
        else []
    )
    allowed.append(str(Path(tempfile.gettempdir()) / "cutroom-playground"))
    _app, local_url, _share = demo.launch(
        server_name=host or settings.playground_host,
        server_port=port if port is not None else settings.playground_port,
        prevent_thread_lock=not block,
        share=False,
        quiet=not block,
        show_error=True,
        allowed_paths=allowed,
        max_file_size="20mb",
        theme=theme(),
        css=CSS,
        footer_links=[],
        ssr_mode=False,
        enable_monitoring=False,
        mcp_server=False,
    )
    return str(local_url)


__all__ = ["HEAVY", "build_app", "serving", "start"]
