"""Where the CLI's brief comes from: an argument, a file, or stdin (a thread as JSON or lines)."""

from __future__ import annotations

import sys
from pathlib import Path

from cutroom.core.errors import InputError
from cutroom.core.models import Message
from cutroom.core.store import writable_dir

MAX_INPUT_BYTES = 20 * 1024 * 1024


def writable_folder(path: Path, what: str = "output") -> Path:
    """``--out`` checked before any slow work: created, and proven to take a file."""
    return writable_dir(path, what, fix="Choose another --out.")


def read_thread(text: str | None, file: Path | None) -> list[Message]:
    """The thread to extract from; ``-`` or a piped stdin reads standard input."""
    from cutroom.core.extract import parse_thread

    if text and file:
        raise InputError("Give the brief as text or as --file, not both.")
    if file is not None:
        if str(file) == "-":
            raw = sys.stdin.read(MAX_INPUT_BYTES)
        else:
            if not file.is_file():
                raise InputError(f"There is no file at {file}.")
            raw = file.read_bytes()[:MAX_INPUT_BYTES].decode("utf-8", errors="replace")
    elif text is not None and text != "-":
        raw = text
    elif text == "-" or not sys.stdin.isatty():
        raw = sys.stdin.read(MAX_INPUT_BYTES)
    else:
        raise InputError('Describe the ad, e.g. cutroom brief "30s TikTok ad for our new oat latte, CTA: order now".')
    thread = parse_thread(raw)
    if not any(m.text.strip() for m in thread):
        raise InputError("The brief is empty: say what the ad is for.")
    return thread
