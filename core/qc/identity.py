"""Face identity as a number: how alike one character's faces are across shots (CSFD-style).

Pure maths over embeddings; the embeddings come from whichever ``FaceEmbedder`` is configured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
from PIL import Image

from cutroom.core.backends import FaceEmbedder
from cutroom.core.models import Plan


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
