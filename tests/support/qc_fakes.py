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

from core.backends import PanelArt, images
from core.models import Plan, Shot

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
