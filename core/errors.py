"""Cutroom's error tree. Each surface turns these into words in one place.

CutroomError
 ├── InputError            the user can fix it (bad brief, bad plan edit, bad file); never retried
 │    ├── BriefError
 │    ├── PlanError
 │    ├── RefusedError     an engine's content policy refused a prompt; say which shot, offer a redo
 │    └── BudgetError      the estimate would pass today's budget; nothing was spent
 ├── BackendError          a provider or tool failed
 │    ├── TransientError   worth retrying (429, 5xx, lost connection)
 │    └── UnavailableError not configured or not installed; says how to fix it
 ├── RenderError           ffmpeg or compositing failed
 └── Cancelled             the user cancelled; partial files are removed
"""

from __future__ import annotations

from pydantic import ValidationError

# arq re-raises exceptions by pickling them, which only works when they are built from one
# argument: every error here takes a single message.


class CutroomError(Exception):
    """Base of everything Cutroom raises on purpose. ``str(err)`` is fit to show a user."""


class InputError(CutroomError):
    """The request cannot be done as stated; the message says what to change."""


class BriefError(InputError):
    pass


class PlanError(InputError):
    pass


class RefusedError(InputError):
    """An image or video engine refused a shot on content grounds: the message names the shot
    and the engine's reason, and a redo of that shot (reworded) is the way forward."""


class BudgetError(InputError):
    """Submitting would pass the daily budget; nothing was submitted or paid for."""


class BackendError(CutroomError):
    pass


class TransientError(BackendError):
    """A provider hiccup (rate limit, 5xx, dropped connection); retry with backoff."""


class UnavailableError(BackendError):
    """A backend that is not installed or not configured; the message says how to fix it."""


class UnknownBackendError(UnavailableError):
    pass


class RenderError(CutroomError):
    pass


class Cancelled(CutroomError):
    pass


_FIELD_NAMES = {
    "duration_s": "length",
    "aspect_ratios": "aspect ratio",
    "palette": "brand colours",
    "lens_mm": "lens",
    "shot_size": "shot size",
    "camera_move": "camera move",
    "on_screen_text": "on-screen text",
    "voice_over": "voice-over",
}


def explain(err: ValidationError) -> str:
    """Turn a pydantic ValidationError into sentences a marketer understands."""
    sentences: list[str] = []
    for item in err.errors():
        loc = [str(p) for p in item.get("loc", ())]
        where = _describe_location(item.get("loc", ()))
        kind = item.get("type", "")
        ctx = item.get("ctx") or {}
        if kind == "value_error":
            message = str(ctx.get("error", item.get("msg", ""))).removeprefix("Value error, ")
            sentences.append(message if message.endswith(".") else message + ".")
            continue
        unit = " s" if loc and loc[-1] == "duration_s" else ""
        if kind == "greater_than_equal":
            sentences.append(f"{the(where)} must be at least {_num(ctx.get('ge'))}{unit}.")
        elif kind == "greater_than":
            sentences.append(f"{the(where)} must be more than {_num(ctx.get('gt'))}{unit}.")
        elif kind == "less_than_equal":
            sentences.append(f"{the(where)} must be at most {_num(ctx.get('le'))}{unit}.")
        elif kind == "less_than":
            sentences.append(f"{the(where)} must be less than {_num(ctx.get('lt'))}{unit}.")
        elif kind == "literal_error":
            sentences.append(f"{the(where)} must be one of {ctx.get('expected', 'the allowed values')}.")
        elif kind == "string_pattern_mismatch" and "palette" in loc:
            sentences.append(f"{the(where)} must be a hex colour such as #1a73e8.")
        elif kind == "missing":
            sentences.append(f"{the(where)} is missing.")
        elif kind == "extra_forbidden":
            sentences.append(f"'{loc[-1]}' is not something Cutroom knows about.")
        elif kind.endswith("_parsing") or kind.endswith("_type"):
            sentences.append(f"{the(where)} has the wrong kind of value ({item.get('msg', '').lower()}).")
        else:
            sentences.append(f"{the(where)}: {item.get('msg', 'is not valid')}.")
    return " ".join(dict.fromkeys(sentences)) or "The input is not valid."


def _num(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def the(where: str) -> str:
    """'shot 2's length' -> "Shot 2's length"; 'length' -> 'The length'."""
    return where[0].upper() + where[1:] if where.startswith("shot ") else f"The {where}"


def _describe_location(loc: tuple[object, ...]) -> str:
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            if i > 0 and loc[i - 1] == "shots":
                parts[-1] = f"shot {part + 1}"
            else:
                parts.append(f"item {part + 1}")
        else:
            name = str(part)
            parts.append(_FIELD_NAMES.get(name, name.replace("_", " ")))
    if not parts:
        return "input"
    return "'s ".join(parts) if len(parts) <= 2 else f"{parts[-1]} of {' '.join(parts[:-1])}"
