"""Artifact stores: a local folder by default, any S3-compatible bucket by URL."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from cutroom.core.store import ArtifactStore, safe_key


class LocalArtifactStore:
    """Files under one root folder. Writes are atomic (temp file, then rename)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()

    def path(self, key: str) -> Path:
        path = (self.root / safe_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError(f"{key!r} is outside the store")
        return path

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> str:
        target = self.path(key)
        with _replacing(target) as tmp:
            tmp.write_bytes(data)
        return safe_key(key)

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> str:
        target = self.path(key)
        if Path(path).resolve() == target:
            return safe_key(key)
        with _replacing(target) as tmp:
            shutil.copyfile(path, tmp)
        return safe_key(key)

    def get_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def fetch(self, key: str, dest: Path) -> Path:
        return self.path(key)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self.path(prefix) if prefix.strip("/") else self.root
        if base.is_file():
            return [safe_key(prefix)]
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete_prefix(self, prefix: str) -> int:
        base = self.path(prefix)
        if base.is_file():
            base.unlink()
            return 1
        if not base.is_dir():
            return 0
        count = sum(1 for p in base.rglob("*") if p.is_file())
        shutil.rmtree(base)
        return count

    def url(self, key: str, *, expires_s: int = 3600) -> str:
        return self.path(key).as_uri()


def open_store(location: str, *, endpoint_url: str | None = None) -> ArtifactStore:
    """A store for ``location``: a folder path, or ``s3://bucket/prefix``."""
    if location.startswith("s3://"):
        from cutroom.storage.s3 import S3ArtifactStore  # boto3 only when asked for

        return S3ArtifactStore.from_url(location, endpoint_url=endpoint_url)
    return LocalArtifactStore(location)


#: rw-r--r--, as a file written the ordinary way under the usual umask.
_FILE_MODE = 0o644


@contextlib.contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target`` that replaces it atomically once written.

    mkstemp makes files only their owner can read; artifacts get the usual mode instead,
    so a web server or a colleague can read a copied storyboard folder.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
