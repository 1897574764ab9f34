"""Face identity: the "insightface" FaceEmbedder and the identity score of a plan's characters.

The identity score answers "does Maya look like the same person in every shot?": embed the
face in each panel or frame where a character appears alone, and take the mean pairwise
cosine similarity of those vectors (1.0 is the same face; ArcFace puts different people
below about 0.3). The math needs no model and works with any ``FaceEmbedder``.

insightface needs its model pack on disk (``<root>/models/<name>/*.onnx``, e.g. buffalo_l);
it cannot download here, so a missing pack is an ``UnavailableError`` saying where to put it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from cutroom.core.backends import FaceEmbedder, faces
from cutroom.core.errors import BackendError, UnavailableError
from cutroom.core.models import Plan

DEFAULT_PACK = "buffalo_l"


# ── the score ───────────────────────────────────────────────────────────────────────────


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (0.0 when either is all zeros)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"Face vectors differ in length ({a.size} and {b.size}).")
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / norm) if norm > 0 else 0.0


def identity_consistency(vectors: Sequence[np.ndarray]) -> float | None:
    """Mean pairwise cosine similarity of one character's faces; None with fewer than two."""
    if len(vectors) < 2:
        return None
    return float(np.mean([cosine(a, b) for a, b in combinations(vectors, 2)]))


def identity_scores(
    plan: Plan, images: Mapping[int, Image.Image], embedder: FaceEmbedder
) -> dict[str, float]:
    """Identity score per character id, from the images of the shots (keyed by shot index).

    Only shots with exactly one character count, since the embedder reports one face per
    image and two people in frame would make the vector ambiguous. Characters seen with a
    face in fewer than two shots get no score.
    """
    characters = {e.id for e in plan.bible.entities if e.kind == "character"}
    seen: dict[str, list[np.ndarray]] = {}
    for shot in plan.shots:
        in_frame = [e for e in shot.entities if e in characters]
        if len(in_frame) != 1 or shot.index not in images:
            continue
        vector = embedder.embed(images[shot.index])
        if vector is not None:
            seen.setdefault(in_frame[0], []).append(vector)
    scores = {entity: identity_consistency(vectors) for entity, vectors in seen.items()}
    return {entity: score for entity, score in scores.items() if score is not None}


# ── insightface ─────────────────────────────────────────────────────────────────────────


class InsightFaceEmbedder:
    """The largest face's normalised ArcFace embedding, or None when no face is found."""

    def __init__(
        self,
        *,
        root: str | Path | None = None,
        pack: str = DEFAULT_PACK,
        model_path: str | Path | None = None,
        device: str = "cpu",
        det_size: tuple[int, int] = (640, 640),
        det_thresh: float = 0.5,
    ) -> None:
        folder = (
            Path(model_path) if model_path else Path(root or "~/.insightface").expanduser() / "models" / pack
        )
        if not folder.is_dir() or not any(folder.glob("*.onnx")):
            raise UnavailableError(
                f"The insightface face backend needs its model pack on disk, and none was found in {folder}. "
                f"Copy the '{pack}' pack (its .onnx files) there, or unset CUTROOM_FACE_BACKEND to skip "
                "identity scores; it cannot be downloaded automatically here."
            )
        try:
            from insightface.app import FaceAnalysis
        except ImportError as exc:
            raise UnavailableError(
                "The insightface face backend needs the GPU extras: pip install -e '.[gpu]'."
            ) from exc
        providers = (
            ["CUDAExecutionProvider", "CPUExecutionProvider"]
            if device.startswith("cuda")
            else ["CPUExecutionProvider"]
        )
        try:
            self.app: Any = FaceAnalysis(
                name=str(folder), allowed_modules=["detection", "recognition"], providers=providers
            )
            self.app.prepare(
                ctx_id=0 if device.startswith("cuda") else -1, det_thresh=det_thresh, det_size=det_size
            )
        except (AssertionError, RuntimeError, ValueError) as exc:
            raise UnavailableError(
                f"The insightface models in {folder} could not be loaded ({exc}); it needs a detection and "
                "a recognition model, as in the buffalo_l pack."
            ) from exc

    def embed(self, image: Image.Image) -> np.ndarray | None:
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        try:
            found = self.app.get(bgr)
        except Exception as exc:  # onnxruntime errors carry no common base class
            raise BackendError(f"insightface failed on an image ({type(exc).__name__}: {exc}).") from exc
        found = [face for face in found if getattr(face, "normed_embedding", None) is not None]
        if not found:
            return None
        largest = max(found, key=lambda f: float((f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1])))
        return np.asarray(largest.normed_embedding, dtype=np.float32)


@faces.register("insightface")
def _create(**options: Any) -> InsightFaceEmbedder:
    return InsightFaceEmbedder(**options)
