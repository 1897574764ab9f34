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

import inspect
import json
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from cutroom.core.backends import PanelArt, clips, images
from cutroom.core.errors import BackendError, InputError, UnavailableError
from cutroom.core.models import Entity, Plan, Shot

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


# ── text to image: one table row per model family ───────────────────────────────────────


@dataclass(frozen=True)
class Family:
    """How one model family is driven (from ``data/diffusers_families.json``)."""

    name: str
    label: str
    classes: tuple[str, ...]
    resolution: int
    multiple: int
    steps: int
    guidance: float
    dtype: str
    references: str | None  # "ip_adapter", "image", "images" or None
    ip_adapter_weights: str | None = None
    true_cfg: float | None = None
    references_by_class: tuple[tuple[str, str], ...] = ()
    negative_prompt: bool = True

    def reference_mode(self, class_name: str) -> str | None:
        return dict(self.references_by_class).get(class_name, self.references)


@cache
def families() -> dict[str, Family]:
    text = resources.files("cutroom.core.backends").joinpath("data/diffusers_families.json").read_text(encoding="utf-8")
    out: dict[str, Family] = {}
    for name, row in json.loads(text).items():
        if name.startswith("_"):
            continue
        out[name] = Family(
            name=name,
            label=row["label"],
            classes=tuple(row["classes"]),
            resolution=int(row["resolution"]),
            multiple=int(row["multiple"]),
            steps=int(row["steps"]),
            guidance=float(row["guidance"]),
            dtype=row["dtype"],
            references=row.get("references"),
            ip_adapter_weights=row.get("ip_adapter_weights"),
            true_cfg=row.get("true_cfg"),
            references_by_class=tuple(sorted((row.get("references_by_class") or {}).items())),
            negative_prompt=bool(row.get("negative_prompt", True)),
        )
    return out


def pipeline_class_name(folder: Path) -> str:
    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnavailableError(f"Cannot read {folder / 'model_index.json'} ({exc}). Check {IMAGE_ENV}.") from exc
    return str(index.get("_class_name", "")) if isinstance(index, dict) else ""


def detect_family(folder: Path) -> tuple[Family, str]:
    """The family of the pipeline saved in ``folder`` (from model_index.json's ``_class_name``)."""
    class_name = pipeline_class_name(folder)
    for family in families().values():
        if class_name in family.classes:
            return family, class_name
    supported = "; ".join(f"{f.label} ({', '.join(f.classes)})" for f in families().values())
    raise UnavailableError(
        f"The model in {folder} is a {class_name or 'pipeline of unknown kind'}, which Cutroom cannot draw with. "
        f"Supported families: {supported}."
    )


def call_arguments(
    family: Family,
    class_name: str,
    accepted: Iterable[str],
    *,
    prompt: str,
    negative: str,
    width: int,
    height: int,
    steps: int,
    guidance: float,
    generator: Any,
    references: list[Image.Image],
    ip_adapter_loaded: bool,
) -> tuple[dict[str, Any], list[str]]:
    """The keyword arguments for the pipeline's ``__call__``, and the names it does not accept.

    Only names in ``accepted`` (the call's signature) are passed: FLUX.2 takes no
    ``negative_prompt``, SD1.5 no ``max_sequence_length``. The references go the family's way.
    """
    wanted: dict[str, Any] = {
        "prompt": prompt,
        "negative_prompt": negative,
        "width": width,
        "height": height,
        "num_inference_steps": steps,
        "guidance_scale": guidance,
        "generator": generator,
        "output_type": "pil",
    }
    if family.references in ("image", "images"):
        # Editing models resize their output to about a megapixel unless told the area we work at.
        wanted["max_area"] = width * height
    if family.true_cfg is not None:
        wanted["true_cfg_scale"] = family.true_cfg
    if not family.negative_prompt:
        wanted.pop("negative_prompt")
    mode = family.reference_mode(class_name)
    if mode == "ip_adapter" and ip_adapter_loaded:
        # The adapter is always loaded, so shots without references get a blank one at scale 0.
        wanted["ip_adapter_image"] = [references[:1] or [Image.new("RGB", (224, 224), (127, 127, 127))]]
    elif mode == "images" and references:
        wanted["image"] = list(references)
    elif mode == "image":
        # One picture at the working size: references side by side, padded (never cropped), and the
        # model told not to resize it to its own preferred size.
        single = side_by_side(references) if references else Image.new("RGB", (width, height), (200, 200, 200))
        wanted["image"] = ImageOps.pad(single.convert("RGB"), (width, height), color=(255, 255, 255))
        wanted["_auto_resize"] = False
    names = set(accepted)
    if not names & {"kwargs"}:
        dropped = [k for k in wanted if k not in names]
        wanted = {k: v for k, v in wanted.items() if k in names}
    else:
        dropped = []
    return wanted, dropped


def side_by_side(pictures: list[Image.Image], height: int = 512) -> Image.Image:
    """Several references as one picture (for models that take a single input image)."""
    if len(pictures) == 1:
        return pictures[0]
    scaled = [p.resize((max(1, round(p.width * height / p.height)), height)) for p in pictures]
    out = Image.new("RGB", (sum(p.width for p in scaled), height), (255, 255, 255))
    x = 0
    for p in scaled:
        out.paste(p, (x, 0))
        x += p.width
    return out


@dataclass
class _Shared:
    """One loaded pipeline and the lock its generations take turns on."""

    pipe: Any
    lock: threading.RLock = field(default_factory=threading.RLock)


#: One pipeline per (folder, device, dtype, adapter, offload) in this process. Every DiffusersImage
#: built in the process (the storyboard's, each variant's, each job's) draws through the same
#: weights instead of loading a copy each: load once per GPU, then share. Renders with this
#: backend run their variants in one process (``cutroom.wiring.render_options`` sets one worker),
#: so a render's variants share it too.
_PIPELINES: dict[tuple[str, ...], _Shared] = {}
_PIPELINES_LOCK = threading.Lock()


def shared_pipeline(key: tuple[str, ...], load: Callable[[], Any]) -> _Shared:
    with _PIPELINES_LOCK:
        shared = _PIPELINES.get(key)
        if shared is None:
            shared = _Shared(load())
            _PIPELINES[key] = shared
        return shared


def forget_pipelines() -> None:
    """Drop every cached pipeline (tests; a worker changing models)."""
    with _PIPELINES_LOCK:
        _PIPELINES.clear()


class _ImageLoader(_Loader):
    def __init__(
        self,
        folder: Path,
        device: str,
        dtype: str,
        family: Family,
        class_name: str,
        ip_adapter: Path | None,
        ip_weights: str | None,
        cpu_offload: bool,
    ) -> None:
        super().__init__(folder, device, dtype)
        self.family = family
        self.class_name = class_name
        self.ip_adapter = ip_adapter
        self.ip_weights = ip_weights
        self.cpu_offload = cpu_offload
        self.shared: _Shared | None = None

    def torch_dtype(self, torch: Any) -> Any:
        name = self.dtype
        if name == "auto":
            # The family's dtype on a GPU (bf16 for FLUX, SD3, Qwen); float32 on a CPU.
            name = self.family.dtype if self.device.startswith("cuda") else "float32"
        return {"float16": torch.float16, "fp16": torch.float16, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}.get(
            name, torch.float32
        )

    def pipeline(self) -> Any:
        key = (
            str(self.folder.resolve()), self.device, self.dtype, str(self.ip_adapter or ""), self.ip_weights or "",
            str(self.cpu_offload),
        )

        def load() -> Any:
            torch = self._torch()
            try:
                pipe = self._load(torch)
            except UnavailableError:
                raise
            except Exception as exc:  # diffusers' load errors share no base class (KeyError, OSError...)
                raise UnavailableError(
                    f"Could not load the diffusers pipeline in {self.folder} ({exc}). Check {self.env}."
                ) from exc
            pipe.set_progress_bar_config(disable=True)
            if self.cpu_offload:
                try:
                    pipe.enable_model_cpu_offload(device=self.device)
                except (ImportError, RuntimeError, ValueError) as exc:
                    raise UnavailableError(
                        f"CPU offload needs the accelerate package and a GPU ({exc}). Install cutroom[gpu], or "
                        "unset CUTROOM_DIFFUSERS_CPU_OFFLOAD."
                    ) from exc
                return pipe
            return pipe.to(self.device)

        self.shared = shared_pipeline(key, load)
        self.lock = self.shared.lock
        return self.shared.pipe

    def _load(self, torch: Any) -> Any:
        import diffusers

        cls = getattr(diffusers, self.class_name, None)
        if cls is None:
            raise UnavailableError(
                f"The installed diffusers ({diffusers.__version__}) has no {self.class_name}: "
                "upgrade it (pip install -U 'cutroom[gpu]')."
            )
        pipe = cls.from_pretrained(str(self.folder), local_files_only=True, dtype=self.torch_dtype(torch))
        if self.ip_adapter is not None and self.family.reference_mode(self.class_name) == "ip_adapter":
            weights = self.ip_weights or _adapter_weights(self.ip_adapter, self.family)
            pipe.load_ip_adapter(str(self.ip_adapter), subfolder="", weight_name=weights, local_files_only=True)
        return pipe


def _adapter_weights(folder: Path, family: Family) -> str:
    """The family's usual general-purpose adapter file, or the only weights file in the folder.

    Never the alphabetically first of several: folders ship face-only and "plus" variants
    beside the general one, and picking by name silently changes what the references do.
    """
    if family.ip_adapter_weights and (folder / family.ip_adapter_weights).is_file():
        return family.ip_adapter_weights
    found = sorted(p.name for pattern in ("*.safetensors", "*.bin") for p in folder.glob(pattern))
    if len(found) == 1:
        return found[0]
    if not found:
        raise UnavailableError(f"The IP-Adapter folder {folder} has no .safetensors or .bin weights.")
    raise UnavailableError(
        f"The IP-Adapter folder {folder} has several weights files ({', '.join(found[:6])}) and none is "
        f"{family.ip_adapter_weights or 'the usual one'}: name one with CUTROOM_DIFFUSERS_IP_ADAPTER_WEIGHTS."
    )


class DiffusersImage:
    """Panels and the cast from a local diffusers pipeline, per model family (see ``families()``)."""

    version = "2"
    engine = "diffusers"

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        device: str = "cpu",
        dtype: str = "auto",
        steps: int | None = None,
        guidance_scale: float | None = None,
        resolution: int | None = None,
        ip_adapter: str | Path | None = None,
        ip_adapter_weights: str | None = None,
        ip_adapter_scale: float = 0.6,
        reference_root: str | Path | None = None,
        cpu_offload: bool = False,
        cost_per_image_usd: float | None = None,
    ) -> None:
        folder = _model_folder(model_path, IMAGE_ENV, "image")
        family, class_name = detect_family(folder)
        adapter = Path(ip_adapter) if ip_adapter else folder / "ip_adapter"
        if ip_adapter and not adapter.is_dir():
            raise UnavailableError(f"The IP-Adapter folder {adapter} does not exist.")
        use_adapter = adapter.is_dir() and family.reference_mode(class_name) == "ip_adapter"
        self.family = family
        self.class_name = class_name
        self.model = f"{family.name}:{folder.name}"
        self.loader = _ImageLoader(
            folder, device, dtype, family, class_name, adapter if use_adapter else None, ip_adapter_weights,
            cpu_offload,
        )
        self.steps = steps or family.steps
        self.guidance_scale = family.guidance if guidance_scale is None else guidance_scale
        self.resolution = resolution or family.resolution
        self.ip_adapter_scale = ip_adapter_scale
        self.reference_root = Path(reference_root) if reference_root else None
        self._price = cost_per_image_usd or 0.0

    def cost_per_image(self) -> float:
        return self._price

    @property
    def uses_references(self) -> bool:
        mode = self.family.reference_mode(self.class_name)
        return mode in ("image", "images") or (mode == "ip_adapter" and self.loader.ip_adapter is not None)

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
                    f"The reference picture for {entity.name} ({entity.reference_image[:60]}) was not found. "
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

    def cast(self, plan: Plan, entity: Entity, *, size: tuple[int, int], seed: int) -> dict[str, Image.Image]:
        """The entity's reference: a front view (or packshot) on a plain background, no references in."""
        view = "packshot" if entity.kind == "product" else "front"
        from cutroom.core.backends.image_engines import cast_prompt

        prompt = cast_prompt(plan, entity, view).replace("\n", " ")
        art = self._generate(prompt, negative_prompt(plan), size, seed, [], f"the reference picture of {entity.name}")
        return {view: art.background}

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt:
        refs = self.references(plan, shot) if self.uses_references else []
        prompt = shot_prompt(plan, shot)
        if self.family.reference_mode(self.class_name) in ("image", "images"):
            from cutroom.core.backends.image_engines import Reference, shot_instruction

            entities = [plan.bible.entity(e) for e in shot.entities if plan.bible.entity(e).reference_image]
            prompt = shot_instruction(plan, shot, [Reference(e, r) for e, r in zip(entities, refs, strict=False)])
        return self._generate(prompt, negative_prompt(plan), size, shot_seed(plan, shot, seed), refs, f"shot {shot.index}")

    def _generate(
        self, prompt: str, negative: str, size: tuple[int, int], noise_seed: int, refs: list[Image.Image], what: str
    ) -> PanelArt:
        pipe = self.loader.pipeline()
        import torch

        width, height = generation_size(size, self.resolution, self.family.multiple)
        kwargs, dropped = call_arguments(
            self.family,
            self.class_name,
            inspect.signature(pipe.__call__).parameters,
            prompt=prompt,
            negative=negative,
            width=width,
            height=height,
            steps=self.steps,
            guidance=self.guidance_scale,
            generator=torch.Generator(device="cpu").manual_seed(noise_seed % 2**63),
            references=refs,
            ip_adapter_loaded=self.loader.ip_adapter is not None,
        )
        try:
            with self.loader.lock:  # one generation at a time: the adapter scale is pipeline state
                if "ip_adapter_image" in kwargs:
                    pipe.set_ip_adapter_scale(self.ip_adapter_scale if refs else 0.0)
                result = pipe(**kwargs)
        except (RuntimeError, TypeError, ValueError, IndexError) as exc:  # CUDA OOM, a bad argument for this model
            raise BackendError(f"{self.family.label} failed on {what}: {type(exc).__name__}: {exc}") from exc
        picture = ImageOps.fit(result.images[0].convert("RGB"), size, Image.Resampling.LANCZOS)
        return PanelArt(
            background=picture,
            extras={
                "prompt": prompt,
                "seed": noise_seed,
                "references": len(refs),
                "model_size": (width, height),
                "family": self.family.name,
                "call": {k: v for k, v in kwargs.items() if isinstance(v, str | int | float)},
                "call_names": sorted(kwargs),
                "not_accepted": dropped,
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

        from cutroom.core.clips.backend import motion_prompt

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
        from cutroom.core.clips.fit import FitReport, fitted, timed

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
