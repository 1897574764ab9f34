"""Build a Scorer from QcOptions: the references a plan and its cast provide, the optional model."""

from __future__ import annotations

import threading
from pathlib import Path

from cutroom.core.backends import FaceEmbedder
from cutroom.core.models import Plan
from cutroom.core.qc.embedders import ImageEmbedder
from cutroom.core.qc.models import QcOptions
from cutroom.core.qc.scores import Scorer

_models: dict[tuple[str, str], ImageEmbedder] = {}
_lock = threading.Lock()


def image_embedder(folder: str, device: str = "cpu") -> ImageEmbedder:
    """One loaded model per folder and device per process (renders of many variants share it)."""
    key = (str(Path(folder).expanduser()), device)
    with _lock:
        if key not in _models:
            _models[key] = ImageEmbedder(folder, device=device)
        return _models[key]


def references(plan: Plan, options: QcOptions) -> dict[str, str]:
    """Entity id -> local reference picture: the cast's (options) first, else the bible's upload."""
    found = {
        e.id: e.reference_image
        for e in plan.bible.entities
        if e.reference_image and Path(e.reference_image).expanduser().is_file()
    }
    found.update({k: v for k, v in options.references.items() if Path(v).expanduser().is_file()})
    return found


def make_scorer(plan: Plan, options: QcOptions, *, face: FaceEmbedder | None = None) -> Scorer:
    """Raises ``UnavailableError`` naming CUTROOM_QC_IMAGE_MODEL when that folder is wrong."""
    embedder = image_embedder(options.image_model, options.image_device) if options.image_model else None
    return Scorer(
        plan,
        references=references(plan, options),
        embedder=embedder,
        face=face,
        thresholds=options.thresholds,
    )
