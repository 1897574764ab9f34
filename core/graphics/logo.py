"""The brand's logo, read once: a missing or unreadable file is a notice, never a crash."""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def load_logo(path: str | None) -> tuple[Image.Image | None, str | None]:
    """(logo, notice): a missing or unreadable logo is skipped with a notice, never a crash."""
    if not path:
        return None, None
    file = Path(path).expanduser()
    if not file.is_file():
        return None, f"The logo file {file.name} was not found, so the ad has no logo."
    try:
        with Image.open(file) as opened:
            opened.load()
            logo = opened.convert("RGBA")
    except Exception:
        return None, f"The logo file {file.name} could not be read as an image, so the ad has no logo."
    if logo.width < 2 or logo.height < 2:
        return None, f"The logo file {file.name} is too small to show, so the ad has no logo."
    return logo, None


def fit_logo(path: str | None, box: tuple[int, int]) -> Image.Image | None:
    """The logo scaled into ``box`` (RGBA), or None when there is none or it cannot be read."""
    if not path or box[0] < 2 or box[1] < 2:
        return None
    logo, _ = load_logo(path)
    if logo is None:
        return None
    scale = min(box[0] / logo.width, box[1] / logo.height)
    return logo.resize(
        (max(1, round(logo.width * scale)), max(1, round(logo.height * scale))), Image.Resampling.LANCZOS
    )
