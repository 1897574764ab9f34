"""Per-shot and per-ad scores from plain values: frames as numpy arrays, reference images, the plan.

Every score's direction, scale and default threshold is in ``definitions.json`` (and the
README). The model-free ones (palette, sharpness, flicker, motion) always run and are cheap:
they read a few small frames per shot. The model-based ones run only when their model is
given: ``face_distance`` with a ``FaceEmbedder``, ``reference_similarity`` and
``subject_consistency`` with an ``ImageEmbedder``; the report names which were measured.

Frames come in *windows* of consecutive frames (start, middle and end of a shot), so flicker
and motion compare true neighbours at a fraction of the cost of reading every frame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
from PIL import Image

from cutroom.core.backends import FaceEmbedder
from cutroom.core.consistency import delta_e_2000, hex_rgb, rgb_to_lab
from cutroom.core.models import Plan, Shot

#: Long side of the frames the model-free scores read; sharpness is defined at this size.
SAMPLE_LONG_SIDE = 256
#: Long side of the key frame a face detector reads (faces must be big enough to find).
FACE_LONG_SIDE = 640
WINDOW = 4
WINDOWS = 3
Box = tuple[int, int, int, int]


class Embedder(Protocol):
    """Unit image vectors, one row per image (``core.qc.embedders.ImageEmbedder``)."""

    name: str

    def embed(self, images: Sequence[Image.Image | np.ndarray]) -> np.ndarray: ...


@cache
def definitions() -> dict[str, dict[str, Any]]:
    """Score name -> label, direction, scale, threshold, needs, applies, about."""
    path = Path(__file__).with_name("definitions.json")
    scores: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["scores"]
    return scores


def default_thresholds(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Thresholds per score: the defaults, then ``overrides`` (unknown names are an error)."""
    known = definitions()
    out = {name: float(d["threshold"]) for name, d in known.items() if d["threshold"] is not None}
    for name, value in (overrides or {}).items():
        if name not in known:
            raise ValueError(f"There is no QC score called {name!r}; the scores are {', '.join(known)}.")
        out[name] = float(value)
    return out


def passes(name: str, value: float, threshold: float) -> bool:
    return value <= threshold if definitions()[name]["direction"] == "lower" else value >= threshold


def shortfall(name: str, value: float, threshold: float) -> float:
    """How far past its threshold a score is, relative to the threshold (0 when it passes)."""
    if passes(name, value, threshold):
        return 0.0
    return abs(value - threshold) / max(abs(threshold), 1e-6)


# ── sampling ────────────────────────────────────────────────────────────────────────────


def sample_windows(n_frames: int, *, window: int = WINDOW, windows: int = WINDOWS) -> list[list[int]]:
    """Indices of consecutive-frame windows at the start, middle and end of a shot (all frames
    when the shot is short). A one-frame shot is one window of one frame."""
    if n_frames <= 0:
        return []
    if n_frames <= window * windows:
        return [list(range(n_frames))]
    last = n_frames - window
    starts = sorted({round(last * k / (windows - 1)) for k in range(windows)})
    return [list(range(s, s + window)) for s in starts]


def small(frame: np.ndarray, long_side: int = SAMPLE_LONG_SIDE) -> np.ndarray:
    """An RGB uint8 copy with its long side at most ``long_side`` (alpha dropped)."""
    rgb = np.asarray(frame)[:, :, :3]
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1:
        return np.array(rgb, dtype=np.uint8, copy=True)  # a copy: callers draw on their frames later
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


@dataclass
class ShotSamples:
    """What the scores read of one shot: small frames in windows, and one larger key frame."""

    windows: list[list[np.ndarray]] = field(default_factory=list)
    key: np.ndarray | None = None
    #: (w, h) of the frames sampled, so entity boxes in frame pixels map onto the samples.
    full_size: tuple[int, int] | None = None
    #: A keyframe (a still by design): one frame is expected, not worth a note.
    still: bool = False

    @property
    def frames(self) -> list[np.ndarray]:
        return [f for w in self.windows for f in w]


class Sampler:
    """Collects a shot's samples while its frames stream past (render or decode), copying only
    the few it needs: ``wants(k)`` then ``add(k, frame)``."""

    def __init__(self, n_frames: int, *, key_long_side: int = SAMPLE_LONG_SIDE) -> None:
        self.plan = sample_windows(n_frames)
        self._where = {k: (w, j) for w, ks in enumerate(self.plan) for j, k in enumerate(ks)}
        middle = self.plan[len(self.plan) // 2] if self.plan else []
        self._key_index = middle[len(middle) // 2] if middle else -1
        self._key_long_side = key_long_side
        self.samples = ShotSamples(windows=[[] for _ in self.plan])

    @property
    def key_index(self) -> int:
        return self._key_index

    def wants(self, k: int) -> bool:
        return k in self._where

    def add(self, k: int, frame: np.ndarray) -> None:
        if k not in self._where:
            return
        w, _ = self._where[k]
        if self.samples.full_size is None:
            self.samples.full_size = (frame.shape[1], frame.shape[0])
        self.samples.windows[w].append(small(frame))
        if k == self._key_index:
            self.samples.key = small(frame, self._key_long_side)


# ── model-free scores ───────────────────────────────────────────────────────────────────


def _grey(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(frame[:, :, :3]), cv2.COLOR_RGB2GRAY)


def sharpness(frame: np.ndarray) -> float:
    """Variance of the Laplacian of the grey frame, measured at ``SAMPLE_LONG_SIDE``."""
    grey = _grey(small(frame))
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def palette_delta_e(frame: np.ndarray, palette: Sequence[str], *, long_side: int = 64) -> float:
    """Mean CIEDE2000 (lightness at half weight) from each pixel to its nearest palette colour."""
    lab = rgb_to_lab(small(frame, long_side)).reshape(-1, 1, 3)
    colours = rgb_to_lab(np.array([hex_rgb(c) for c in palette], dtype=np.float64)).reshape(1, -1, 3)
    return float(delta_e_2000(lab, colours, k_l=2.0).min(axis=1).mean())


def flicker(windows: Sequence[Sequence[np.ndarray]], *, grid: int = 8) -> float | None:
    """Mean |b_t - (b_t-1 + b_t+1)/2| of 8x8-block mean brightness; None without three neighbours.

    Smooth changes (a drift, a pan, a fade) are nearly linear over three frames and cancel;
    brightness that jumps back and forth does not.
    """
    values = []
    for frames in windows:
        if len(frames) < 3:
            continue
        blocks = np.stack(
            [cv2.resize(_grey(f), (grid, grid), interpolation=cv2.INTER_AREA) for f in frames]
        ).astype(np.float64)
        values.append(np.abs(blocks[1:-1] - (blocks[:-2] + blocks[2:]) / 2).mean())
    return float(np.mean(values)) if values else None


def _flows(frames: Sequence[np.ndarray], long_side: int = 96) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Farneback flow between neighbours, and where each pair's brightness changed (> 2 levels)."""
    greys = [_grey(small(f, long_side)) for f in frames]
    pairs = list(zip(greys, greys[1:], strict=False))
    flows = [
        cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 2, 9, 2, 5, 1.1, 0)  # type: ignore[call-overload]
        for a, b in pairs
    ]
    changed = [cv2.absdiff(a, b) > 2 for a, b in pairs]
    return flows, changed


def motion(windows: Sequence[Sequence[np.ndarray]]) -> tuple[float | None, float | None]:
    """(dynamic degree, motion smoothness) from Farneback optical flow between neighbours.

    Dynamic degree: mean of the top 5% flow magnitudes, in % of the short side per frame.
    Smoothness: 1 / (1 + mean change of flow between consecutive pairs / (mean flow + 1 px)).
    """
    degrees, changes, speeds = [], [], []
    for frames in windows:
        if len(frames) < 2:
            continue
        flows, changed = _flows(frames)
        short = min(flows[0].shape[:2])
        for flow, moved in zip(flows, changed, strict=True):
            # Flow in flat, unchanged areas is noise (the aperture problem): count only pixels
            # whose brightness changed, so a frozen clip reads as zero motion.
            magnitude = np.where(moved, np.linalg.norm(flow, axis=2), 0.0).ravel()
            top = np.sort(magnitude)[-max(1, magnitude.size // 20) :]
            degrees.append(float(top.mean()) / short * 100)
            speeds.append(float(magnitude.mean()))
        for a, b in zip(flows, flows[1:], strict=False):
            changes.append(float(np.linalg.norm(b - a, axis=2).mean()))
    dynamic = float(np.mean(degrees)) if degrees else None
    smooth = 1.0 / (1.0 + float(np.mean(changes)) / (float(np.mean(speeds)) + 1.0)) if changes else None
    return dynamic, smooth


def subject_consistency(vectors: np.ndarray) -> float | None:
    """VBench's subject consistency: each frame's cosine with the first and the previous, averaged."""
    if len(vectors) < 2:
        return None
    sims = [
        (float(vectors[i] @ vectors[0]) + float(vectors[i] @ vectors[i - 1])) / 2
        for i in range(1, len(vectors))
    ]
    return float(np.mean(sims))


def colour_signature(frame: np.ndarray) -> np.ndarray:
    """A unit hue-saturation histogram: the model-free stand-in for an embedding."""
    hsv = cv2.cvtColor(np.ascontiguousarray(small(frame, 128)), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [18, 8], [0, 180, 0, 256]).ravel().astype(np.float64)
    hist = np.sqrt(hist / max(hist.sum(), 1.0))  # Hellinger: cosine of these is the Bhattacharyya coefficient
    return hist / max(float(np.linalg.norm(hist)), 1e-12)


# ── the scorer ──────────────────────────────────────────────────────────────────────────


def load_image(value: Image.Image | np.ndarray | str | Path) -> np.ndarray:
    if isinstance(value, Image.Image):
        return np.asarray(value.convert("RGB"))
    if isinstance(value, np.ndarray):
        return value[:, :, :3]
    with Image.open(Path(value)) as image:
        return np.asarray(image.convert("RGB"))


@dataclass
class Measured:
    """One shot's scores and the notes that explain gaps (no face found, one frame...)."""

    scores: dict[str, float]
    notes: list[str]


class Scorer:
    """Scores shots of one plan against its palette and its cast's reference images.

    ``references``: entity id -> image (array, PIL image or file path). ``embedder`` and
    ``face`` are optional; without them the scores that need them are reported as not measured.
    """

    def __init__(
        self,
        plan: Plan | None,
        *,
        references: Mapping[str, Image.Image | np.ndarray | str | Path] | None = None,
        embedder: Embedder | None = None,
        face: FaceEmbedder | None = None,
        thresholds: Mapping[str, float] | None = None,
    ) -> None:
        self.plan = plan
        self.embedder = embedder
        self.face = face
        self.thresholds = default_thresholds(thresholds)
        self.notes: list[str] = []
        self.references: dict[str, np.ndarray] = {}
        #: Without a plan (``cutroom eval`` of any video): no palette, no entities, no references.
        self.palette = list(plan.bible.palette) if plan else []
        self.entities = {e.id: e for e in plan.bible.entities} if plan else {}
        known = set(self.entities)
        for entity_id, value in (references or {}).items():
            if entity_id not in known:
                continue
            try:
                self.references[entity_id] = load_image(value)
            except (OSError, ValueError) as exc:
                self.notes.append(
                    f"The reference for {entity_id} could not be read ({exc}); it is not scored."
                )
        self._ref_vectors: dict[str, np.ndarray] = {}
        self._ref_faces: dict[str, np.ndarray | None] = {}

    # what runs
    def not_measured(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.face is None:
            out["face_distance"] = "no face model configured (CUTROOM_FACE_BACKEND)"
        if self.embedder is None:
            why = "no image model configured (CUTROOM_QC_IMAGE_MODEL)"
            out["reference_similarity"] = why
            out["subject_consistency"] = why
        if not self.references:
            out.setdefault("face_distance", "no cast reference images")
            out.setdefault("reference_similarity", "no cast reference images")
        return out

    def _ref_vector(self, entity_id: str) -> np.ndarray:
        if entity_id not in self._ref_vectors:
            assert self.embedder is not None
            self._ref_vectors[entity_id] = self.embedder.embed([self.references[entity_id]])[0]
        return self._ref_vectors[entity_id]

    def _ref_face(self, entity_id: str) -> np.ndarray | None:
        if entity_id not in self._ref_faces:
            assert self.face is not None
            self._ref_faces[entity_id] = self.face.embed(Image.fromarray(self.references[entity_id]))
        return self._ref_faces[entity_id]

    def score(self, shot: Shot, samples: ShotSamples, *, boxes: Mapping[str, Box] | None = None) -> Measured:
        """All scores of one shot (a keyframe is a shot of one frame)."""
        scores: dict[str, float] = {}
        notes: list[str] = []
        frames = samples.frames
        if not frames:
            return Measured({}, [f"Shot {shot.index} had no frames to score."])
        key = samples.key if samples.key is not None else frames[len(frames) // 2]
        kind = self.entities

        # 1. Brand and picture quality on the key frame.
        if self.palette:
            scores["palette_delta_e"] = palette_delta_e(key, self.palette)
        scores["sharpness"] = sharpness(key)

        # 2. Temporal, when there is more than one frame.
        if len(frames) >= 2:
            value = flicker(samples.windows)
            if value is not None:
                scores["flicker"] = value
            dynamic, smooth = motion(samples.windows)
            if dynamic is not None and shot.camera_move != "static" and not shot.is_end_card:
                scores["dynamic_degree"] = dynamic
            if smooth is not None:
                scores["motion_smoothness"] = smooth
            if self.embedder is not None:
                value = subject_consistency(self.embedder.embed(frames))
                if value is not None:
                    scores["subject_consistency"] = value
        elif len(samples.windows) == 1 and len(samples.windows[0]) == 1 and not samples.still:
            notes.append(f"Shot {shot.index} has one frame: flicker and motion are not measured.")

        # 3. Identity against the cast references.
        with_refs = [e for e in shot.entities if e in self.references]
        characters = [e for e in shot.entities if e in kind and kind[e].kind == "character"]
        if self.face is not None and len(characters) == 1 and characters[0] in self.references:
            who = characters[0]
            ref = self._ref_face(who)
            found = self.face.embed(Image.fromarray(key))
            if ref is None:
                notes.append(
                    f"No face was found in {kind[who].name}'s reference picture: face identity not measured."
                )
            elif found is None:
                notes.append(f"No face was found in shot {shot.index}, where {kind[who].name} is expected.")
            else:
                from cutroom.core.backends.face_identity import cosine

                scores["face_distance"] = 1.0 - cosine(found, ref)
        if self.embedder is not None and with_refs:
            sims = []
            for entity_id in with_refs:
                region = _crop(key, (boxes or {}).get(entity_id), samples)
                sims.append(float(self.embedder.embed([region])[0] @ self._ref_vector(entity_id)))
            scores["reference_similarity"] = min(sims)
        return Measured({k: round(v, 4) for k, v in scores.items()}, notes)

    def failing(self, scores: Mapping[str, float]) -> list[str]:
        return [n for n, v in scores.items() if n in self.thresholds and not passes(n, v, self.thresholds[n])]

    def badness(self, scores: Mapping[str, float]) -> tuple[int, float]:
        """Sort key for takes: fewer failed scores first, then the smaller total shortfall."""
        failed = self.failing(scores)
        return len(failed), sum(shortfall(n, scores[n], self.thresholds[n]) for n in failed)

    # the whole ad
    def sequence(
        self, key_frames: Mapping[int, np.ndarray], *, shots: Sequence[Shot] | None = None
    ) -> tuple[float | None, str]:
        """Entity consistency across scenes: per entity in two or more shots, pairwise similarity
        of its shots weighted by 1/distance (neighbouring scenes count most); the mean over entities.

        Faces for characters when a face model is set, the image model for the rest, and a
        colour signature when neither is (the method says which).
        """
        kind = {e.id: e.kind for e in self.entities.values()}
        all_shots = list(shots if shots is not None else self.plan.shots if self.plan else [])
        groups = {
            entity_id: [s.index for s in all_shots if entity_id in s.entities and s.index in key_frames]
            for entity_id in kind
        }
        if not kind:  # no bible (eval without a plan): the whole picture, shot to shot
            groups = {"": [s.index for s in all_shots if s.index in key_frames]}
        methods: set[str] = set()
        per_entity = []
        for entity_id, shots_in in groups.items():
            if len(shots_in) < 2:
                continue
            vectors: dict[int, np.ndarray] = {}
            if kind.get(entity_id) == "character" and self.face is not None:
                for i in shots_in:
                    found = self.face.embed(Image.fromarray(key_frames[i]))
                    if found is not None:
                        vectors[i] = np.asarray(found, dtype=np.float64) / max(
                            float(np.linalg.norm(found)), 1e-12
                        )
                if len(vectors) >= 2:
                    methods.add("faces")
                else:
                    vectors = {}
            if not vectors and self.embedder is not None:
                embedded = self.embedder.embed([key_frames[i] for i in shots_in])
                vectors = dict(zip(shots_in, embedded, strict=True))
                methods.add(self.embedder.name)
            if not vectors:
                vectors = {i: colour_signature(key_frames[i]) for i in shots_in}
                methods.add("colour signature")
            total = weight = 0.0
            for a, b in combinations(sorted(vectors), 2):
                w = 1.0 / (b - a)
                total += w * float(vectors[a] @ vectors[b])
                weight += w
            per_entity.append(total / weight)
        if not per_entity:
            return None, "no entity appears in two scenes" if kind else "fewer than two shots"
        return round(float(np.mean(per_entity)), 4), ", ".join(sorted(methods))


def _crop(frame: np.ndarray, box: Box | None, samples: ShotSamples) -> np.ndarray:
    """The entity's region of the key frame, ``box`` given in the full frame's pixels."""
    if box is None:
        return frame
    full = samples.full_size
    h, w = frame.shape[:2]
    sx, sy = (w / full[0], h / full[1]) if full else (1.0, 1.0)
    x0, y0, x1, y1 = (int(box[0] * sx), int(box[1] * sy), int(round(box[2] * sx)), int(round(box[3] * sy)))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(w, x1), min(h, y1)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return frame
    return frame[y0:y1, x0:x1]
