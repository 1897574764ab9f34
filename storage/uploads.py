"""Files people upload (a logo, a reference picture): read with a hard cap, kept only if they are pictures.

One place for the limits, shared by the Slack and Discord adapters and the playground, so a
logo too big on one surface is too big on all of them:

    read_capped(chunks, limit, declared=...)   bytes, or UploadRefused as soon as the limit is passed
    checked_image(data, name)                  the format ("png" | "jpg" | "webp"), or UploadRefused

A claimed size is never trusted: ``declared`` (Content-Length, the platform's ``size``) refuses
early, and the stream itself is cut at ``limit + 1`` bytes whatever was claimed. A picture is
decoded before it is stored, with a pixel-count limit, so a small file that inflates to a huge
image (a decompression bomb) is refused instead of filling a worker's memory later.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import AsyncIterator

from cutroom.core.errors import InputError
from cutroom.core.limits import MAX_IMAGE_PIXELS

__all__ = [
    "UploadRefused",
    "checked_image",
    "megabytes",
    "read_capped",
]

#: Formats a logo may be in, as PIL names them -> the file extension it is stored with.
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


class UploadRefused(InputError):
    """An upload that is too big or not a picture; ``str(err)`` says which, fit for the thread."""


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


async def read_capped(chunks: AsyncIterator[bytes], limit: int, *, declared: int | None = None) -> bytes:
    """Collect ``chunks`` into bytes, refusing as soon as more than ``limit`` bytes arrive.

    ``declared`` (a Content-Length, a size the platform reported) over the limit refuses before
    reading anything; a stream that lies about its size is cut at ``limit + 1`` bytes.
    """
    if declared is not None and declared > limit:
        raise UploadRefused(f"it is {megabytes(declared)}, over the {megabytes(limit)} limit")
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        if len(buffer) > limit:
            raise UploadRefused(f"it is over the {megabytes(limit)} limit")
    return bytes(buffer)


def checked_image(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> str:
    """The picture's format as a file extension, after decoding it whole within ``max_pixels``."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # PIL warns (rather than raises) between the limit and twice the limit: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise UploadRefused(f"it is {width}×{height} pixels; a logo needs far fewer")
                kind = IMAGE_FORMATS.get(str(image.format))
                if kind is None:
                    raise UploadRefused(f"it is a {image.format or 'kind of'} picture; use PNG, JPEG or WebP")
                image.load()  # decode every pixel: a truncated or corrupt file fails here
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused("it decodes to far too many pixels") from None
    except Exception:  # noqa: BLE001 - PIL raises many kinds for a file that is not a picture
        raise UploadRefused("it is not a picture I can read; use PNG, JPEG or WebP") from None
    return kind
