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


@pytest.mark.slow
@pytest.mark.parametrize("family", ["sd15", "sdxl", "sd3", "flux1", "flux1-kontext"])
def test_a_tiny_pipeline_of_each_family_draws_the_cast_storyboard(tmp_path: Path, family: str) -> None:
    from tests.support.tiny_families import BUILDERS
    from tests.support.tiny_models import build_ip_adapter, build_text_to_image

    forget_pipelines()
    folder = tmp_path / "model"
    if family == "sd15":
        build_text_to_image(folder)
        build_ip_adapter(folder / "ip_adapter")
    else:
        BUILDERS[family](folder)
    engine = images.create("diffusers", model_path=folder, device="cpu", steps=2, resolution=64)
    assert isinstance(engine, DiffusersImage) and engine.family.name == family

    seen: dict[int, dict[str, Any]] = {}
    draw = engine.draw

    def recording_draw(plan, shot, *, size, seed):  # type: ignore[no-untyped-def]
        art = draw(plan, shot, size=size, seed=seed)
        seen[shot.index] = {"art": art, "refs": [plan.bible.entity(e).reference_image for e in shot.entities]}
        return art

    engine.draw = recording_draw  # type: ignore[method-assign]
    store = LocalArtifactStore(tmp_path / "artifacts")
    backends = Backends.embedded()
    backends.image = engine
    brief = sample_brief().model_copy(update={"duration_s": 15})
    board = make_storyboard(brief, store, backends=backends, aspect="9:16", seed=0)
    assert board.cast is not None and all(m.source == "generated" for m in board.cast.members)
    for shot in board.plan.shots:
        extras = seen[shot.index]["art"].extras
        assert extras["family"] == family
        assert set(extras["call_names"]) >= {"prompt", "width", "height", "num_inference_steps", "guidance_scale"}
        # Each shot is handed the cast pictures of exactly its entities.
        refs = seen[shot.index]["refs"]
        for entity_id, path in zip(shot.entities, refs, strict=True):
            member = board.cast.member(entity_id)
            assert member is not None and member.reference is not None and path is not None
            assert Path(path).read_bytes() == store.get_bytes(member.reference)
        expected = len(shot.entities) if family in ("sd15", "flux1-kontext") else 0  # no adapter for the others
        assert extras["references"] == expected
        if family == "flux1-kontext":
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
