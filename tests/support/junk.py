"""Hostile thread text: repeated fragments that once sent the extractor's patterns quadratic.

Shared by tests/test_extract.py (the brief stays bounded) and bench/extract.py (how long it takes).
"""

from __future__ import annotations

JUNK = (
    "for " * 5000,
    "#abc " * 4000,
    "30s " * 5000,
    "a, " * 6000,
    "our new " * 2500,
    "mascot Max the " * 1300,
)
PATHOLOGICAL = ("a" * 5_000_000, "🔥" * 5_000_000, "no " * 2_000_000, "#" * 5_000_000)
