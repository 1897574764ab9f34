"""``cutroom``: the command line. Each module below registers its commands on ``app``."""

from __future__ import annotations

import sys

from pydantic import ValidationError

from cutroom.cli import brief as _brief  # noqa: F401  brief, plan, storyboard
from cutroom.cli import evaluate as _evaluate  # noqa: F401  eval (QC scores of any video)
from cutroom.cli import make as _make  # noqa: F401  make (render variants)
from cutroom.cli import ops as _ops  # noqa: F401  worker, up
from cutroom.cli import surfaces as _surfaces  # noqa: F401  slack, discord, playground
from cutroom.cli.app import app, console
from cutroom.core.errors import CutroomError, explain

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: user mistakes become one red line and exit code 2, never a traceback."""
    try:
        app()
    except ValidationError as err:
        console.print(f"[bold red]Error:[/] {explain(err)}")
        sys.exit(2)
    except CutroomError as err:
        console.print(f"[bold red]Error:[/] {err}")
        sys.exit(2)
    except OSError as err:  # a disk or folder problem the checks up front could not foresee
        where = f" {err.filename}" if err.filename else ""
        console.print(f"[bold red]Error:[/] Cutroom could not read or write{where}: {err.strerror or err}.")
        sys.exit(2)
    except KeyboardInterrupt:
        console.print("[yellow]Stopped.[/]")
        sys.exit(130)
