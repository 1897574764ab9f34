"""The brief as a form: one conversion each way (``BriefForm``), uploads checked, the example threads."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, Field

from cutroom.core.errors import InputError
from cutroom.core.models import (
    AspectRatio,
    BrandKit,
    Brief,
    Goal,
    ProductCategory,
)
from cutroom.storage import uploads

EXAMPLES_DIR = Path(__file__).parent / "examples"


PLATFORMS = [
    "TikTok",
    "Instagram Reels",
    "Instagram",
    "Instagram Stories",
    "YouTube Shorts",
    "YouTube",
    "Facebook",
    "LinkedIn",
    "Snapchat",
    "Pinterest",
    "X",
    "CTV",
]


FORMATS: list[str] = list(get_args(AspectRatio))


GOALS: list[str] = list(get_args(Goal))


CATEGORIES: list[str] = list(get_args(ProductCategory))


def split_list(text: str | None) -> list[str]:
    """'premium, warm' or one per line -> ['premium', 'warm']."""
    return [part.strip() for part in re.split(r"[,\n;]", text or "") if part.strip()]


def split_lines(text: str | None) -> list[str]:
    """One item per line (or per ';'): characters and facts keep their commas ("Maya, curly hair")."""
    return [part.strip() for part in re.split(r"[\n;]", text or "") if part.strip()]


def parse_colours(text: str | None) -> list[str]:
    """Hex codes in any common spelling (#1B2A4A, 1b2a4a, #fc0) -> ['#1b2a4a', ...]."""
    colours: list[str] = []
    for token in re.split(r"[\s,;]+", (text or "").strip()):
        if not token:
            continue
        raw = token.lstrip("#")
        if re.fullmatch(r"[0-9a-fA-F]{3}", raw):
            raw = "".join(c * 2 for c in raw)
        if not re.fullmatch(r"[0-9a-fA-F]{6}", raw):
            raise InputError(
                f"'{token[:20]}' is not a colour: write brand colours as hex codes such as #1b2a4a, "
                "separated by commas."
            )
        colours.append(f"#{raw.lower()}")
    return list(dict.fromkeys(colours))


def checked_image(path: str | None, what: str, max_bytes: int) -> Path | None:
    """An uploaded picture, or an InputError that names the file and says what would work.

    The same check as every other surface (``storage.uploads``): read up to the limit, then
    decoded whole within the pixel limit, in PNG, JPEG or WebP.
    """
    if not path:
        return None
    file = Path(path)
    name = file.name[:60]
    with file.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(
            f"The {what} {name} is {file.stat().st_size / 1024 / 1024:.1f} MB; upload one under "
            f"{max_bytes // 1024 // 1024} MB (a PNG of a few hundred pixels is plenty)."
        )
    try:
        uploads.checked_image(data)
    except uploads.UploadRefused as refused:
        raise InputError(f"The {what} {name} cannot be used: {refused}.") from None
    return file


class BriefForm(BaseModel):
    """The brief's form, field by field in the page's order: the one place form and brief convert."""

    product: str = ""
    brand: str = ""
    audience: str = ""
    goal: str = "awareness"
    tone: str = ""
    length: float = 30
    platforms: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)
    cta: str = ""
    url: str = ""
    colours: str = ""
    characters: str = ""
    must_include: str = ""
    avoid: str = ""
    category: str = "generic"

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> BriefForm:
        """The form from Gradio's input values (``None`` for an empty box), in field order."""
        fields = list(cls.model_fields)
        if len(values) != len(fields):
            raise ValueError(f"The brief form has {len(fields)} fields, not {len(values)}.")
        return cls(**{name: value for name, value in zip(fields, values, strict=True) if value is not None})

    @classmethod
    def from_brief(cls, brief: Brief) -> BriefForm:
        return cls(
            product=brief.product or "",
            brand=brief.brand.name or "",
            audience=brief.audience or "",
            goal=brief.goal,
            tone=", ".join(brief.tone),
            length=brief.duration_s,
            platforms=list(brief.platforms),
            formats=list(brief.aspect_ratios),
            cta=brief.call_to_action or "",
            url=brief.url or "",
            colours=", ".join(brief.brand.palette),
            characters="\n".join(brief.characters),
            must_include="\n".join(brief.must_include),
            avoid="\n".join(brief.avoid),
            category=brief.product_category,
        )

    def values(self) -> list[Any]:
        """Gradio's output values, in field order (the length as the whole seconds it is)."""
        return [int(v) if name == "length" and float(v).is_integer() else v for name, v in self.model_dump().items()]

    def to_brief(self, base: dict[str, Any] | None) -> Brief:
        """The form is the brief; fields the form does not show (notes, language) come from ``base``."""
        kept = Brief.model_validate(base) if base else Brief()
        texts = [self.product, self.brand, self.audience, self.tone, self.cta, self.url, self.colours,
                 self.characters, self.must_include]  # fmt: skip
        if not any(t.strip() for t in texts):
            raise InputError(
                "The brief is empty: paste a chat thread and press Read the thread, "
                "or at least name the product in the form."
            )
        if not self.product.strip():
            raise InputError("Say what the ad is for: the product field is empty.")
        return Brief(
            product=self.product.strip()[:120],
            product_category=self.category if self.category in CATEGORIES else "generic",  # type: ignore[arg-type]
            audience=self.audience.strip()[:300] or None,
            goal=self.goal if self.goal in GOALS else "awareness",  # type: ignore[arg-type]
            tone=split_list(self.tone)[:6],
            duration_s=int(round(float(self.length or 30))),
            platforms=list(self.platforms),
            aspect_ratios=[f for f in self.formats if f in FORMATS] or ["9:16"],  # type: ignore[misc]
            call_to_action=self.cta.strip()[:80] or None,
            url=self.url.strip()[:200] or None,
            brand=BrandKit(name=self.brand.strip()[:80] or None, palette=parse_colours(self.colours)),
            characters=split_lines(self.characters)[:4],
            must_include=split_lines(self.must_include)[:8],
            avoid=split_lines(self.avoid)[:8],
            language=kept.language,
            notes=kept.notes,
        )


def thread_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(f"{m.get('author', 'user')}: {m.get('text', '')}" for m in messages)


def load_examples() -> list[tuple[str, list[Any]]]:
    """(label, [thread, *form values]) for every thread in playground/examples/."""
    from cutroom.core.extract import extract_brief, parse_thread

    rows: list[tuple[str, list[Any]]] = []
    for file in sorted(EXAMPLES_DIR.glob("*.json")):
        data = json.loads(file.read_text())
        text = thread_text(data.get("messages", []))
        brief = extract_brief(parse_thread(text)).brief
        label = str(data.get("name", file.stem)).replace("_", " ").capitalize()
        rows.append((label, [text, *BriefForm.from_brief(brief).values()]))
    return rows
