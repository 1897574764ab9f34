"""What the embedded planner makes of labelled threads: is the copy the thread's own?

    python -m bench.plans --corpus tests/fixtures/briefs/test            # extractor + planner
    python -m bench.plans --corpus tests/fixtures/briefs/test --labels   # planner on the labelled briefs

For each thread (the corpus format: messages + expected), the brief is extracted with the
embedded extractor (or, with ``--labels``, built from the labels, to measure the planner
alone), planned with the embedded planner, and every copy line (title, hook, each shot's
on-screen text and voice-over, the CTA) is checked:

- product named: one of the accepted product names (or, when none is stated, the brand) in some line;
- must-include coverage: each fact's key text in some line (screen or voice-over);
- CTA verbatim: an accepted CTA text in the end card or a voice-over line;
- invented-number lines: a line with a number no message states;
- placeholder lines: "The product", "generic", an empty name ("Meet ."), braces, None/TBD;
- lines foreign to the category: app words (app, tap, swipe, download, install) in an ad for
  something that is not an app, when the thread never says them.

Goals: 100% / >= 95% / 100% / 0 / 0 / 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cutroom.core.models import BrandKit, Brief, Message, Plan
from cutroom.core.plan import plan_ad
from cutroom.core.planning.claims import copy_lines

PLACEHOLDER = re.compile(
    r"\bthe product\b|\bgeneric\b|\{\w*\}|\bNone\b|\bnull\b|\bTBD\b|\bXXX\b|lorem ipsum|"
    r"\b(?:Meet|Introducing|This is)\s*[.,!]|^\s*[.,!—-]|\s—\s*$",
    re.I,
)
APP_WORDS = re.compile(r"\b(?:app|apps|tap|taps|swipe|download|install)\b", re.I)
DIGITS = re.compile(r"\d[\d,.]*\d|\d")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\"'“”‘’.,!?:;]", " ", text.lower()).split())


def _numbers(text: str) -> set[str]:
    return {m.group(0).replace(",", "").rstrip(".") for m in DIGITS.finditer(text)}


@dataclass
class Score:
    threads: int = 0
    product_named: int = 0
    product_total: int = 0
    must_found: int = 0
    must_total: int = 0
    cta_kept: int = 0
    cta_total: int = 0
    invented: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    suggested_lines: int = 0
    lines: int = 0

    def row(self) -> dict[str, Any]:
        def pct(a: int, b: int) -> float | None:
            return round(100 * a / b, 1) if b else None

        return {
            "threads": self.threads,
            "product_named_pct": pct(self.product_named, self.product_total),
            "product_named": f"{self.product_named}/{self.product_total}",
            "must_include_pct": pct(self.must_found, self.must_total),
            "must_include": f"{self.must_found}/{self.must_total}",
            "cta_verbatim_pct": pct(self.cta_kept, self.cta_total),
            "cta_verbatim": f"{self.cta_kept}/{self.cta_total}",
            "invented_number_lines": len(self.invented),
            "placeholder_lines": len(self.placeholders),
            "foreign_lines": len(self.foreign),
            "suggested_share_pct": pct(self.suggested_lines, self.lines),
        }


def labelled_brief(expected: dict[str, Any]) -> Brief:
    """The brief a careful marketer would write from the thread, built from its labels."""
    characters = [c["name"][0] for c in expected.get("characters") or []]
    looks = {c["name"][0]: ", ".join(c.get("looks") or []) for c in expected.get("characters") or []}
    return Brief(
        product=(expected.get("product") or [None])[0],
        audience=", ".join(expected.get("audience") or []) or None,
        goal=expected.get("goal") or "awareness",
        duration_s=expected.get("duration_s") or 30,
        aspect_ratios=expected.get("aspect_ratios") or ["9:16"],
        call_to_action=(expected.get("call_to_action") or [None])[0],
        url=expected.get("url"),
        brand=BrandKit(name=(expected.get("brand") or [None])[0]),
        characters=characters,
        character_looks={k: v for k, v in looks.items() if v},
        must_include=list(expected.get("must_include") or []),
        avoid=list(expected.get("avoid") or []),
    )


def extracted_brief(thread: Sequence[Message]) -> Brief:
    from cutroom.core.backends import Backends

    return Backends.embedded().extractor.extract(thread).brief


def score_plan(
    plan: Plan, thread: Sequence[Message], expected: dict[str, Any], score: Score, name: str
) -> None:
    lines = copy_lines(plan)
    texts = [t for _, t in lines]
    joined = _norm(" \n ".join(texts))
    thread_text = " ".join(m.text for m in thread)
    stated = _numbers(thread_text)
    score.threads += 1
    score.lines += len(lines)
    score.suggested_lines += sum(
        1 for s in plan.shots for f in ("on_screen_text", "voice_over") if s.suggested(f)
    ) + sum(1 for f in ("title", "hook", "cta") if (src := plan.sources.get(f)) is None or src.suggested)

    names = expected.get("product") or expected.get("brand") or []
    if names:
        score.product_total += 1
        if any(_norm(n) in joined for n in names):
            score.product_named += 1
        else:
            score.misses.append(f"{name}: product {names[0]!r} not named")
    for fact in expected.get("must_include") or []:
        score.must_total += 1
        if _norm(fact) in joined:
            score.must_found += 1
        else:
            score.misses.append(f"{name}: must-include {fact!r} missing")
    ctas = expected.get("call_to_action") or []
    if ctas:
        score.cta_total += 1
        said = [plan.cta.text, *(s.voice_over for s in plan.shots)]
        if any(_norm(c) in _norm(t) for c in ctas for t in said):
            score.cta_kept += 1
        else:
            score.misses.append(f"{name}: CTA {ctas[0]!r} not kept (got {plan.cta.text!r})")
    app_ad = expected.get("goal") == "app_install" or bool(
        re.search(r"\b(?:app|software|platform)\b", " ".join(expected.get("product") or []), re.I)
    )
    for where, text in lines:
        if _numbers(text) - stated:
            score.invented.append(f"{name}: {where}: {text}")
        if PLACEHOLDER.search(text) or not text.strip():
            score.placeholders.append(f"{name}: {where}: {text!r}")
        if not app_ad:
            words = {w.lower() for w in APP_WORDS.findall(text)}
            if any(not re.search(rf"\b{w}\b", thread_text, re.I) for w in words):
                score.foreign.append(f"{name}: {where}: {text}")


def run(corpus: Path, *, labels: bool, seed: int = 0, show: bool = False) -> Score:
    score = Score()
    files = sorted(corpus.glob("*.json"))
    if not files:
        raise SystemExit(f"No threads (*.json) in {corpus}.")
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        thread = [Message.model_validate(m) for m in data["messages"]]
        brief = labelled_brief(data["expected"]) if labels else extracted_brief(thread)
        plan = plan_ad(brief, seed=seed, thread=thread)
        score_plan(plan, thread, data["expected"], score, data.get("name", path.stem))
        if show:
            print(f"== {path.stem}", file=sys.stderr)
            for where, text in copy_lines(plan):
                print(f"   {where}: {text}", file=sys.stderr)
            for notice in plan.notices:
                print(f"   notice: {notice}", file=sys.stderr)
    return score


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("tests/fixtures/briefs/test"))
    parser.add_argument("--labels", action="store_true", help="plan the labelled briefs (the planner alone)")
    parser.add_argument("--both", action="store_true", help="report extracted and labelled briefs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", action="store_true", help="print every plan's lines to stderr")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    modes = [False, True] if args.both else [args.labels]
    for labels in modes:
        score = run(args.corpus, labels=labels, seed=args.seed, show=args.show)
        row = {"corpus": str(args.corpus), "briefs": "labels" if labels else "extracted", **score.row()}
        print(json.dumps(row))
        if args.misses:
            for line in [*score.misses, *score.invented, *score.placeholders, *score.foreign]:
                print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
