"""The port through which core saves and loads files (``ArtifactStore``); ``storage/artifacts.py`` implements it.

Keys are relative POSIX paths such as ``runs/sb_1a2b/panels/01.png``. ``safe_key`` is the
one gate every user-influenced name passes through, so no key escapes its store.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

from cutroom.core.errors import InputError

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def safe_key(*parts: str) -> str:
    """Join ``parts`` into a store key, refusing anything that could walk out of the store."""
    segments: list[str] = []
    for part in parts:
        for segment in str(part).replace("\\", "/").split("/"):
            if not segment:
                continue
            if segment in (".", "..") or not _SEGMENT.match(segment):
                raise InputError(f"'{segment[:40]}' is not an allowed file or folder name.")
            segments.append(segment)
    if not segments:
        raise InputError("An empty name is not an allowed file name.")
    return "/".join(segments)


def slug(text: str, *, fallback: str = "item", max_len: int = 40) -> str:
    """A file-name-safe slug of user text (any script, any control characters)."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", text.lower()).strip("-")[:max_len].strip("-")
    return cleaned or fallback


@runtime_checkable
class ArtifactStore(Protocol):
    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> str: ...

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> str: ...

    def get_bytes(self, key: str) -> bytes: ...

    def fetch(self, key: str, dest: Path) -> Path:
        """A local copy of ``key`` at ``dest`` (a no-copy path for local stores is fine)."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> list[str]: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def url(self, key: str, *, expires_s: int = 3600) -> str:
        """A link to share: a file:// path locally, a presigned URL on S3."""
        ...


def writable_dir(path: Path, what: str, *, fix: str = "Choose another folder, or make this one writable.") -> Path:
    """Create ``path`` (and its parents) and prove it takes a file, before any slow work starts.

    ``what`` names the output in the error ("video", "storyboard"); ``fix`` says what to do.
    """
    if path.exists() and not path.is_dir():
        raise InputError(f"Cutroom cannot write the {what} to {path}: it is a file, not a folder. {fix}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-", delete=True)  # noqa: SIM115
        probe.close()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(f"Cutroom cannot write the {what} to {path} ({reason.lower()}). {fix}") from None
    return path
