"""Tiny random-weight diffusers pipelines saved to folders, as a real model would be on disk.

They load through exactly the code path real weights take (``from_pretrained(folder,
local_files_only=True)``, ``load_ip_adapter``), run in well under a second on a CPU, and
draw noise: tests check shapes, sizes, determinism and wiring, never beauty. Configs follow
diffusers' own ``get_dummy_components`` (see /work/shared/FINDINGS.md).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

IP_ADAPTER_WEIGHTS = "ip-adapter_tiny.safetensors"
TEXT_DIM = 32
IMAGE_EMBED_DIM = 32


def write_tokenizer(folder: Path) -> Path:
    """A CLIP BPE tokenizer with a toy vocabulary, written as the hub would ship it."""
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab_list = ["<|startoftext|>", "<|endoftext|>", "!", "'", ",", ".", "-"]
    vocab_list += list(letters) + [f"{c}</w>" for c in letters] + ["th", "the</w>", "er", "er</w>"]
    vocab = {token: i for i, token in enumerate(dict.fromkeys(vocab_list))}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\nt h\nth e</w>\ne r\ne r</w>\n")
    tokenizer = CLIPTokenizer(
        vocab_file=str(folder / "vocab.json"), merges_file=str(folder / "merges.txt"), model_max_length=77
    )
    tokenizer.save_pretrained(folder)
    return folder


def _clip_text_config():  # type: ignore[no-untyped-def]
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_size=TEXT_DIM,
        intermediate_size=37,
        layer_norm_eps=1e-05,
        num_attention_heads=4,
        num_hidden_layers=2,
        vocab_size=1000,
        projection_dim=TEXT_DIM,
    )


def _vae():  # type: ignore[no-untyped-def]
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        norm_num_groups=32,
    )


def _image_encoder():  # type: ignore[no-untyped-def]
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    config = CLIPVisionConfig(
        hidden_size=32,
        projection_dim=IMAGE_EMBED_DIM,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        image_size=224,
        patch_size=32,
    )
    return CLIPVisionModelWithProjection(config)


def _feature_extractor():  # type: ignore[no-untyped-def]
    from transformers import CLIPImageProcessor

    return CLIPImageProcessor(crop_size=224, size=224)


def build_text_to_image(folder: Path, *, seed: int = 0) -> Path:
    """A StableDiffusionPipeline (UNet (32, 64), cross-attention 32) saved in ``folder``."""
    import torch
    from diffusers import DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=TEXT_DIM,
        norm_num_groups=32,
    )
    vae = _vae()
    text_encoder = CLIPTextModel(_clip_text_config())
    tokenizer = CLIPTokenizer.from_pretrained(write_tokenizer(folder / "_tokenizer_src"))
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        image_encoder=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    shutil.rmtree(folder / "_tokenizer_src")
    return folder


def build_ip_adapter(folder: Path, *, cross_attention_layers: int = 2, seed: int = 1) -> Path:
    """An IP-Adapter for ``build_text_to_image``'s UNet: ``folder/<weights>`` plus
    ``folder/image_encoder``. Weight keys count cross-attention layers only (1, 3, 5...)."""
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    _image_encoder().save_pretrained(folder / "image_encoder", safe_serialization=True)
    _feature_extractor().save_pretrained(folder / "image_encoder")

    tokens = 4
    state: dict[str, torch.Tensor] = {
        "image_proj.proj.weight": torch.randn(TEXT_DIM * tokens, IMAGE_EMBED_DIM) * 0.02,
        "image_proj.proj.bias": torch.zeros(TEXT_DIM * tokens),
        "image_proj.norm.weight": torch.ones(TEXT_DIM),
        "image_proj.norm.bias": torch.zeros(TEXT_DIM),
    }
    # The UNet's cross-attention layers, in order, with their hidden sizes (down, up, mid).
    hidden_sizes = _cross_attention_hidden_sizes()
    for n, hidden in enumerate(hidden_sizes):
        key = 2 * n + 1
        state[f"ip_adapter.{key}.to_k_ip.weight"] = torch.randn(hidden, TEXT_DIM) * 0.02
        state[f"ip_adapter.{key}.to_v_ip.weight"] = torch.randn(hidden, TEXT_DIM) * 0.02
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / IP_ADAPTER_WEIGHTS))
    return folder


def _cross_attention_hidden_sizes() -> list[int]:
    """Hidden sizes of the tiny UNet's attn2 layers, in diffusers' attn_processors order."""
    from diffusers import UNet2DConditionModel

    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=TEXT_DIM,
        norm_num_groups=32,
    )
    sizes = []
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        if name.startswith("mid_block"):
            sizes.append(unet.config.block_out_channels[-1])
        elif name.startswith("up_blocks"):
            block = int(name[len("up_blocks.")])
            sizes.append(list(reversed(unet.config.block_out_channels))[block])
        else:
            block = int(name[len("down_blocks.")])
            sizes.append(unet.config.block_out_channels[block])
    return sizes


def build_image_to_video(folder: Path, *, seed: int = 0) -> Path:
    """A StableVideoDiffusionPipeline from tiny configs saved in ``folder``."""
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )

    torch.manual_seed(seed)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=2,
        sample_size=32,
        in_channels=8,
        out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=32,
        num_attention_heads=8,
        projection_class_embeddings_input_dim=96,
        addition_time_embed_dim=32,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        interpolation_type="linear",
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        trained_betas=None,
        use_karras_sigmas=True,
    )
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        latent_channels=4,
    )
    pipe = StableVideoDiffusionPipeline(
        unet=unet,
        image_encoder=_image_encoder(),
        scheduler=scheduler,
        vae=vae,
        feature_extractor=_feature_extractor(),
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


# ── insightface ─────────────────────────────────────────────────────────────────────────

#: ArcFace's five-landmark template for a 112x112 crop (eyes, nose, mouth corners).
ARCFACE_TEMPLATE = [[38.29, 51.69], [73.53, 51.50], [56.02, 71.74], [41.55, 92.37], [70.73, 92.20]]


def build_face_pack(folder: Path, *, embedding_size: int = 64, seed: int = 0) -> Path:
    """A two-model insightface pack (``det_tiny.onnx`` + ``rec_tiny.onnx``) that the real
    ``FaceAnalysis`` loads by its shape rules and runs end to end.

    The detector is SCRFD-shaped (64x64 input, strides 8/16/32, two anchors, keypoints): it
    reports one face in the middle of the frame, with the ArcFace landmark layout, whenever
    the picture has any contrast, and nothing for a flat picture. The recogniser is
    ArcFace-shaped (112x112 -> ``embedding_size``): an 8x8 average pool and a fixed random
    projection, so equal crops give equal vectors and different crops different ones.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    # 1. detector
    size, anchors = 64, 2
    face_row = 6  # stride 32: a 2x2 grid, two anchors per cell; row 6 is the cell centred at (32, 32)
    box = (8.0, 8.0, 56.0, 56.0)
    nodes = [
        helper.make_node("ReduceMax", ["input.1"], ["hi"], keepdims=0),
        helper.make_node("ReduceMin", ["input.1"], ["lo"], keepdims=0),
        helper.make_node("Sub", ["hi", "lo"], ["contrast"]),
        helper.make_node("Mul", ["contrast", "gain"], ["contrast_scaled"]),
    ]
    initializers = [numpy_helper.from_array(np.array(10.0, np.float32), "gain")]
    outputs = []
    for kind in ("score", "bbox", "kps"):
        for stride in (8, 16, 32):
            rows = (size // stride) ** 2 * anchors
            name = f"{kind}_{stride}"
            if kind == "score":
                logits = np.full((rows, 1), -20.0, np.float32)
                if stride == 32:
                    logits[face_row, 0] = -1.0  # sigmoid(10 * contrast - 1): 0.27 when flat
                initializers.append(numpy_helper.from_array(logits, f"{name}_bias"))
                nodes += [
                    helper.make_node("Add", ["contrast_scaled", f"{name}_bias"], [f"{name}_logit"]),
                    helper.make_node("Sigmoid", [f"{name}_logit"], [name]),
                ]
                width = 1
            else:
                width = 4 if kind == "bbox" else 10
                values = np.ones((rows, width), np.float32)
                if stride == 32:
                    cx = cy = 32.0
                    if kind == "bbox":
                        values[face_row] = [
                            (cx - box[0]) / 32,
                            (cy - box[1]) / 32,
                            (box[2] - cx) / 32,
                            (box[3] - cy) / 32,
                        ]
                    else:
                        scale = (box[2] - box[0]) / 112
                        points = [((x * scale + box[0]) - cx) / 32 for p in ARCFACE_TEMPLATE for x in (p[0],)]
                        points_y = [((p[1] * scale + box[1]) - cy) / 32 for p in ARCFACE_TEMPLATE]
                        values[face_row] = [v for xy in zip(points, points_y, strict=True) for v in xy]
                initializers.append(numpy_helper.from_array(values, f"{name}_const"))
                nodes.append(helper.make_node("Identity", [f"{name}_const"], [name]))
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [rows, width]))
    graph = helper.make_graph(
        nodes,
        "det_tiny",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, size, size])],
        outputs,
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(folder / "det_tiny.onnx"))

    # 2. recogniser
    projection = rng.normal(size=(3 * 14 * 14, embedding_size)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("AveragePool", ["input.1"], ["pooled"], kernel_shape=[8, 8], strides=[8, 8]),
            helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "projection"], ["embedding"]),
        ],
        "rec_tiny",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 112, 112])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, embedding_size])],
        [numpy_helper.from_array(projection, "projection")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(folder / "rec_tiny.onnx"))
    return folder


# ── LTX-Video and Wan image to video ───────────────────────────────────────────────────


def _tiny_t5(folder: Path) -> tuple[Any, Any]:
    """A T5 encoder from a tiny config and a word-level tokenizer written here (no hub)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, T5Config, T5EncoderModel

    words = ["<pad>", "</s>", "<unk>", *sorted({w for w in ["a", "the", "shot", "camera", "slow", "push", "in", "pan", "left", "right", "of", "and", "with"]})]
    raw = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    config = T5Config(vocab_size=len(words), d_model=32, d_ff=37, d_kv=8, num_layers=1, num_heads=4,
                      relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1)
    return T5EncoderModel(config), tokenizer


def build_ltx_image_to_video(folder: Path, *, seed: int = 0) -> Path:
    """An LTXImageToVideoPipeline from tiny configs (diffusers' own test sizes) saved in ``folder``."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(seed)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4, attention_head_dim=8,
        cross_attention_dim=32, num_layers=1, caption_channels=32,
    )
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False), decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False), upsample_factor=(1, 1, 1, 1), timestep_conditioning=False,
        patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )
    text_encoder, tokenizer = _tiny_t5(folder)
    pipe = LTXImageToVideoPipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
                                   text_encoder=text_encoder, tokenizer=tokenizer)
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def build_wan_image_to_video(folder: Path, *, seed: int = 0) -> Path:
    """A WanImageToVideoPipeline (the 2.2 5B layout: one transformer, no image encoder) from tiny configs."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        UniPCMultistepScheduler,
        WanImageToVideoPipeline,
        WanTransformer3DModel,
    )

    torch.manual_seed(seed)
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
        latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        scale_factor_spatial=16, scale_factor_temporal=4, temperal_downsample=[False, True, True],
    )
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=48, out_channels=48,
        text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
    )
    text_encoder, tokenizer = _tiny_t5(folder)
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)
    pipe = WanImageToVideoPipeline(
        transformer=transformer, vae=vae, scheduler=scheduler, text_encoder=text_encoder, tokenizer=tokenizer,
        transformer_2=None, image_encoder=None, image_processor=None, boundary_ratio=None, expand_timesteps=True,
    )
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder
