"""Clip backends "runway", "veo", "luma" (and "sim"): a hosted engine behind the ``ClipBackend`` interface.

The keyframe is the approved storyboard's panel for the shot (``core.clips.keyframes``: as
it is, recropped, or redrawn at the engine's aspect where a recrop would cut most of it; 1:1
and 4:5 variants that map to the same engine ratio share one paid clip), the motion prompt is the
shot's action plus its camera move, and the clip is fitted to the shot (``core.clips.fit``).
End cards are a graphic with the logo: they move with the animatic backend, never paid for.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from cutroom.core.backends import PanelArt, clips, images
from cutroom.core.clips.engines import (
    CAMERA_WORDS,
    ClipRequest,
    HostedEngine,
    choose_duration,
    engines,
)
from cutroom.core.clips.fit import FitReport, fitted_frames
from cutroom.core.clips.generate import ClipPolicy, ClipResult, estimate_usd, make_clip
from cutroom.core.clips.keyframes import approved_keyframe, png_bytes
from cutroom.core.clips.ledger import open_ledger
from cutroom.core.errors import UnavailableError
from cutroom.core.models import Plan, Shot

#: Modules whose import registers the hosted engines (their SDKs are imported inside).
ENGINE_MODULES = ("cutroom.core.clips.runway", "cutroom.core.clips.veo", "cutroom.core.clips.luma", "cutroom.core.clips.sim")
HOSTED = ("runway", "veo", "luma", "sim")

Publisher = Callable[[str, bytes], str]
_publishers: dict[str, Callable[..., Publisher]] = {}


def register_publisher(scheme: str, factory: Callable[..., Publisher]) -> None:
    """How keyframes get a public link for engines that take pictures by URL (Luma); storage registers s3.

    ``factory(location)``, or ``factory(location, endpoint_url=...)`` when a custom endpoint is set."""
    _publishers[scheme] = factory


def load_engines() -> None:
    import importlib

    for module in ENGINE_MODULES:
        importlib.import_module(module)


def create_engine(name: str, **options: Any) -> HostedEngine:
    load_engines()
    return engines.create(name, **options)


def motion_prompt(plan: Plan, shot: Shot) -> str:
    """What moves and how the camera moves: the shot's action, then the move, then the look."""
    parts = [shot.description.strip().rstrip(".") + "."]
    parts.append(CAMERA_WORDS.get(shot.camera_move, shot.camera_move.replace("_", " ")).capitalize() + ".")
    looks = [plan.bible.entity(e).look for e in shot.entities if plan.bible.entity(e).look]
    if looks:
        parts.append("Keep " + "; ".join(looks) + " exactly as in the first frame.")
    if plan.bible.style_words:
        parts.append(", ".join(plan.bible.style_words) + ".")
    return " ".join(parts)


def engine_size(ratio: str) -> tuple[int, int]:
    """Working size for an engine ratio written "1280:720" (Runway) or "16:9" (Veo, Luma)."""
    a, b = (int(x) for x in ratio.split(":"))
    if a >= 100:
        return a, b
    long_side = 1280
    return (long_side, round(long_side * b / a / 2) * 2) if a >= b else (round(long_side * a / b / 2) * 2, long_side)


def nearest_aspect(size: tuple[int, int]) -> str:
    ratios = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0, "4:5": 0.8}
    value = size[0] / size[1]
    return min(ratios, key=lambda k: abs(ratios[k] - value))


class HostedClip:
    """A ``ClipBackend`` that asks a hosted engine for each shot's clip, once."""

    def __init__(
        self,
        *,
        engine: str,
        ledger: str,
        cache_dir: str | Path,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        image_backend: str | None = None,
        image_options: dict[str, Any] | None = None,
        publisher: str | None = None,
        publisher_endpoint: str | None = None,
        daily_budget_usd: float | None = None,
        usd_per_s: float | None = None,
        concurrency: int | None = None,
        timeout_s: float | None = None,
        poll_s: float = 5.0,
        poll_max_s: float = 30.0,
        latency_s: float | None = None,
        keyframes: dict[str, str] | None = None,
    ) -> None:
        options: dict[str, Any] = {"api_key": api_key, "base_url": base_url, "model": model}
        if engine == "sim":
            options = {"model": model, "latency_s": latency_s if latency_s is not None else 2.0}
        self.engine = create_engine(engine, **options)
        self.ledger = open_ledger(ledger)
        self.cache_dir = Path(cache_dir)
        self.image_backend = image_backend
        self.image_options = image_options or {}
        self.publisher = publisher
        self.publisher_endpoint = publisher_endpoint
        self.keyframes = {str(k): v for k, v in (keyframes or {}).items()}
        self.policy = ClipPolicy(
            daily_budget_usd=daily_budget_usd, usd_per_s=usd_per_s, concurrency=concurrency,
            timeout_s=timeout_s, poll_s=poll_s, poll_max_s=max(poll_s, poll_max_s),
        )
        self.notices: list[str] = []
        self.results: dict[int, ClipResult] = {}
        #: Shot index -> the seed of its first take in this render (``plan_takes``); another seed is a QC retake.
        self.first_seeds: dict[int, int] = {}
        self.on_progress: Callable[[float, str], None] = lambda f, m: None
        self.should_cancel: Callable[[], bool] = lambda: False
        self._image: Any = None

    # ── the request ─────────────────────────────────────────────────────────────────────

    def keyframe_png(self, plan: Plan, shot: Shot, art: PanelArt | None, *, size: tuple[int, int], seed: int) -> bytes:
        """The approved panel (as is or recropped); else the panel drawn at the engine's working size."""
        ratio = self.engine.spec.ratios[nearest_aspect(size)]
        working = engine_size(ratio)
        approved = self.keyframes.get(str(shot.index))
        if approved:
            png = approved_keyframe(Path(approved).read_bytes(), working)
            if png is not None:
                return png
            if not self.image_backend:  # nothing to redraw with: the recrop, said in the report
                self._note(f"Shot {shot.index}: its keyframe was recropped to {ratio}, cutting much of it; "
                           "redraw the storyboard at that aspect for a better start.")
                return png_bytes(ImageOps.fit(Image.open(approved).convert("RGB"), working, Image.Resampling.LANCZOS))
        if self.image_backend:
            if self._image is None:
                self._image = images.create(self.image_backend, **self.image_options)
            from cutroom.core import compose

            drawn = compose.grade_art(self._image.draw(plan, shot, size=working, seed=seed), compose.grade_lut(plan))
            return png_bytes(drawn.flatten().convert("RGB"))
        if art is None:
            raise UnavailableError("The hosted clip backend needs the shot's panel or an image backend to draw it.")
        return png_bytes(ImageOps.fit(art.flatten().convert("RGB"), working, Image.Resampling.LANCZOS))

    def _note(self, note: str) -> None:
        if note not in self.notices:
            self.notices.append(note)

    def request(self, plan: Plan, shot: Shot, art: PanelArt | None, *, size: tuple[int, int], seed: int) -> ClipRequest:
        spec = self.engine.spec
        model, model_spec = spec.model(getattr(self.engine, "model", None))
        png = self.keyframe_png(plan, shot, art, size=size, seed=seed)
        request = ClipRequest(
            shot_index=shot.index,
            image_png=png,
            prompt=motion_prompt(plan, shot),
            duration_s=choose_duration(model_spec.durations, shot.duration_s),
            wanted_s=shot.duration_s,
            ratio=spec.ratios[nearest_aspect(size)],
            seed=_clip_seed(plan, shot, seed),
            model=model,
        )
        if getattr(self.engine, "needs_image_url", False):
            request.image_url = self._publish(request)
        return request

    def _publish(self, request: ClipRequest) -> str | None:
        if not self.publisher:
            return None
        scheme = self.publisher.split("://", 1)[0]
        factory = _publishers.get(scheme)
        if factory is None:
            return None
        digest = hashlib.sha256(request.image_png).hexdigest()[:32]
        options = {"endpoint_url": self.publisher_endpoint} if self.publisher_endpoint else {}
        return factory(self.publisher, **options)(f"clips/keyframes/{digest}.png", request.image_png)

    # ── ClipBackend ─────────────────────────────────────────────────────────────────────

    def estimate(self, shot: Shot) -> float:
        """The clip's estimated cost before anything is sent (end cards are never paid for)."""
        if shot.is_end_card:
            return 0.0
        model, model_spec = self.engine.spec.model(getattr(self.engine, "model", None))
        return estimate_usd(self.engine, self.policy, model, choose_duration(model_spec.durations, shot.duration_s))

    def headroom(self, plan: Plan, shot: Shot, seed: int) -> float:
        """For a QC retake: what the shots after it, not yet made in this render, are estimated to cost,
        so retakes of early shots never leave later shots without their first take. 0 for a first take."""
        first = self.first_seeds.get(shot.index)
        if first is None or seed == first:
            return 0.0
        return round(sum(self.estimate(s) for s in plan.shots if s.index > shot.index and s.index not in self.results), 4)

    def clip(self, plan: Plan, shot: Shot, art: PanelArt | None, *, size: tuple[int, int], seed: int) -> ClipResult:
        """Make (or reuse) the shot's clip file without decoding it: what a fan-out shot job does.

        The clip's estimate is reserved on the ledger before it is submitted (OverBudget, a
        BudgetError, when it would pass the day's budget: nothing is sent); a retake's reservation
        also leaves ``headroom`` for the render's later shots."""
        request = self.request(plan, shot, art, size=size, seed=seed)
        headroom = self.headroom(plan, shot, seed)
        policy = replace(self.policy, headroom_usd=headroom) if headroom else self.policy
        result = make_clip(
            self.engine, request, ledger=self.ledger, cache_dir=self.cache_dir, policy=policy,
            on_progress=self.on_progress, should_cancel=self.should_cancel,
        )
        self.results[shot.index] = result
        return result

    def frames(
        self, plan: Plan, shot: Shot, art: PanelArt, *, size: tuple[int, int], fps: int, seed: int
    ) -> Iterator[np.ndarray]:
        if shot.is_end_card:
            yield from clips.create("animatic").frames(plan, shot, art, size=size, fps=fps, seed=seed)
            return
        result = self.clip(plan, shot, art, size=size, seed=seed)
        report = FitReport()
        yield from fitted_frames(result.path, size=size, fps=fps, wanted_s=shot.duration_s, report=report)
        note = report.notice(shot.index, self.engine.spec.label)
        if note:
            self._note(note)


def _clip_seed(plan: Plan, shot: Shot, seed: int) -> int:
    base = plan.bible.entity_seeds.get(shot.entities[0], plan.bible.base_seed) if shot.entities else plan.bible.base_seed
    return int(hashlib.sha256(json.dumps([base, shot.index, seed]).encode()).hexdigest()[:8], 16)


def _factory(engine: str) -> Callable[..., HostedClip]:
    def create(**options: Any) -> HostedClip:
        missing = [k for k in ("ledger", "cache_dir") if not options.get(k)]
        if missing:
            raise UnavailableError(
                f"The {engine} clip backend needs a task ledger and a clip folder (set by cutroom.wiring from "
                "CUTROOM_DATA_DIR and REDIS_URL)."
            )
        return HostedClip(engine=engine, **options)

    return create


for _name in HOSTED:
    clips.register(_name)(_factory(_name))


def bind(backend: object, on_progress: Callable[[float, str], None], should_cancel: Callable[[], bool]) -> None:
    """Let a hosted clip backend report its waiting and see a cancel (other backends need neither)."""
    if isinstance(backend, HostedClip):
        backend.on_progress = on_progress
        backend.should_cancel = should_cancel


def plan_takes(backend: object, first_seeds: Mapping[int, int]) -> None:
    """Tell a hosted clip backend each shot's first-take seed, so it knows a QC retake when it sees one."""
    if isinstance(backend, HostedClip):
        backend.first_seeds = dict(first_seeds)


def clip_notices(backend: object) -> list[str]:
    """What the clip backend has to say about the shots it made (held frames)."""
    return list(getattr(backend, "notices", None) or [])
