"""Fit the extractor's learned parts (core/extract/learned.py) on the development half, and only on it.

    .venv/bin/python bench/train_extract.py product|brand|goal [--folds 5] [--l2 0.02] [--write]

product  the product ranker (core/extract/ranking.py). Every dev thread is read by the rules
         alone (``learned_parts=frozenset()``); each candidate span gets its features and a
         label: right when bench/extract.py would score it right as the product. A
         conditional-logit model: a softmax over one thread's candidates, several right spans
         sharing the credit.
brand    the maker, the same way, with "no separate brand" as one more candidate and features
         for how a candidate sits beside the product the ranker settled on.
goal     where a thread implies its goal, a softmax regression over which goal cue is said (in
         the thread, in the CTA), a price, and the hand weights' choice.

Each is fitted by gradient descent (Adam) with an L2 penalty. ``--folds`` prints cross-validated
figures next to the readers' own, so a change is judged on threads the fit did not see;
``--write`` saves the model fitted on all of dev under core/extract/data/. Refit after changing
a reader: the models weigh what the readers chose. The test half is never read here.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(REPO)

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from bench.extract import load_half, messages_of, score_thread  # noqa: E402
from cutroom.core.extract import fields, learned, ranking  # noqa: E402
from cutroom.core.extract.fields import read_thread  # noqa: E402
from cutroom.core.extract.rules import BOT_AUTHORS, HeuristicExtractor  # noqa: E402
from cutroom.core.models import BrandKit, Brief, Message  # noqa: E402


def _context(messages: list[Message], ruled: Brief, characters: list[str]) -> ranking.Thread:
    """The ranker's view of a thread as merge builds it: the messages people sent, what the
    readers alone chose, and every product the whole-thread pass proposed."""
    said = [(m.author, m.text) for m in messages if m.author.lower() not in BOT_AUTHORS]
    found = read_thread(said, lists=False)
    return ranking.thread_of(
        said,
        rules_product=ruled.product,
        rules_brand=ruled.brand.name,
        characters=characters,
        proposed=[str(c.value) for c in found.candidates.get("product", [])],
    )


def examples(
    threads: list[dict[str, Any]],
) -> list[tuple[str, list[str], list[dict[str, float]], list[bool], bool]]:
    """(name, candidates, features, right, rules_right) per thread with at least one right candidate."""
    rules_only = HeuristicExtractor(learned_parts=frozenset())
    out = []
    for thread in threads:
        expected = thread["expected"]
        if not expected.get("product"):
            continue
        messages = messages_of(thread)
        brief = rules_only.extract(messages).brief
        context = _context(messages, brief, brief.characters)
        names = ranking.candidates(context)
        right = [_right(expected, name) for name in names]
        if not any(right):
            continue
        rules_right = score_thread(expected, brief)["product"]
        out.append((thread["name"], names, [ranking.features(n, context) for n in names], right, rules_right))
    return out


def _right(expected: dict[str, Any], name: str) -> bool:
    return score_thread(expected, Brief(product=name))["product"]


def fit(data: list[tuple[Any, ...]], names: list[str], *, l2: float = 0.02, steps: int = 1500) -> np.ndarray:
    """Softmax over each thread's candidates, gradient descent (Adam) on the mean log loss."""
    blocks = [
        (np.array([[f.get(n, 0.0) for n in names] for f in feats]), np.array(right, dtype=float))
        for _, _, feats, right, _ in data
    ]
    w = np.zeros(len(names))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, steps + 1):
        grad = l2 * w
        for x, y in blocks:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            q = p * y
            q /= q.sum()
            grad += x.T @ (p - q) / len(blocks)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def top_right(data: list[tuple[Any, ...]], names: list[str], w: np.ndarray) -> float:
    hits = 0
    for _, _, feats, right, _ in data:
        scores = [sum(w[i] * f.get(n, 0.0) for i, n in enumerate(names)) for f in feats]
        hits += right[int(np.argmax(scores))]
    return hits / max(1, len(data))


def brand_examples(
    threads: list[dict[str, Any]],
) -> list[tuple[str, list[str], list[dict[str, float]], list[bool], bool]]:
    """Like ``examples`` for the maker: every candidate and "no brand", scored by the bench's
    brand rule beside the product the extractor settles on (the product ranker on)."""
    rules_only = HeuristicExtractor(learned_parts=frozenset())
    with_product = HeuristicExtractor(learned_parts=frozenset({"product"}))
    out = []
    for thread in threads:
        expected = thread["expected"]
        messages = messages_of(thread)
        ruled = rules_only.extract(messages).brief
        brief = with_product.extract(messages).brief
        context = _context(messages, ruled, brief.characters)
        product = brief.product or ""
        names = [ranking.NONE, *ranking.candidates(context)]
        right = [
            score_thread(
                expected,
                Brief(product=product or None, brand=BrandKit(name=None if n == ranking.NONE else n)),
            )["brand"]
            for n in names
        ]
        if not any(right):
            continue
        rules_right = score_thread(expected, brief)["brand"]
        out.append(
            (
                thread["name"],
                names,
                [ranking.brand_features(n, context, product) for n in names],
                right,
                rules_right,
            )
        )
    return out


GoalThread = tuple[str, dict[str, float], str, bool]


def goal_examples(threads: list[dict[str, Any]]) -> list[GoalThread]:
    """(name, features, expected goal, rules right) for each dev thread whose goal is not stated
    in so many words and whose words imply one (a stated goal is taken as said; with no cue at
    all the goal stays the default)."""
    out = []
    for thread in threads:
        messages = messages_of(thread)
        said = [(m.author, m.text) for m in messages if m.author.lower() not in BOT_AUTHORS]
        brief = HeuristicExtractor(learned_parts=frozenset()).extract(messages).brief
        cta = brief.call_to_action
        text = "\n".join(t[: fields._GOAL_READ] for _, t in said if not fields.is_injection(t))
        stated, confidence = fields.goal_of(said, cta)
        if confidence >= fields.LABELLED:
            continue
        ruled, _ = fields.infer_goal(text, cta)
        if ruled is None:
            continue  # no cue at all: the model is not asked
        expected = thread["expected"]["goal"]
        out.append(
            (
                thread["name"],
                fields.goal_features(text, cta, ruled),
                expected,
                (ruled or "awareness") == expected,
            )
        )
    return out


def fit_multinomial(
    data: list[GoalThread], names: list[str], classes: list[str], *, l2: float, steps: int = 1200
) -> np.ndarray:
    """Weights (classes x features+bias) of a softmax regression, Adam on the mean log loss."""
    x = np.array([[f.get(n, 0.0) for n in names] + [1.0] for _, f, _, _ in data])
    y = np.array([[float(goal == c) for c in classes] for _, _, goal, _ in data])
    w = np.zeros((len(classes), len(names) + 1))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, steps + 1):
        s = x @ w.T
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = (p - y).T @ x / len(data) + l2 * np.concatenate(
            [w[:, :-1], np.zeros((len(classes), 1))], axis=1
        )
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w


def goal_right(data: list[GoalThread], names: list[str], classes: list[str], w: np.ndarray) -> float:
    hits = 0
    for _, f, goal, _ in data:
        s = w @ np.array([f.get(n, 0.0) for n in names] + [1.0])
        hits += classes[int(np.argmax(s))] == goal
    return hits / max(1, len(data))


def train_goal(args: argparse.Namespace) -> None:
    data = goal_examples(load_half(args.root, "dev"))
    classes = list(fields._GOAL_ORDER)
    names = sorted({n for _, f, _, _ in data for n in f})
    order = list(range(len(data)))
    random.Random(7).shuffle(order)
    cv = 0.0
    for k in range(args.folds):
        held_ids = set(order[k :: args.folds])
        w = fit_multinomial([data[i] for i in order if i not in held_ids], names, classes, l2=args.l2)
        cv += goal_right([data[i] for i in held_ids], names, classes, w) * len(held_ids)
    print(f"dev threads with an implied goal: {len(data)}")
    print(
        f"rules alone right: {sum(d[3] for d in data) / len(data):.1%}   model, {args.folds}-fold cross-validated: {cv / len(data):.1%}"
    )
    w = fit_multinomial(data, names, classes, l2=args.l2)
    print(f"fitted on all of dev, on dev: {goal_right(data, names, classes, w):.1%}")
    if args.write:
        flat = [f"{c}|{n}" for c in classes for n in [*names, "bias"]]
        save("goal_model", flat, w.reshape(-1), threads=len(data), l2=args.l2)


def save(
    name: str,
    names: list[str],
    w: np.ndarray,
    *,
    bias: float = 0.0,
    threshold: float = 0.5,
    threads: int,
    l2: float,
) -> None:
    out = learned.path(name)
    weights = {n: round(float(x), 4) for n, x in zip(names, w, strict=True) if abs(x) >= 1e-3}
    out.write_text(
        json.dumps(
            {
                "_about": f"{name}: fitted by bench/train_extract.py on the dev half only.",
                "threads": threads,
                "l2": l2,
                "bias": round(bias, 4),
                "threshold": threshold,
                "weights": weights,
            },
            indent=1,
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out.relative_to(REPO)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=("product", "brand", "goal"))
    parser.add_argument("--root", type=Path, default=REPO / "tests" / "fixtures" / "briefs")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=0.02)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--without", default="", help="comma-separated features left out")
    parser.add_argument("--only", default="", help="a file of thread names: report CV on these too")
    args = parser.parse_args(argv)
    if args.model == "goal":
        train_goal(args)
        return 0
    data = (brand_examples if args.model == "brand" else examples)(load_half(args.root, "dev"))
    left_out = {n for n in args.without.split(",") if n}
    names = sorted({n for _, _, feats, _, _ in data for f in feats for n in f} - left_out)
    only = set(Path(args.only).read_text().split()) if args.only else set()
    rules = sum(r for *_, r in data) / len(data)
    order = list(range(len(data)))
    random.Random(7).shuffle(order)
    cv_hits = 0.0
    only_hits = only_rules = only_n = 0.0
    for k in range(args.folds):
        held = [data[i] for i in order[k :: args.folds]]
        kept = [data[i] for i in order if i not in set(order[k :: args.folds])]
        w = fit(kept, names, l2=args.l2)
        cv_hits += top_right(held, names, w) * len(held)
        subset = [d for d in held if d[0] in only]
        only_hits += top_right(subset, names, w) * len(subset)
        only_rules += sum(d[4] for d in subset)
        only_n += len(subset)
    if only_n:
        print(
            f"on --only ({only_n:.0f}): rules {only_rules / only_n:.1%}, ranker CV {only_hits / only_n:.1%}"
        )
    print(f"dev threads with a right candidate: {len(data)}")
    print(
        f"rules alone right: {rules:.1%}   ranker, {args.folds}-fold cross-validated: {cv_hits / len(data):.1%}"
    )
    w = fit(data, names, l2=args.l2)
    print(f"ranker fitted on all of dev, on dev: {top_right(data, names, w):.1%}")
    for i in np.argsort(-np.abs(w))[:15]:
        print(f"  {names[i]:<22} {w[i]:+.2f}")
    if args.write:
        save(f"{args.model}_ranker", names, w, threads=len(data), l2=args.l2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
