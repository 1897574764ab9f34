"""What every keyframe engine shares: prompts that keep text out, the shot's references, prices.

Engines that follow instructions (OpenAI Images, Gemini, FLUX.1 Kontext, Qwen-Image-Edit) get
``shot_instruction``: the shot in words, each entity tied to its reference picture by position,
and a plain "no text" rule (captions, titles, logo and CTA are composited later). ``cast_prompt``
asks for the reference itself: one entity, plain background, neutral light.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import TypedDict

from PIL import Image

from cutroom.core.backends import PanelArt
from cutroom.core.errors import InputError, UnavailableError
from cutroom.core.models import Entity, Plan, Shot

NO_TEXT = (
    "No text of any kind in the picture: no letters, words, captions, labels, logos, signs or watermarks."
)
#: Words for the bible's light and a shot's framing, shared by every engine's prompts.
LIGHT_WORDS = {
    "bright": "bright daylight",
    "golden": "golden hour light",
    "soft": "soft diffused light",
    "moody": "moody low-key light",
    "neon": "neon light",
    "studio": "clean studio lighting",
}
FRAMING_WORDS = {
    "extreme_wide": "extreme wide shot",
    "wide": "wide shot",
    "medium": "medium shot",
    "medium_close": "medium close-up",
    "close_up": "close-up",
    "extreme_close_up": "extreme close-up",
}
#: Views each kind of entity is cast in, main view first.
VIEWS_BY_KIND: dict[str, tuple[str, ...]] = {
    "character": ("front", "three_quarter", "side"),
    "product": ("packshot",),
}
_VIEW_WORDS = {
    "front": "full-length front view, facing the camera",
    "three_quarter": "full-length three-quarter view, turned 45 degrees",
    "side": "full-length side profile view",
    "packshot": "product packshot, centred, the whole product in frame, label facing the camera but left blank",
}


@dataclass
class Reference:
    """One reference picture handed to an engine, with the entity it shows."""

    entity: Entity
    image: Image.Image


def shot_references(plan: Plan, shot: Shot) -> list[Reference]:
    """The pictures of the shot's entities, in the shot's order (their cast pictures, as local files).

    ``plan`` is the drawable plan from ``pipeline.with_local_assets``: ``reference_image`` is a
    path on this machine. A missing or unreadable file is an error in words, never a fetch.
    """
    found: list[Reference] = []
    for entity_id in shot.entities:
        entity = plan.bible.entity(entity_id)
        if not entity.reference_image:
            continue
        path = Path(entity.reference_image).expanduser()
        if not path.is_file():
            raise InputError(
                f"The reference picture for {entity.name} was not found on this machine. Recast {entity.name}."
            )
        try:
            with Image.open(path) as image:
                found.append(Reference(entity, image.convert("RGB")))
        except OSError as exc:
            raise InputError(f"The reference picture for {entity.name} is not an image Cutroom can read.") from exc
    return found


def style_line(plan: Plan) -> str:
    bible = plan.bible
    words = [LIGHT_WORDS.get(bible.lighting, bible.lighting), *bible.style_words]
    palette = ", ".join(bible.palette[:4])
    return f"{'; '.join(w for w in words if w)}. Colour palette {palette}."


def shot_instruction(plan: Plan, shot: Shot, references: list[Reference]) -> str:
    """The shot for an instruction-following engine, each entity tied to its reference by number."""
    lines = [f"{FRAMING_WORDS.get(shot.shot_size, shot.shot_size).capitalize()}, {shot.lens_mm}mm lens: "
             f"{shot.description.strip()}"]
    numbered = {ref.entity.id: k for k, ref in enumerate(references, start=1)}
    for entity_id in shot.entities:
        entity = plan.bible.entity(entity_id)
        look = f" ({entity.look})" if entity.look else ""
        if entity_id in numbered:
            lines.append(
                f"{entity.name}{look} must look exactly as in reference image {numbered[entity_id]}: "
                "same face, hair, build, clothes and colours."
                if entity.kind == "character"
                else f"{entity.name}{look} must look exactly as in reference image {numbered[entity_id]}: "
                "same shape, colours and materials."
            )
        else:
            lines.append(f"{entity.name}{look}.")
    lines.append(style_line(plan))
    if plan.brief.avoid:
        lines.append(f"Avoid: {', '.join(plan.brief.avoid)}.")
    lines.append(NO_TEXT)
    return "\n".join(lines)


def cast_prompt(plan: Plan, entity: Entity, view: str) -> str:
    """The reference picture for one entity: alone, plain background, neutral light, no text."""
    look = entity.look or entity.name
    colours = ", ".join(f"{part} {value}" for part, value in entity.colors.items())
    what = "product" if entity.kind == "product" else "character"
    lines = [
        f"Reference picture of a {what} for an advertising storyboard: {entity.name}, {look}.",
        f"{_VIEW_WORDS.get(view, view)}.",
        "Alone, on a plain light grey seamless background, neutral even studio light, no props, no scenery.",
    ]
    if colours:
        lines.append(f"Exact colours: {colours}.")
    lines.append(NO_TEXT)
    return "\n".join(lines)


@cache
def _prices() -> dict[str, dict[str, object]]:
    text = resources.files("cutroom.core.backends").joinpath("data/image_prices.json").read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def price_per_image(engine: str, model: str = "", quality: str = "") -> float:
    """List price in USD of one image from ``engine``/``model`` at ``quality`` (0 when unknown)."""
    table = _prices().get(engine, {})
    entry = table.get(model, table.get("default", 0.0))
    if isinstance(entry, dict):
        entry = entry.get(quality or "auto", entry.get("auto", 0.0))
    return float(entry) if isinstance(entry, int | float | str) else 0.0


def fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    from PIL import ImageOps

    return ImageOps.fit(image.convert("RGB"), size, Image.Resampling.LANCZOS)


def png_bytes(image: Image.Image) -> bytes:
    import io

    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


class PictureCache:
    """Paid pictures kept on disk by request: the same request is never paid for twice.

    The storyboard and the render ask an engine for the same shot at the same standard size,
    and every variant of a render asks again; the key is the engine, model, size, prompt and the
    reference pictures' bytes, so any change is a new request. ``folder=None`` keeps nothing.
    """

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = Path(folder) if folder else None

    @staticmethod
    def key(*parts: str | bytes) -> str:
        import hashlib

        digest = hashlib.sha256()
        for part in parts:
            data = part if isinstance(part, bytes) else part.encode()
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()[:40]

    def get(self, key: str) -> Image.Image | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.png"
        if not path.is_file():
            return None
        try:
            with Image.open(path) as image:
                return image.convert("RGB")
        except OSError:
            return None

    def put(self, key: str, image: Image.Image) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.tmp"
        image.convert("RGB").save(tmp, format="PNG")
        tmp.replace(self.folder / f"{key}.png")


# ── what the hosted engines (OpenAI Images, Google GenAI) share ───────────────────────────


def sdk(engine: str, module: str, install: str) -> ModuleType:
    """The engine's official SDK, imported only when the engine is chosen, or the line that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise UnavailableError(f"CUTROOM_IMAGE_BACKEND={engine} needs the {module} package: {install}.") from exc


class HostedOptions(TypedDict, total=False):
    """The settings every hosted engine takes (each engine adds its own)."""

    api_key: str | None
    base_url: str | None
    model: str | None
    timeout_s: float
    cost_per_image_usd: float | None
    cache_dir: str | None


class HostedImages:
    """The part of a hosted keyframe engine that is not its API: the key check, the price per image
    (the setting, else the list price), the cast's views and the paid-picture cache.

    An engine sets ``engine``, ``key_names`` and ``default_model`` and implements ``_picture``: one
    picture from a prompt and the reference pictures it must follow (none for a plain generation).
    The key is checked here and handed to the SDK's client by the engine, never kept.
    """

    engine = ""
    #: The environment variables that hold the engine's key, for the error that names them.
    key_names = ""
    default_model = ""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        timeout_s: float = 180.0,
        cost_per_image_usd: float | None = None,
        cache_dir: str | None = None,
        quality: str = "",
    ) -> None:
        if not api_key:
            raise UnavailableError(
                f"CUTROOM_IMAGE_BACKEND={self.engine} needs {self.key_names}. Set it in the environment or .env."
            )
        self.base_url = base_url or None
        self.timeout_s = timeout_s
        self.model = model or self.default_model
        self.quality = quality
        self._price = cost_per_image_usd
        self.cache = PictureCache(cache_dir)
        self._bought = 0

    def images_bought(self) -> int:
        """Pictures paid for by this engine object so far (cache hits are not): what the budget settles."""
        return self._bought

    def keep_paid(self, key: str, picture: Image.Image) -> None:
        """A picture the API just returned (and charged for): counted, and cached so it is never paid twice."""
        self._bought += 1
        self.cache.put(key, picture)

    def cost_per_image(self) -> float:
        """Estimated USD per image (the setting, else the list price for the model and quality)."""
        if self._price is not None:
            return self._price
        return price_per_image(self.engine, self.model, self.quality)

    def images_for_cast(self, entity: Entity) -> int:
        return len(VIEWS_BY_KIND.get(entity.kind, ("front",)))

    def _picture(
        self, prompt: str, pictures: list[Image.Image], size: tuple[int, int], seed: int, what: str
    ) -> Image.Image:
        raise NotImplementedError

    def cast(self, plan: Plan, entity: Entity, *, size: tuple[int, int], seed: int) -> dict[str, Image.Image]:
        """The main view from the look alone, then every other view from that picture (same person)."""
        views = VIEWS_BY_KIND.get(entity.kind, ("front",))
        what = f"the reference picture of {entity.name}"
        main = self._picture(cast_prompt(plan, entity, views[0]), [], size, seed, what)
        out = {views[0]: fit(main, size)}
        for view in views[1:]:
            prompt = (
                f"The same {entity.kind} as in reference image 1, exactly: same face, hair, build, clothes "
                f"and colours.\n{cast_prompt(plan, entity, view)}"
            )
            out[view] = fit(self._picture(prompt, [main], size, seed, f"{what} ({view})"), size)
        return out

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt:
        """The shot, given the cast pictures of its entities; seeded like every other engine's."""
        from cutroom.core.backends.diffusion import shot_seed

        refs = shot_references(plan, shot)
        prompt = shot_instruction(plan, shot, refs)
        noise = shot_seed(plan, shot, seed) % 2**31
        picture = self._picture(prompt, [r.image for r in refs], size, noise, f"shot {shot.index}")
        return PanelArt(
            background=fit(picture, size),
            extras={"prompt": prompt, "references": len(refs), "model": self.model, "cost_usd": self.cost_per_image()},
        )
