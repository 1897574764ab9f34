"""Seeds stable across processes and machines: the same brief and seed give the same pixels."""

from __future__ import annotations

import hashlib
import random

import numpy as np

from cutroom.core.models import StyleBible


def stable_seed(*parts: object) -> int:
    """A 31-bit seed from any values, stable across processes (unlike ``hash``)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def rng(*parts: object) -> np.random.Generator:
    return np.random.default_rng(stable_seed(*parts))


def chooser(*parts: object) -> random.Random:
    """A seeded ``random.Random`` for choosing words and shots deterministically."""
    return random.Random(stable_seed(*parts))


def entity_seed(bible: StyleBible, entity_id: str) -> int:
    return bible.entity_seeds.get(entity_id, stable_seed(bible.base_seed, entity_id))
