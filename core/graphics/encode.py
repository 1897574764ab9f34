"""Pictures to bytes: one PNG writer, so a panel's bytes (and its content address) never vary by caller."""

from __future__ import annotations

import io

from PIL import Image


def png_bytes(image: Image.Image) -> bytes:
    """PNG at zlib level 6: quick to write, and the same pixels always give the same bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
