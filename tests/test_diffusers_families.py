"""The diffusers image backend per model family: detection, the arguments each family's pipeline
receives (checked against the installed diffusers' real ``__call__`` signatures), and tiny
random-weight pipelines of each family built here, drawing a cast storyboard end to end."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")

from cutroom.core.backends import Backends, images  # noqa: E402
from cutroom.core.backends.diffusion import (  # noqa: E402
    DiffusersImage,
    call_arguments,
    detect_family,
    families,
    forget_pipelines,
    shared_pipeline,
)
from cutroom.core.errors import UnavailableError  # noqa: E402
from cutroom.core.pipeline import make_storyboard  # noqa: E402
from cutroom.core.plan import sample_brief  # noqa: E402
from cutroom.storage.artifacts import LocalArtifactStore  # noqa: E402

CLASSES = {
    "StableDiffusionPipeline": "sd15",
    "StableDiffusionXLPipeline": "sdxl",
    "StableDiffusion3Pipeline": "sd3",
    "FluxPipeline": "flux1",
    "Flux2Pipeline": "flux2",
    "Flux2KleinPipeline": "flux2",
    "FluxKontextPipeline": "flux1-kontext",
    "QwenImageEditPipeline": "qwen-image-edit",
    "QwenImageEditPlusPipeline": "qwen-image-edit",
}


def _index(folder: Path, class_name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": class_name, "_diffusers_version": "0.42.1"}))
    return folder


@pytest.mark.parametrize("class_name", sorted(CLASSES))
def test_the_family_is_read_from_model_index(tmp_path: Path, class_name: str) -> None:
    family, found = detect_family(_index(tmp_path, class_name))
    assert (family.name, found) == (CLASSES[class_name], class_name)


def test_an_unknown_family_is_refused_naming_the_supported_ones(tmp_path: Path) -> None:
    _index(tmp_path, "KandinskyV22Pipeline")
    with pytest.raises(UnavailableError, match="KandinskyV22Pipeline.*Supported families: Stable Diffusion 1.5") as err:
        images.create("diffusers", model_path=tmp_path, device="cpu")
    for family in families().values():
        assert family.label in str(err.value)


def _args(class_name: str, refs: list[Image.Image], *, adapter: bool = False) -> dict[str, Any]:
    family, _ = detect_family(_folder_for(class_name))
    accepted = inspect.signature(getattr(diffusers, class_name).__call__).parameters
    kwargs, _dropped = call_arguments(
        family, class_name, accepted, prompt="p", negative="n", width=64, height=96, steps=2,
        guidance=family.guidance, generator=None, references=refs, ip_adapter_loaded=adapter,
    )
    return kwargs


_FOLDERS: dict[str, Path] = {}


def _folder_for(class_name: str) -> Path:
    import tempfile

    if class_name not in _FOLDERS:
        _FOLDERS[class_name] = _index(Path(tempfile.mkdtemp(prefix="family-")), class_name)
    return _FOLDERS[class_name]


@pytest.mark.parametrize("class_name", sorted(c for c in CLASSES if hasattr(diffusers, c)))
def test_each_family_gets_only_what_its_call_accepts_and_its_references_its_way(class_name: str) -> None:
    ava = Image.new("RGB", (40, 60), (200, 100, 50))
    serum = Image.new("RGB", (30, 60), (20, 40, 160))
    family = CLASSES[class_name]
    accepted = set(inspect.signature(getattr(diffusers, class_name).__call__).parameters)
    kwargs = _args(class_name, [ava, serum], adapter=True)
    assert set(kwargs) <= accepted
    assert kwargs["num_inference_steps"] == 2 and (kwargs["width"], kwargs["height"]) == (64, 96)
    expected_guidance = families()[family].guidance
    assert kwargs["guidance_scale"] == expected_guidance
    # Negative prompts only where the call takes one and the family uses it.
    if family in ("flux2", "flux1", "flux1-kontext"):
        assert "negative_prompt" not in kwargs
    else:
        assert kwargs["negative_prompt"] == "n"
    if family == "qwen-image-edit":
        assert kwargs["true_cfg_scale"] == 4.0
    if family in ("sd15", "sdxl", "sd3", "flux1"):
        assert kwargs["ip_adapter_image"] == [[ava]]  # the shot's main entity through the adapter
        assert "image" not in kwargs
        assert "ip_adapter_image" not in _args(class_name, [ava], adapter=False)
    elif class_name in ("Flux2Pipeline", "Flux2KleinPipeline", "QwenImageEditPlusPipeline"):
        assert kwargs["image"] == [ava, serum]  # every entity's reference, in the shot's order
    else:  # one input picture: the references side by side, at the working size, not resized again
        picture = kwargs["image"]
        assert picture.size == (64, 96)
        pixels = np.asarray(picture)
        assert (np.abs(pixels - (200, 100, 50)).sum(axis=2) < 30).any()
        assert (np.abs(pixels - (20, 40, 160)).sum(axis=2) < 30).any()
        if "_auto_resize" in accepted:
            assert kwargs["_auto_resize"] is False


@pytest.mark.parametrize("class_name", [c for c in ("QwenImageEditPlusPipeline", "Flux2Pipeline") if hasattr(diffusers, c)])
def test_only_an_editing_model_that_needs_a_picture_gets_a_plain_canvas_without_references(class_name: str) -> None:
    """Qwen-Image-Edit cannot draw from text alone (the cast, shots without entities); FLUX.2 can."""
    kwargs = _args(class_name, [])
    if families()[CLASSES[class_name]].requires_image:
        assert [p.size for p in kwargs["image"]] == [(64, 96)]
    else:
        assert "image" not in kwargs


def test_ip_adapter_weights_are_the_familys_or_a_setting_never_the_alphabetically_first(tmp_path: Path) -> None:
    from cutroom.core.backends.diffusion import _adapter_weights

    sd15 = families()["sd15"]
    folder = tmp_path / "ip"
    folder.mkdir()
    for name in ("ip-adapter-full-face_sd15.safetensors", "ip-adapter_sd15.safetensors", "ip-adapter-plus_sd15.bin"):
        (folder / name).write_bytes(b"x")
    assert _adapter_weights(folder, sd15) == "ip-adapter_sd15.safetensors"
    (folder / "ip-adapter_sd15.safetensors").unlink()
    with pytest.raises(UnavailableError, match="CUTROOM_DIFFUSERS_IP_ADAPTER_WEIGHTS"):
        _adapter_weights(folder, sd15)


def test_one_pipeline_per_folder_and_device_is_shared_across_backends() -> None:
    forget_pipelines()
    loads: list[int] = []

    def load() -> object:
        loads.append(1)
        return object()

    first = shared_pipeline(("m", "cuda:0", "auto", "", "", "False"), load)
    again = shared_pipeline(("m", "cuda:0", "auto", "", "", "False"), load)
    other_gpu = shared_pipeline(("m", "cuda:1", "auto", "", "", "False"), load)
    assert first is again and first.pipe is again.pipe and other_gpu is not first
    assert len(loads) == 2
    forget_pipelines()


# ── tiny pipelines of each family, end to end (slow) ────────────────────────────────────


#: Families whose references go in as ``image=``: every entity's picture, in the shot's order.
_IMAGE_LIST = ("flux2", "qwen-image-edit")


def _tiny_family_folder(family: str, folder: Path) -> Path:
    from tests.support.tiny_families import BUILDERS, qwen_image_edit_class
    from tests.support.tiny_models import build_ip_adapter, build_text_to_image

    if family == "sd15":
        build_text_to_image(folder)
        build_ip_adapter(folder / "ip_adapter")
        return folder
    if family == "qwen-image-edit":
        if not qwen_image_edit_class():
            pytest.skip(f"diffusers {diffusers.__version__} has no Qwen-Image-Edit pipeline")
        try:  # transformers' Qwen2VLProcessor needs a video processor, which needs torchvision
            import torchvision  # noqa: F401
        except (ImportError, RuntimeError) as exc:  # RuntimeError: a CUDA torchvision beside a CPU torch
            pytest.skip(f"Qwen-Image-Edit needs a working torchvision ({type(exc).__name__}: {exc})")
    return BUILDERS[family](folder)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["sd15", "sdxl", "sd3", "flux1", "flux1-kontext", "flux2", "qwen-image-edit"])
def test_a_tiny_pipeline_of_each_family_draws_the_cast_storyboard(
    tmp_path: Path, family: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import functools
    import io

    import torch

    forget_pipelines()
    folder = _tiny_family_folder(family, tmp_path / "model")
    engine = images.create("diffusers", model_path=folder, device="cpu", steps=2, resolution=64)
    assert isinstance(engine, DiffusersImage) and engine.family.name == family

    # Record what the real pipeline call receives (it still runs, unchanged).
    pipeline_class = getattr(diffusers, engine.class_name)
    real_call = pipeline_class.__call__
    received: list[dict[str, Any]] = []

    @functools.wraps(real_call)
    def recording_call(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        received.append(kwargs)
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(pipeline_class, "__call__", recording_call)
    seen: dict[int, dict[str, Any]] = {}
    draw = engine.draw

    def recording_draw(plan, shot, *, size, seed):  # type: ignore[no-untyped-def]
        art = draw(plan, shot, size=size, seed=seed)
        seen[shot.index] = {
            "art": art, "refs": [plan.bible.entity(e).reference_image for e in shot.entities], "call": received[-1],
        }
        return art

    engine.draw = recording_draw  # type: ignore[method-assign]
    store = LocalArtifactStore(tmp_path / "artifacts")
    backends = Backends.embedded()
    backends.image = engine
    brief = sample_brief().model_copy(update={"duration_s": 15})
    board = make_storyboard(brief, store, backends=backends, aspect="9:16", seed=0)
    assert board.cast is not None and all(m.source == "generated" for m in board.cast.members)
    # float32 on a CPU whatever the family's GPU dtype (bf16 for FLUX and Qwen would crawl there).
    assert engine.loader.shared is not None and engine.loader.shared.pipe.dtype == torch.float32
    row = families()[family]
    for shot in board.plan.shots:
        extras = seen[shot.index]["art"].extras
        call = seen[shot.index]["call"]
        assert extras["family"] == family
        assert set(extras["call_names"]) >= {"prompt", "width", "height", "num_inference_steps", "guidance_scale"}
        assert (call["width"], call["height"]) == extras["model_size"]
        assert call["width"] % row.multiple == 0 and call["height"] % row.multiple == 0
        assert call["width"] * call["height"] <= (64 + row.multiple) ** 2  # the resolution asked for, not the family's
        assert call["num_inference_steps"] == 2 and call["guidance_scale"] == row.guidance
        # A negative prompt only where the family uses one and its call takes one (FLUX.2's does not).
        takes_negative = "negative_prompt" in inspect.signature(real_call).parameters
        assert ("negative_prompt" in call) == (row.negative_prompt and takes_negative)
        if row.true_cfg is not None:
            assert call["true_cfg_scale"] == row.true_cfg
        # Each shot is handed the cast pictures of exactly its entities.
        refs = seen[shot.index]["refs"]
        cast_pictures = []
        for entity_id, path in zip(shot.entities, refs, strict=True):
            member = board.cast.member(entity_id)
            assert member is not None and member.reference is not None and path is not None
            assert Path(path).read_bytes() == store.get_bytes(member.reference)
            with Image.open(io.BytesIO(store.get_bytes(member.reference))) as picture:
                cast_pictures.append(np.asarray(picture.convert("RGB")))
        no_adapter = ("sdxl", "sd3", "flux1")  # tiny folders without an IP-Adapter
        assert extras["references"] == (0 if family in no_adapter else len(shot.entities))
        if family in _IMAGE_LIST and engine.family.reference_mode(engine.class_name) == "images":
            given = call["image"] if shot.entities else []
            assert len(given) == len(cast_pictures)
            assert all(np.array_equal(np.asarray(p), c) for p, c in zip(given, cast_pictures, strict=True))
        if family in ("flux1-kontext", *_IMAGE_LIST) and shot.entities:
            assert "image" in extras["call_names"]
        if family == "sd15":
            assert "ip_adapter_image" in extras["call_names"]
    forget_pipelines()


@pytest.mark.gpu
def test_a_real_small_model_on_a_gpu_draws_a_cast_storyboard(tmp_path: Path) -> None:
    """Runs only where a GPU and a local model folder are present (CUTROOM_TEST_DIFFUSERS_MODEL)."""
    import os

    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU here")
    model = os.environ.get("CUTROOM_TEST_DIFFUSERS_MODEL")
    if not model:
        from tests.support.tiny_models import build_ip_adapter, build_text_to_image

        model = str(build_text_to_image(tmp_path / "model"))
        build_ip_adapter(Path(model) / "ip_adapter")
    forget_pipelines()
    engine = images.create("diffusers", model_path=model, device="cuda", steps=4)
    store = LocalArtifactStore(tmp_path / "artifacts")
    backends = Backends.embedded()
    backends.image = engine
    board = make_storyboard(sample_brief().model_copy(update={"duration_s": 15}), store, backends=backends,
                            aspect="9:16", seed=0)
    assert board.cast is not None and len(board.panels) == len(board.plan.shots)
    forget_pipelines()
