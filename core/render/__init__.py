"""RenderSpec to finished variant: voice, music, moving shots, compositing, one MP4.

    RenderSpec ─┬─ voice lines ──speak, fit──▶ words ──▶ captions (.srt + burned in)
                ├─ tone + cuts ──▶ music bed ──duck, master──▶ mix.wav
                └─ per shot: panel ──clip──▶ frames ──transition, text, captions, logo──▶ segment.mp4
                   segments ──concat (-c copy) + mix.wav (AAC)──▶ video.mp4 (+faststart)

Shots are encoded as separate segments, cached by a hash of everything that decides their
pixels: a render killed midway and started again with the same ``cache_dir`` reuses the
shots it finished, and a variant that differs only in its hook re-renders only the hook.
Every file appears under its final name only when complete.
"""

from cutroom.core.render.options import RENDERER_VERSION, RenderOptions
from cutroom.core.render.pool import render_variants
from cutroom.core.render.timeline import check_plan, shot_frames
from cutroom.core.render.variant import render_variant
from cutroom.core.render.variants import ALT_VOICES, variant_id, variant_specs

__all__ = [
    "ALT_VOICES",
    "RENDERER_VERSION",
    "RenderOptions",
    "check_plan",
    "render_variant",
    "render_variants",
    "shot_frames",
    "variant_id",
    "variant_specs",
]
