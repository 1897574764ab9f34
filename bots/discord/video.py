"""Make a video fit a Discord server's upload limit: re-encode it smaller, or say it cannot.

Discord refuses attachments over the guild's limit (10 MiB without boosts). A 30 s ad at
720p is usually under it; a long or detailed one is not. We aim the bitrate at 90 % of the
limit for the clip's length, halve the frame size when the bitrate would be too low to look
right, and give up (the caller posts a storage link) rather than post a smeared video.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from cutroom.core.encode import reencode_at_bitrate
from cutroom.core.errors import CutroomError

#: Below this video bitrate a 720p ad looks smeared: we shrink the frame instead.
MIN_KBPS_FULL_SIZE = 900
#: Below this even a half-size video is not worth sending: post a link.
MIN_KBPS = 150
AUDIO_KBPS = 64


@dataclass(frozen=True)
class Shrunk:
    path: Path
    size_bytes: int
    height: int


def probe(path: Path) -> tuple[float, int]:
    """(duration in seconds, frame height) read with PyAV; (0, 0) when unreadable."""
    try:
        import av

        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            duration = float(container.duration or 0) / 1_000_000
            return duration, int(stream.codec_context.height or 0)
    except Exception:
        return 0.0, 0


def plan_bitrate(limit_bytes: int, duration_s: float, height: int) -> tuple[int, int] | None:
    """(video kbps, output height) that fit ``limit_bytes``, or None when no encode would look right."""
    if duration_s <= 0:
        return None
    budget_kbps = int(limit_bytes * 8 * 0.9 / duration_s / 1000) - AUDIO_KBPS
    if budget_kbps >= MIN_KBPS_FULL_SIZE or height <= 360:
        return (budget_kbps, height) if budget_kbps >= MIN_KBPS else None
    if budget_kbps >= MIN_KBPS:
        return budget_kbps, max(240, (height // 2) // 2 * 2)
    return None


def shrink_to_fit(source: Path, limit_bytes: int, dest_dir: Path) -> Shrunk | None:
    """A re-encoded copy of ``source`` under ``limit_bytes``, or None if it cannot be made to fit well.

    Rate control overshoots on short or noisy clips, so an encode that lands over the limit is
    tried once more with the bitrate scaled down by how much it missed.
    """
    duration, height = probe(source)
    plan = plan_bitrate(limit_bytes, duration, height)
    if plan is None:
        return None
    kbps, out_height = plan
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = dest_dir / f"{source.stem}-small.mp4"
    rescale = out_height if out_height and out_height != height else None
    for _attempt in range(2):
        try:
            reencode_at_bitrate(source, out, video_kbps=kbps, audio_kbps=AUDIO_KBPS, height=rescale)
        except CutroomError:
            return None
        size = out.stat().st_size if out.exists() else 0
        if 0 < size <= limit_bytes:
            return Shrunk(out, size, out_height)
        if not size:
            return None
        kbps = int(kbps * limit_bytes / size * 0.9)
        if kbps < MIN_KBPS:
            return None
    out.unlink(missing_ok=True)
    return None


async def shrink_to_fit_async(source: Path, limit_bytes: int, dest_dir: Path) -> Shrunk | None:
    """``shrink_to_fit`` off the event loop, so the gateway heartbeat never stalls on ffmpeg."""
    return await asyncio.to_thread(shrink_to_fit, source, limit_bytes, dest_dir)
