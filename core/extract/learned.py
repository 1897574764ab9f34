"""The extractor's learned parts: linear models over named features, fitted on the dev half.

A model is a JSON file in ``data/`` (weights by feature name, a bias, a threshold) written by
``bench/train_extract.py``; a reader describes what it found as features and asks here how
likely each finding is to be right. Without the file the reader keeps the rules' answer.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float = 0.0
    threshold: float = 0.5

    def score(self, features: dict[str, float]) -> float:
        return self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())

    def class_scores(self, features: dict[str, float], classes: list[str]) -> dict[str, float]:
        """A multinomial model's score per class: its weights are keyed ``"<class>|<feature>"``."""
        return {
            c: self.weights.get(f"{c}|bias", 0.0)
            + sum(self.weights.get(f"{c}|{name}", 0.0) * value for name, value in features.items())
            for c in classes
        }

    def probability(self, features: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.score(features)))))


def path(name: str) -> Path:
    return _DATA / f"{name}.json"


@cache
def model(name: str) -> Model | None:
    """The model saved as ``data/<name>.json``, or None when there is none."""
    file = path(name)
    if not file.is_file():
        return None
    data = json.loads(file.read_text(encoding="utf-8"))
    return Model(
        weights={str(k): float(v) for k, v in data["weights"].items()},
        bias=float(data.get("bias", 0.0)),
        threshold=float(data.get("threshold", 0.5)),
    )
