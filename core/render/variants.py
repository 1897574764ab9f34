"""Which variants a storyboard becomes: aspect ratios times A/B choices (another hook, another voice)."""

from __future__ import annotations

from cutroom.core.models import AspectRatio, Plan, RenderSpec, VariantChoice
from cutroom.core.render.timeline import check_plan

ALT_VOICES: list[tuple[str, str]] = [
    ("en-us+f3", "a female US"),
    ("en-gb+m3", "a British"),
    ("en-us+f4", "a brighter female"),
]


def _alternate_hooks(plan: Plan) -> list[str]:
    product = plan.brief.product or plan.brief.brand.name or "this"
    hooks = [f"Wait until you see {product}.", f"Meet {product}.", "Stop scrolling. You'll want this."]
    if plan.brief.audience:
        audience = plan.brief.audience.strip().rstrip(".")
        hooks.insert(1, f"{audience[:1].upper()}{audience[1:]}, this one's for you.")
    main = " ".join(plan.hook.lower().split())
    return [h for h in hooks if " ".join(h.lower().split()) != main]


def variant_specs(
    plan: Plan, *, aspects: list[AspectRatio] | None = None, n_variants: int = 1, seed: int = 0, fps: int = 30
) -> list[RenderSpec]:
    """One spec per aspect and variant: A is the main cut; B, C... swap the hook and the voice."""
    check_plan(plan, fps)
    specs: list[RenderSpec] = []
    hooks = _alternate_hooks(plan)
    for aspect in aspects or plan.aspect_ratios:
        for v in range(max(1, n_variants)):
            name = chr(ord("A") + v)
            if v == 0:
                choice = VariantChoice(name="A", description="Main cut")
            else:
                hook = hooks[(v - 1 + seed) % len(hooks)]
                voice, voice_words = ALT_VOICES[(v - 1) % len(ALT_VOICES)]
                choice = VariantChoice(
                    name=name,
                    hook=hook,
                    voice=voice,
                    description=f"Alternate hook \u201c{hook}\u201d read in {voice_words} voice",
                )
            specs.append(RenderSpec(plan=plan, aspect_ratio=aspect, variant=choice, seed=seed, fps=fps))
    return specs


def variant_id(spec: RenderSpec) -> str:
    return f"{spec.aspect_ratio.replace(':', 'x')}-{spec.variant.name}"
