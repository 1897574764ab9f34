"""Word lists as data: ``core/extract/data/<name>.txt`` (one entry a line) and ``<name>.json``.

Loaded once and cached; a ``#`` starts a comment line. Lists are data so that widening what the
extractor knows is an edit to a text file, not to a pattern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any


def _read(filename: str) -> str:
    return resources.files("cutroom.core.extract").joinpath("data", filename).read_text(encoding="utf-8")


@cache
def words(name: str) -> frozenset[str]:
    """The lower-cased entries of ``data/<name>.txt``."""
    return frozenset(entries(name))


@cache
def entries(name: str) -> tuple[str, ...]:
    """The entries of ``data/<name>.txt`` in file order, lower-cased, comments and blanks skipped."""
    lines = (line.strip() for line in _read(f"{name}.txt").splitlines())
    return tuple(line.lower() for line in lines if line and not line.startswith("#"))


@cache
def table(name: str) -> Any:
    """The parsed ``data/<name>.json``."""
    return json.loads(_read(f"{name}.json"))


def pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first, a space matching any run of spaces."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))
