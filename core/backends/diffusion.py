"""Image and clip backends "diffusers": Stable Diffusion panels; SVD, LTX-Video and Wan motion.

Both load a pipeline from a local folder (``from_pretrained(folder, local_files_only=True)``),
never from a hub, on first use rather than at start-up, so a CLI call that only extracts a
brief does not pay for it. torch and diffusers are imported inside, so the embedded path never
imports them.

Consistency across shots comes from the style bible: every prompt repeats the entities' looks
and the bible's style and light, the noise is seeded from the main entity's seed (the same
seed gives the same pixels), and entities with a ``reference_image`` steer the picture through
an IP-Adapter when one is installed (``<model>/ip_adapter/`` with an ``image_encoder/``).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from core.backends import PanelArt, clips, images
from core.errors import BackendError, InputError, UnavailableError
from core.models import Plan, Shot

IMAGE_ENV = "CUTROOM_DIFFUSERS_MODEL"
VIDEO_ENV = "CUTROOM_DIFFUSERS_VIDEO_MODEL"
DEVICE_ENV = "CUTROOM_DIFFUSERS_DEVICE"

_SHOT_SIZE_WORDS = {
    "extreme_wide": "extreme wide shot",
    "wide": "wide shot",
    "medium": "medium shot",
    "medium_close": "medium close-up",
    "close_up": "close-up",
    "extreme_close_up": "extreme close-up",
}
_LIGHT_WORDS = {
    "bright": "bright daylight",
    "golden": "golden hour light",
    "soft": "soft diffused light",
    "moody": "moody low-key light",
    "neon": "neon light",
    "studio": "clean studio lighting",
}
NEGATIVE = (
    "text, letters, watermark, logo, signature, blurry, lowres, deformed hands, extra fingers, jpeg artifacts"
)


# ── pure helpers ────────────────────────────────────────────────────────────────────────


def shot_prompt(plan: Plan, shot: Shot) -> str:
    """The shot described for a text encoder: subject and looks first (CLIP reads 77 tokens)."""
    bible = plan.bible
    parts = [shot.description.strip().rstrip(".")]
    for entity_id in shot.entities:
        entity = bible.entity(entity_id)
        parts.append(f"{entity.name}, {entity.look}" if entity.look else entity.name)
    parts.append(f"{_SHOT_SIZE_WORDS.get(shot.shot_size, shot.shot_size)}, {shot.lens_mm}mm lens")
    parts.append(_LIGHT_WORDS.get(bible.lighting, bible.lighting))
    parts.extend(bible.style_words)
    if plan.brief.product and not any(plan.brief.product.lower() in p.lower() for p in parts):
        parts.append(f"advertising {plan.brief.product}")
    return ", ".join(p for p in parts if p)


def negative_prompt(plan: Plan) -> str:
    return ", ".join([NEGATIVE, *plan.brief.avoid])


def shot_seed(plan: Plan, shot: Shot, seed: int) -> int:
    """Noise seed: the main entity's bible seed (so it looks alike wherever it appears), else
    the bible's base seed and the shot's position; mixed with the run's seed."""
    if shot.entities:
        base = plan.bible.entity_seeds.get(shot.entities[0], plan.bible.base_seed)
    else:
        base = plan.bible.base_seed * 1_000_003 + shot.index
    return (base * 7919 + seed) % 2**32


def generation_size(size: tuple[int, int], side: int, multiple: int = 64) -> tuple[int, int]:
    """The model's working size: ``size``'s aspect at about ``side``² pixels, in whole blocks."""
    w, h = size
    scale = side / math.sqrt(w * h)
    return (
        max(multiple, round(w * scale / multiple) * multiple),
        max(multiple, round(h * scale / multiple) * multiple),
    )


def _model_folder(model_path: str | Path | None, env: str, what: str) -> Path:
    if model_path is None or str(model_path) == "":
        raise UnavailableError(
            f"The diffusers {what} backend needs a model folder: set {env} to a local diffusers "
            "pipeline folder (one with model_index.json). Nothing is downloaded."
        )
    folder = Path(model_path).expanduser()
    if not (folder / "model_index.json").is_file():
        raise UnavailableError(
            f"{env} points to {folder}, which is not a diffusers pipeline folder (no model_index.json). "
            "Save one there with pipeline.save_pretrained(folder), or fix the path."
        )
    return folder


class _Loader:
    """Lazy, thread-safe pipeline loading with the device and dtype from options."""

    env = IMAGE_ENV

    def __init__(self, folder: Path, device: str, dtype: str) -> None:
        self.folder = folder
        self.device = device
        self.dtype = dtype
        self._pipe: Any = None
        self.lock = threading.RLock()

    def _torch(self) -> Any:
        import torch

        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise UnavailableError(
                f"{DEVICE_ENV} is '{self.device}' but no CUDA GPU is visible here. Run on a GPU machine, or set "
                f"{DEVICE_ENV}=cpu (slow)."
            )
        return torch

    def torch_dtype(self, torch: Any) -> Any:
        if self.dtype == "auto":
            return torch.float16 if self.device.startswith("cuda") else torch.float32
        try:
            return {"float16": torch.float16, "fp16": torch.float16, "bfloat16": torch.bfloat16}.get(
                self.dtype, torch.float32
            )
        except AttributeError:
            return torch.float32

    def pipeline(self) -> Any:
        with self.lock:
            if self._pipe is None:
                torch = self._torch()
                try:
                    pipe = self._load(torch)
                except Exception as exc:  # diffusers' load errors share no base class (KeyError, OSError...)
                    raise UnavailableError(
                        f"Could not load the diffusers pipeline in {self.folder} ({exc}). Check {self.env}."
                    ) from exc
                pipe.set_progress_bar_config(disable=True)
                self._pipe = pipe.to(self.device)
            return self._pipe

    def _load(self, torch: Any) -> Any:
        raise NotImplementedError


# ── text to image ───────────────────────────────────────────────────────────────────────


class _ImageLoader(_Loader):
    def __init__(
        self, folder: Path, device: str, dtype: str, ip_adapter: Path | None, ip_weights: str | None
    ) -> None:
        super().__init__(folder, device, dtype)
        self.ip_adapter = ip_adapter
        self.ip_weights = ip_weights

    def _load(self, torch: Any) -> Any:
        from diffusers import AutoPipelineForText2Image

        pipe = AutoPipelineForText2Image.from_pretrained(
            str(self.folder), local_files_only=True, dtype=self.torch_dtype(torch)
        )
        if self.ip_adapter is not None:
            weights = self.ip_weights or _first_weights(self.ip_adapter)
            pipe.load_ip_adapter(
                str(self.ip_adapter), subfolder="", weight_name=weights, local_files_only=True
            )
        return pipe


def _first_weights(folder: Path) -> str:
    for pattern in ("*.safetensors", "*.bin"):
        found = sorted(p.name for p in folder.glob(pattern))
        if found:
            return found[0]
    raise UnavailableError(f"The IP-Adapter folder {folder} has no .safetensors or .bin weights.")


class DiffusersImage:
    """Panels from a local Stable Diffusion pipeline, with IP-Adapter references when set."""

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        device: str = "cpu",
        dtype: str = "auto",
        steps: int = 30,
        guidance_scale: float = 7.0,
        resolution: int = 512,
        ip_adapter: str | Path | None = None,
        ip_adapter_weights: str | None = None,
        ip_adapter_scale: float = 0.6,
        reference_root: str | Path | None = None,
    ) -> None:
        folder = _model_folder(model_path, IMAGE_ENV, "image")
        adapter = Path(ip_adapter) if ip_adapter else folder / "ip_adapter"
        if ip_adapter and not adapter.is_dir():
            raise UnavailableError(f"The IP-Adapter folder {adapter} does not exist.")
        self.loader = _ImageLoader(
            folder, device, dtype, adapter if adapter.is_dir() else None, ip_adapter_weights
        )
        self.steps = steps
        self.guidance_scale = guidance_scale
        self.resolution = resolution
        self.ip_adapter_scale = ip_adapter_scale
        self.reference_root = Path(reference_root) if reference_root else None

    @property
    def uses_references(self) -> bool:
        return self.loader.ip_adapter is not None

    def references(self, plan: Plan, shot: Shot) -> list[Image.Image]:
        """The reference pictures of the shot's entities that have one."""
        found = []
        for entity_id in shot.entities:
            entity = plan.bible.entity(entity_id)
            if not entity.reference_image:
                continue
            path = Path(entity.reference_image).expanduser()
            if not path.is_absolute() and self.reference_root is not None:
                path = self.reference_root / path
            if not path.is_file():
                raise InputError(
                    f"The reference picture for {entity.name} ({entity.reference_image}) was not found. "
                    "Upload it again or remove it from the style bible."
                )
            try:
                with Image.open(path) as image:
                    found.append(image.convert("RGB"))
            except OSError as exc:
                raise InputError(
                    f"The reference picture for {entity.name} is not an image Cutroom can read."
                ) from exc
        return found

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt:
        pipe = self.loader.pipeline()
        import torch

        width, height = generation_size(size, self.resolution)
        noise_seed = shot_seed(plan, shot, seed)
        kwargs: dict[str, Any] = {}
        refs = self.references(plan, shot) if self.uses_references else []
        if self.uses_references:
            # The adapter is always loaded, so shots without references get a blank one at scale 0.
            kwargs["ip_adapter_image"] = [refs or [Image.new("RGB", (224, 224), (127, 127, 127))]]
        prompt = shot_prompt(plan, shot)
        try:
            with self.loader.lock:  # one generation at a time: the scale below is pipeline state
                if self.uses_references:
                    pipe.set_ip_adapter_scale(self.ip_adapter_scale if refs else 0.0)
                result = pipe(
                    prompt=prompt,
                    negative_prompt=negative_prompt(plan),
                    width=width,
                    height=height,
                    num_inference_steps=self.steps,
                    guidance_scale=self.guidance_scale,
                    generator=torch.Generator(device="cpu").manual_seed(noise_seed),
                    output_type="pil",
                    **kwargs,
                )
        except RuntimeError as exc:  # CUDA out of memory and friends
            raise BackendError(f"Stable Diffusion failed on shot {shot.index}: {exc}") from exc
        picture = ImageOps.fit(result.images[0].convert("RGB"), size, Image.Resampling.LANCZOS)
        return PanelArt(
            background=picture,
            extras={
                "prompt": prompt,
                "seed": noise_seed,
                "references": len(refs),
                "model_size": (width, height),
            },
        )


# ── image to video ──────────────────────────────────────────────────────────────────────


def video_families() -> dict[str, dict[str, Any]]:
    """Per pipeline class: native fps, frame counts and rule, size multiple, working side, prompt or not."""
    data: dict[str, dict[str, Any]] = json.loads(Path(__file__).with_name("video_families.json").read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


def family_of(folder: Path) -> str:
    """The pipeline class a model folder declares (``model_index.json`` ``_class_name``), if supported."""
    try:
        name = str(json.loads((folder / "model_index.json").read_text())["_class_name"])
    except (OSError, ValueError, KeyError) as exc:
        raise UnavailableError(f"{folder}/model_index.json could not be read ({exc}). Check {VIDEO_ENV}.") from exc
    families = video_families()
    if name not in families:
        known = ", ".join(f"{v['label']} ({k})" for k, v in families.items())
        raise UnavailableError(f"{VIDEO_ENV} holds a {name}, which is not an image-to-video family Cutroom runs. Supported: {known}.")
    return name


def frame_count(family: dict[str, Any], seconds: float, override: int | None = None) -> int:
    """Frames to ask for: enough for the shot at the family's fps, within its longest, on its step*k+1 rule."""
    step = int(family["frame_step"])
    wanted = override if override else round(seconds * family["fps"]) + 1
    wanted = max(step + 1 if step > 1 else 1, min(int(family["max_frames"]), wanted))
    if step > 1:
        wanted = ((wanted - 1 + step - 1) // step) * step + 1
        while wanted > family["max_frames"]:
            wanted -= step
    return wanted


class _VideoLoader(_Loader):
    env = VIDEO_ENV

    def __init__(self, folder: Path, device: str, dtype: str, cpu_offload: bool) -> None:
        super().__init__(folder, device, dtype)
        self.cpu_offload = cpu_offload

    def _load(self, torch: Any) -> Any:
        import diffusers

        cls = getattr(diffusers, family_of(self.folder))
        return cls.from_pretrained(str(self.folder), local_files_only=True, dtype=self.torch_dtype(torch))

    def pipeline(self) -> Any:
        if not self.cpu_offload:
            return super().pipeline()
        with self.lock:
            if self._pipe is None:
                torch = self._torch()
                pipe = self._load(torch)
                pipe.set_progress_bar_config(disable=True)
                try:
                    pipe.enable_model_cpu_offload(device=self.device if self.device != "cpu" else None)
                except (ImportError, RuntimeError, ValueError) as exc:
                    raise UnavailableError(
                        f"CPU offload needs accelerate and a GPU ({exc}). Unset CUTROOM_DIFFUSERS_CPU_OFFLOAD or install accelerate."
                    ) from exc
                self._pipe = pipe
            return self._pipe


class DiffusersClip:
    """Moving shots from a panel with a local image-to-video pipeline (SVD, LTX-Video, Wan).

    Frames are made at the family's own fps and frame rule, as many as the shot needs up to
    the family's longest; the ad's fps is reached by resampling in time, and a shot longer
    than the family can make holds its last frame, visibly, with a notice. Never stretched.
    """

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        device: str = "cpu",
        dtype: str = "auto",
        steps: int = 25,
        resolution: int | None = None,
        num_frames: int | None = None,
        motion_bucket_id: int = 127,
        motion_fps: int | None = None,
        noise_aug_strength: float = 0.02,
        decode_chunk_size: int = 8,
        guidance_scale: float | None = None,
        cpu_offload: bool = False,
    ) -> None:
        folder = _model_folder(model_path, VIDEO_ENV, "clip")
        self.family_name = family_of(folder)
        self.family = video_families()[self.family_name]
        self.loader = _VideoLoader(folder, device, dtype, cpu_offload)
        self.steps = steps
        self.resolution = resolution or int(self.family["side"])
        self.num_frames = num_frames
        self.motion_bucket_id = motion_bucket_id
        self.fps = int(motion_fps or self.family["fps"])
        self.noise_aug_strength = noise_aug_strength
        self.decode_chunk_size = decode_chunk_size
        self.guidance_scale = guidance_scale if guidance_scale is not None else self.family["guidance"]
        self.notices: list[str] = []

    def call_arguments(self, plan: Plan, shot: Shot, still: Image.Image, seed: int) -> dict[str, Any]:
        """The family's arguments, kept to what its ``__call__`` accepts."""
        import inspect

        import torch

        from core.clips.backend import motion_prompt

        width, height = still.size
        wanted: dict[str, Any] = {
            "image": still,
            "width": width,
            "height": height,
            "num_frames": frame_count(self.family, shot.duration_s, self.num_frames),
            "num_inference_steps": self.steps,
            "generator": torch.Generator(device="cpu").manual_seed(shot_seed(plan, shot, seed)),
            "output_type": "np",
            # SVD: motion conditioning; LTX: the frame rate it was asked for.
            "fps": self.fps,
            "frame_rate": self.fps,
            "motion_bucket_id": self.motion_bucket_id,
            "noise_aug_strength": self.noise_aug_strength,
            "decode_chunk_size": self.decode_chunk_size,
        }
        if self.family["prompt"]:
            wanted["prompt"] = motion_prompt(plan, shot)
            wanted["negative_prompt"] = negative_prompt(plan)
        if self.guidance_scale is not None:
            wanted["guidance_scale"] = self.guidance_scale
        accepted = inspect.signature(self.loader.pipeline().__call__).parameters
        return {k: v for k, v in wanted.items() if k in accepted}

    def frames(
        self, plan: Plan, shot: Shot, art: PanelArt, *, size: tuple[int, int], fps: int, seed: int
    ) -> Iterator[np.ndarray]:
        from core.clips.fit import FitReport, fitted, timed

        pipe = self.loader.pipeline()
        width, height = generation_size(size, self.resolution, int(self.family["multiple"]))
        still = ImageOps.fit(art.flatten().convert("RGB"), (width, height), Image.Resampling.LANCZOS)
        arguments = self.call_arguments(plan, shot, still, seed)
        try:
            with self.loader.lock:
                result = pipe(**arguments)
        except RuntimeError as exc:
            raise BackendError(f"{self.family['label']} failed on shot {shot.index}: {exc}") from exc
        generated = np.asarray(result.frames[0])  # (frames, h, w, 3) floats in 0..1
        made = (np.clip(frame * 255 + 0.5, 0, 255).astype(np.uint8) for frame in generated)
        report = FitReport()
        yield from fitted(timed(made, self.fps), size=size, fps=fps, wanted_s=shot.duration_s, report=report)
        note = report.notice(shot.index, self.family["label"])
        if note and note not in self.notices:
            self.notices.append(note)


@images.register("diffusers")
def _create_image(**options: Any) -> DiffusersImage:
    return DiffusersImage(**options)


@clips.register("diffusers")
def _create_clip(**options: Any) -> DiffusersClip:
    return DiffusersClip(**options)
