"""An image engine that gets one shot wrong once: QC's planted bad take.

Registered as the image backend ``qc-flaky`` when imported (``CUTROOM_BACKEND_MODULES`` or
``RenderOptions.backend_modules``), so a worker process has it too. It draws like the animatic,
except shot 2 at the plan's own seed (take 1): a flat magenta card, off-palette and without an
edge. A retake draws with another seed and gets the animatic's picture. Deterministic, so every
process agrees which take is bad.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from cutroom.core.backends import PanelArt, images
from cutroom.core.models import Plan, Shot

BAD_SHOT = 2
BAD_COLOUR = (230, 0, 230)


class FlakyImages:
    version = "qc-flaky-1"

    def __init__(self) -> None:
        self.inner = images.create("animatic")

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt:
        if shot.index == BAD_SHOT and seed == plan.seed:
            return PanelArt(background=Image.new("RGB", size, BAD_COLOUR))
        return self.inner.draw(plan, shot, size=size, seed=seed)


@images.register("qc-flaky")
def _create(**_: Any) -> FlakyImages:
    return FlakyImages()


def variant_with_qc(video: str = "ad.mp4") -> Any:
    """A finished variant whose QC retook shot 2 once (for the chat surfaces' tests)."""
    from cutroom.core.models import Variant, VariantChoice
    from cutroom.core.qc.models import QcReport, ShotQc, TakeQc
    from cutroom.core.qc.scores import default_thresholds

    shots = [
        ShotQc(index=1, scores={"palette_delta_e": 7.2, "sharpness": 461.0, "flicker": 0.28}, takes=[TakeQc(take=1, seed=0, kept=True)]),
        ShotQc(
            index=2,
            scores={"palette_delta_e": 7.4, "sharpness": 435.0, "flicker": 0.29},
            takes=[
                TakeQc(take=1, seed=0, scores={"palette_delta_e": 61.0, "sharpness": 0.0}, failed=["palette_delta_e", "sharpness"]),
                TakeQc(take=2, seed=811, kept=True),
            ],
        ),
    ]  # fmt: skip
    report = QcReport(
        shots=shots, sequence=0.91, sequence_method="colour signature", thresholds=default_thresholds()
    )
    return Variant(
        id="9x16-A",
        aspect_ratio="9:16",
        choice=VariantChoice(),
        video=video,
        thumbnail="thumb.png",
        captions="captions.srt",
        manifest="manifest.json",
        duration_s=3,
        width=180,
        height=320,
        fps=12,
        qc=report,
    )
