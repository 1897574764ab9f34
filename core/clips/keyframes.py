"""Clips start from the approved storyboard's keyframes, not from a fresh drawing.

The panels drawn at storyboard time are cast-conditioned and approved by the team; a clip
made from another picture would show other faces. So a clip engine takes the shot's stored
panel: as it is when its aspect is the engine's, a centre recrop when that keeps enough of
it, and a redraw at the engine's aspect only where a recrop would cut most of it away
(9:16 into 16:9 keeps a third of the picture).

Both the shot's clip job and the render that assembles the clips read the same panels, so
both ask for the same clip (its key hashes the keyframe) and it is paid for once.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from cutroom.core.models import Storyboard
from cutroom.core.store import ArtifactStore

#: Smallest share of the panel a recrop may keep; below it the shot is redrawn at the new aspect.
MIN_KEPT = 0.5
#: Aspects this close (relative) are the same aspect: the panel is sent as it is.
SAME_ASPECT = 0.02

#: The option a clip backend takes them by: shot index (as text) to a local PNG file.
OPTION = "keyframes"
#: Clip backends that take that option (the animatic moves the render's own layered drawing).
TAKERS = ("runway", "veo", "luma", "sim", "diffusers")


def with_keyframes(
    options: dict[str, Any], backend: str, board: Storyboard, store: ArtifactStore, folder: Path, only: int | None = None
) -> dict[str, Any]:
    """A clip backend's options with the storyboard's keyframes, for the backends that take them."""
    if backend not in TAKERS:
        return options
    return {**options, OPTION: fetch_keyframes(board, store, folder, only)}


def fetch_keyframes(board: Storyboard, store: ArtifactStore, folder: Path, only: int | None = None) -> dict[str, str]:
    """The storyboard's panels (or shot ``only``'s) as local files, by shot index, for a clip backend's ``keyframes``."""
    found: dict[str, str] = {}
    for panel in board.panels:
        if only is not None and panel.shot_index != only or not store.exists(panel.image):
            continue
        folder.mkdir(parents=True, exist_ok=True)
        found[str(panel.shot_index)] = str(store.fetch(panel.image, folder / f"{panel.shot_index:02d}.png"))
    return found


def approved_keyframe(png: bytes, size: tuple[int, int]) -> bytes | None:
    """The approved keyframe for a clip of ``size``'s aspect: its own bytes, a recrop, or None (redraw)."""
    image = Image.open(io.BytesIO(png))
    have = image.width / image.height
    want = size[0] / size[1]
    if abs(have / want - 1) <= SAME_ASPECT:
        return png
    if min(have, want) / max(have, want) < MIN_KEPT:
        return None
    return png_bytes(ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS))


def png_bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False, compress_level=1)  # speed over bytes: it is sent once
    return buffer.getvalue()
