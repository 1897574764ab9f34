"""Tiny random-weight pipelines of each diffusers model family, saved to folders like real models.

Configs follow diffusers' own ``get_dummy_components`` for each pipeline; the tokenizers are
built from a toy vocabulary here (no hub). They draw noise: tests check which arguments each
family's pipeline receives and which references reach it, never beauty.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tests.support.tiny_models import write_tokenizer  # noqa: E402


def _clip_tokenizer(folder: Path):  # type: ignore[no-untyped-def]
    from transformers import CLIPTokenizer

    return CLIPTokenizer.from_pretrained(write_tokenizer(folder))


def _clip_config(hidden: int = 32, layers: int = 2):  # type: ignore[no-untyped-def]
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=hidden, intermediate_size=37,
        layer_norm_eps=1e-05, num_attention_heads=4, num_hidden_layers=layers, vocab_size=1000,
        hidden_act="gelu", projection_dim=32,
    )


def _t5():  # type: ignore[no-untyped-def]
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -1.0)]
    vocab += [(c, -2.0) for c in letters] + [(f"\u2581{c}", -2.5) for c in letters]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0)
    config = T5Config(
        vocab_size=200, d_model=32, d_ff=37, d_kv=8, num_layers=2, num_heads=4, relative_attention_num_buckets=8,
        decoder_start_token_id=0, pad_token_id=0, eos_token_id=1,
    )
    return T5EncoderModel(config), tokenizer


def _flow_vae():  # type: ignore[no-untyped-def]
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        sample_size=32, in_channels=3, out_channels=3, block_out_channels=(4,), layers_per_block=1,
        latent_channels=1, norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False,
        shift_factor=0.0609, scaling_factor=1.5035,
    )


def _save(pipe, folder: Path, scratch: Path) -> Path:  # type: ignore[no-untyped-def]
    pipe.save_pretrained(folder, safe_serialization=True)
    shutil.rmtree(scratch, ignore_errors=True)
    return folder


def build_sdxl(folder: Path) -> Path:
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    from tests.support.tiny_models import _vae

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(2, 4), layers_per_block=1, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=8, transformer_layers_per_block=(1, 1), projection_class_embeddings_input_dim=80,
        cross_attention_dim=64, norm_num_groups=1,
    )
    scratch = folder / "_tok"
    pipe = StableDiffusionXLPipeline(
        unet=unet,
        scheduler=EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, steps_offset=1,
                                         beta_schedule="scaled_linear", timestep_spacing="leading"),
        vae=_vae(),
        text_encoder=CLIPTextModel(_clip_config()),
        tokenizer=_clip_tokenizer(scratch),
        text_encoder_2=CLIPTextModelWithProjection(_clip_config()),
        tokenizer_2=_clip_tokenizer(scratch),
        image_encoder=None,
        feature_extractor=None,
    )
    return _save(pipe, folder, scratch)


def build_sd3(folder: Path) -> Path:
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel, StableDiffusion3Pipeline
    from transformers import CLIPTextModelWithProjection

    torch.manual_seed(0)
    transformer = SD3Transformer2DModel(
        sample_size=32, patch_size=1, in_channels=4, num_layers=1, attention_head_dim=8, num_attention_heads=4,
        caption_projection_dim=32, joint_attention_dim=32, pooled_projection_dim=64, out_channels=4,
    )
    from diffusers import AutoencoderKL

    vae = AutoencoderKL(
        sample_size=32, in_channels=3, out_channels=3, block_out_channels=(4,), layers_per_block=1,
        latent_channels=4, norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False,
        shift_factor=0.0609, scaling_factor=1.5035,
    )
    t5, t5_tokenizer = _t5()
    scratch = folder / "_tok"
    pipe = StableDiffusion3Pipeline(
        transformer=transformer, scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
        text_encoder=CLIPTextModelWithProjection(_clip_config()), tokenizer=_clip_tokenizer(scratch),
        text_encoder_2=CLIPTextModelWithProjection(_clip_config()), tokenizer_2=_clip_tokenizer(scratch),
        text_encoder_3=t5, tokenizer_3=t5_tokenizer, image_encoder=None, feature_extractor=None,
    )
    return _save(pipe, folder, scratch)


def _flux_parts(folder: Path):  # type: ignore[no-untyped-def]
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxTransformer2DModel
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32, axes_dims_rope=[4, 4, 8],
    )
    t5, t5_tokenizer = _t5()
    return {
        "scheduler": FlowMatchEulerDiscreteScheduler(),
        "text_encoder": CLIPTextModel(_clip_config()),
        "tokenizer": _clip_tokenizer(folder / "_tok"),
        "text_encoder_2": t5,
        "tokenizer_2": t5_tokenizer,
        "transformer": transformer,
        "vae": _flow_vae(),
        "image_encoder": None,
        "feature_extractor": None,
    }


def build_flux1(folder: Path) -> Path:
    from diffusers import FluxPipeline

    return _save(FluxPipeline(**_flux_parts(folder)), folder, folder / "_tok")


def build_flux1_kontext(folder: Path) -> Path:
    from diffusers import FluxKontextPipeline

    return _save(FluxKontextPipeline(**_flux_parts(folder)), folder, folder / "_tok")


BUILDERS = {
    "sdxl": build_sdxl,
    "sd3": build_sd3,
    "flux1": build_flux1,
    "flux1-kontext": build_flux1_kontext,
}
