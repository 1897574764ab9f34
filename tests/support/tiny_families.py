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


def _byte_level_vocab(specials: list[str]) -> dict[str, int]:
    """Special tokens first, then the 256 byte-level symbols: every text tokenizes, no merges needed."""
    from tokenizers import pre_tokenizers

    vocab = {token: i for i, token in enumerate(specials)}
    for symbol in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab.setdefault(symbol, len(vocab))
    return vocab


#: Mistral-style chat template: the system message, then user turns (text, and [IMG] for pictures).
_MISTRAL_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}[SYSTEM_PROMPT]"
    "{% for c in m['content'] %}{{ c['text'] }}{% endfor %}[/SYSTEM_PROMPT]{% else %}[INST]"
    "{% for c in m['content'] %}{% if c['type'] == 'text' %}{{ c['text'] }}{% else %}[IMG]{% endif %}"
    "{% endfor %}[/INST]{% endif %}{% endfor %}"
)


def build_flux2(folder: Path) -> Path:
    """FLUX.2: a Mistral3 text encoder (30 layers: the pipeline reads hidden states 10, 20 and 30,
    as with the real 24B one), a 4-level VAE (16 pixels a token, so 768-pixel references stay small).

    The real model ships a PixtralProcessor; transformers builds one only with torchvision, which the
    CPU test env lacks, so the tokenizer here is a plain fast tokenizer carrying the chat template:
    Flux2Pipeline calls only ``apply_chat_template`` on it when encoding the prompt.
    """
    import torch
    from diffusers import (
        AutoencoderKLFlux2,
        FlowMatchEulerDiscreteScheduler,
        Flux2Pipeline,
        Flux2Transformer2DModel,
    )
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    from transformers import Mistral3Config, Mistral3ForConditionalGeneration, PreTrainedTokenizerFast

    specials = ["<unk>", "[IMG]", "<s>", "</s>", "<pad>", "[INST]", "[/INST]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"]
    vocab = _byte_level_vocab(specials)
    model = Tokenizer(BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    model.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    model.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=model, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        additional_special_tokens=specials[5:], chat_template=_MISTRAL_TEMPLATE,
    )
    torch.manual_seed(0)
    text_encoder = Mistral3ForConditionalGeneration(Mistral3Config(
        text_config={
            "model_type": "mistral", "vocab_size": len(vocab), "hidden_size": 16, "intermediate_size": 37,
            "max_position_embeddings": 1024, "num_attention_heads": 4, "num_hidden_layers": 30,
            "num_key_value_heads": 2, "rms_norm_eps": 1e-05, "rope_theta": 1e9, "sliding_window": None,
            "bos_token_id": 2, "eos_token_id": 3, "pad_token_id": 4,
        },
        vision_config={
            "model_type": "pixtral", "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 4,
            "intermediate_size": 37, "image_size": 30, "patch_size": 6, "num_channels": 3,
        },
        bos_token_id=2, eos_token_id=3, pad_token_id=4, image_seq_length=4, vision_feature_layer=-1,
        image_token_index=1,
    ))
    transformer = Flux2Transformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16, num_attention_heads=2,
        joint_attention_dim=48, timestep_guidance_channels=256, axes_dims_rope=[4, 4, 4, 4],
    )  # joint_attention_dim: three stacked hidden states of 16
    vae = AutoencoderKLFlux2(
        sample_size=32, in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4, block_out_channels=(4,) * 4, layers_per_block=1,
        latent_channels=1, norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False,
    )
    pipe = Flux2Pipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
        transformer=transformer,
    )
    return _save(pipe, folder, folder / "_tok")


def qwen_image_edit_class() -> str:
    """The Qwen-Image-Edit pipeline the installed diffusers has, multi-reference first."""
    import diffusers

    for name in ("QwenImageEditPlusPipeline", "QwenImageEditPipeline"):
        if hasattr(diffusers, name):
            return name
    return ""


def build_qwen_image_edit(folder: Path) -> Path:
    """Qwen-Image-Edit(-Plus): a Qwen2.5-VL text encoder that also sees the references.

    Needs torchvision: transformers' Qwen2VLProcessor will not build without a video processor,
    which needs it (as the real model does, so the real one needs it too).
    """
    import diffusers
    import torch
    from diffusers import AutoencoderKLQwenImage, FlowMatchEulerDiscreteScheduler, QwenImageTransformer2DModel
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2Tokenizer,
        Qwen2VLProcessor,
    )
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    specials = ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    vocab = _byte_level_vocab(["<|endoftext|>"])
    for token in specials:
        vocab[token] = len(vocab)
    tokenizer = Qwen2Tokenizer(vocab=vocab, merges=[])
    tokenizer.add_special_tokens({"additional_special_tokens": specials})
    processor = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessorPil(), tokenizer=tokenizer, video_processor=Qwen2VLVideoProcessor()
    )
    torch.manual_seed(0)
    text_encoder = Qwen2_5_VLForConditionalGeneration(Qwen2_5_VLConfig(
        text_config={
            "hidden_size": 16, "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "num_key_value_heads": 2, "rope_theta": 1000000.0, "vocab_size": len(vocab),
            "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
        },
        vision_config={"depth": 2, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2, "out_hidden_size": 16},
        hidden_size=16, vocab_size=len(vocab), vision_start_token_id=vocab["<|vision_start|>"],
        vision_end_token_id=vocab["<|vision_end|>"], vision_token_id=vocab["<|image_pad|>"],
        image_token_id=vocab["<|image_pad|>"], video_token_id=vocab["<|video_pad|>"],
    ))
    transformer = QwenImageTransformer2DModel(
        patch_size=2, in_channels=16, out_channels=4, num_layers=2, attention_head_dim=16, num_attention_heads=3,
        joint_attention_dim=16, guidance_embeds=False, axes_dims_rope=(8, 4, 4),
    )
    # 16 pixels a latent (the real VAE has 8) and 4 base channels: the pipeline encodes every reference
    # at about 1 MP whatever size we work at, and that 3D-conv encode is most of the CPU time.
    vae = AutoencoderKLQwenImage(
        base_dim=4, z_dim=4, dim_mult=[1, 2, 4, 4, 4], num_res_blocks=1, temperal_downsample=[False, True, True, True],
        latents_mean=[0.0] * 4, latents_std=[1.0] * 4,
    )
    pipe = getattr(diffusers, qwen_image_edit_class())(
        transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(), text_encoder=text_encoder,
        tokenizer=tokenizer, processor=processor,
    )
    return _save(pipe, folder, folder / "_tok")


BUILDERS = {
    "sdxl": build_sdxl,
    "sd3": build_sd3,
    "flux1": build_flux1,
    "flux1-kontext": build_flux1_kontext,
    "flux2": build_flux2,
    "qwen-image-edit": build_qwen_image_edit,
}
