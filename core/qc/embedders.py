"""The image model behind ``reference_similarity`` and ``subject_consistency``: CLIP or DINOv2.

Loaded from a local folder (``CUTROOM_QC_IMAGE_MODEL``) through transformers, on the CPU or a
GPU. The folder's ``config.json`` names its family; a folder that is missing, or holds another
kind of model, is an ``UnavailableError`` that names the setting. Nothing is downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from cutroom.core.errors import UnavailableError

SETTING = "CUTROOM_QC_IMAGE_MODEL"
#: config.json model_type -> how we embed with it.
FAMILIES = {
    "clip": "clip",
    "clip_vision_model": "clip",
    "dinov2": "dinov2",
    "dinov2_with_registers": "dinov2",
}
_CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
_CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


class ImageEmbedder:
    """Unit-length image vectors from a CLIP (image tower) or DINOv2 (CLS token) folder."""

    def __init__(self, folder: str | Path, *, device: str = "cpu", setting: str = SETTING) -> None:
        path = Path(folder).expanduser()
        config_file = path / "config.json"
        if not config_file.is_file():
            raise UnavailableError(
                f"{setting} points to {path}, which holds no model (no config.json). Set it to a local "
                "CLIP or DINOv2 folder saved by transformers, or unset it to skip the image-model scores."
            )
        try:
            model_type = str(json.loads(config_file.read_text(encoding="utf-8")).get("model_type", ""))
        except (OSError, ValueError) as exc:
            raise UnavailableError(f"{setting}: {config_file} is not readable JSON ({exc}).") from exc
        family = FAMILIES.get(model_type)
        if family is None:
            raise UnavailableError(
                f"{setting} points to a '{model_type or 'unknown'}' model in {path}; QC needs an image "
                f"embedding model, one of: {', '.join(sorted(FAMILIES))}."
            )
        try:
            import torch
            import transformers
        except ImportError as exc:  # the GPU extras are not installed
            raise UnavailableError(f"{setting} is set but torch/transformers are not installed.") from exc
        self.family = family
        self.device = device
        self._torch = torch
        try:
            if model_type == "clip":
                self.model: Any = transformers.CLIPModel.from_pretrained(path, local_files_only=True)
            else:
                self.model = transformers.AutoModel.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise UnavailableError(f"{setting}: the model in {path} could not be loaded ({exc}).") from exc
        self.model.to(device).eval()
        vision = getattr(self.model.config, "vision_config", self.model.config)
        self.size = int(getattr(vision, "image_size", 224))
        mean, std = (_CLIP_MEAN, _CLIP_STD) if family == "clip" else (_IMAGENET_MEAN, _IMAGENET_STD)
        processor = path / "preprocessor_config.json"
        if processor.is_file():
            with_stats = json.loads(processor.read_text(encoding="utf-8"))
            mean = tuple(with_stats.get("image_mean", mean))
            std = tuple(with_stats.get("image_std", std))
        self._mean = np.array(mean, dtype=np.float32).reshape(1, 1, 3)
        self._std = np.array(std, dtype=np.float32).reshape(1, 1, 3)
        self.name = f"{family}:{path.name}"

    def _pixels(self, images: Sequence[Image.Image | np.ndarray]) -> Any:
        batch = []
        for image in images:
            pil = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image)[:, :, :3])
            square = pil.convert("RGB").resize((self.size, self.size), Image.Resampling.BICUBIC)
            batch.append((np.asarray(square, dtype=np.float32) / 255.0 - self._mean) / self._std)
        array = np.stack(batch).transpose(0, 3, 1, 2)
        return self._torch.from_numpy(np.ascontiguousarray(array)).to(self.device)

    def embed(self, images: Sequence[Image.Image | np.ndarray]) -> np.ndarray:
        """(n, d) unit vectors, one per image."""
        if not images:
            return np.zeros((0, 0), dtype=np.float32)
        torch = self._torch
        with torch.inference_mode():
            pixels = self._pixels(images)
            if self.family == "clip" and hasattr(self.model, "get_image_features"):
                out = self.model.get_image_features(pixel_values=pixels)
                features = out if isinstance(out, torch.Tensor) else out.pooler_output
            elif self.family == "clip":  # a CLIP vision tower alone
                features = self.model(pixel_values=pixels).pooler_output
            else:
                features = self.model(pixel_values=pixels).last_hidden_state[:, 0]
            vectors = features.float().cpu().numpy()
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)
