"""The typer app every command module registers on."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="cutroom",
    help="Video ads from a chat thread: brief, plan, storyboard, approval, variants.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(stderr=True)
