"""Artifacts in any S3-compatible bucket (AWS S3, MinIO, R2, moto...), for multi-machine setups.

Same keys and methods as ``LocalArtifactStore``; ``url`` gives presigned links that expire,
which is what chat surfaces post. Credentials come the usual boto3 way (environment,
``~/.aws``, instance role); ``endpoint_url`` points at a non-AWS server.
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cutroom.core.errors import InputError
from cutroom.core.store import safe_key


class S3ArtifactStore:
    """Files under ``s3://bucket/prefix``. Objects are written whole, so readers never see half a file."""

    def __init__(self, bucket: str, prefix: str = "", *, client: Any, cache_dir: Path | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client
        self.cache_dir = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "cutroom-s3"

    @classmethod
    def from_url(
        cls, url: str, *, endpoint_url: str | None = None, region: str | None = None, **client_options: Any
    ) -> S3ArtifactStore:
        """``s3://bucket/prefix``; ``endpoint_url`` for MinIO and other S3-compatible servers."""
        import boto3
        from botocore.config import Config

        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise InputError(f"'{url[:80]}' is not an S3 location; write it as s3://bucket/prefix.")
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            retries={"max_attempts": 5, "mode": "standard"},
        )
        client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config, **client_options
        )
        return cls(parsed.netloc, parsed.path, client=client)

    def _object(self, key: str) -> str:
        key = safe_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _strip(self, name: str) -> str:
        return name[len(self.prefix) + 1 :] if self.prefix else name

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> str:
        self.client.put_object(
            Bucket=self.bucket, Key=self._object(key), Body=data, ContentType=_type(key, content_type)
        )
        return safe_key(key)

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> str:
        self.client.upload_file(
            str(path), self.bucket, self._object(key), ExtraArgs={"ContentType": _type(key, content_type)}
        )
        return safe_key(key)

    def get_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        return bytes(response["Body"].read())

    def fetch(self, key: str, dest: Path) -> Path:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=dest.parent, prefix=".tmp-", delete=False) as tmp:
            self.client.download_fileobj(self.bucket, self._object(key), tmp)
        shutil.move(tmp.name, dest)
        return dest

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def list(self, prefix: str) -> list[str]:
        base = self._object(prefix) if prefix.strip("/") else self.prefix
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=base):
            for item in page.get("Contents", []):
                name = item["Key"]
                # "runs/sb_1" must not match "runs/sb_10": only the object itself or what is under it.
                if name == base or name.startswith(base.rstrip("/") + "/") or not base:
                    keys.append(self._strip(name))
        return sorted(keys)

    def delete_prefix(self, prefix: str) -> int:
        keys = self.list(prefix)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._object(k)} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return len(keys)

    def url(self, key: str, *, expires_s: int = 3600) -> str:
        """A presigned GET link valid for ``expires_s`` seconds (S3 allows at most 7 days)."""
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._object(key)},
                ExpiresIn=max(1, min(int(expires_s), 7 * 24 * 3600)),
            )
        )


def _type(key: str, content_type: str | None) -> str:
    return content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
