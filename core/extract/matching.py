"""Small text-matching helpers the field readers share: one key per phrase, one of each item.

Word lists become patterns in ``vocabulary.pattern``; this module compares what was read.
"""

from __future__ import annotations

import re


def key(text: str) -> str:
    """Lower case, punctuation dropped (prices and percentages kept): how two phrases are compared."""
    return " ".join(re.sub(r"[^\w%£$€]+", " ", text.lower()).split())


def longest_each(items: list[str]) -> list[str]:
    """One of each, in order; of "chips" and "fish and chips" the longer, which already says it."""
    out: list[str] = []
    for item in items:
        k = key(item)
        if not k or any(f" {k} " in f" {key(o)} " for o in out):
            continue
        out = [o for o in out if f" {key(o)} " not in f" {k} "]
        out.append(item)
    return out


def within(short: str, long: str, *, extra: int = 2) -> bool:
    """``short`` appears in ``long`` as whole words, with at most ``extra`` words more."""
    a, b = key(short), key(long)
    return bool(a) and f" {a} " in f" {b} " and len(b.split()) - len(a.split()) <= extra
