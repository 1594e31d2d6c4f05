"""The route stage: whether a message asks Guide to set its rules aside (or show them), judged
by meaning. A logistic regression over the bundled MiniLM's embedding of the message, learned
from written examples and their look-alike legitimate questions (training/train_router.py),
that also knows pasted case notes and requests for a person but routes only the kinds listed
in its thresholds; each counts only above the probability at which no held-apart legitimate
message was taken for it.

Only general rules stay ahead of it (``assistant.refusals``: unmistakable injection
markers; ``assistant.guard``: identifiers). With another embedder the router stands aside."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

NONE = "none"


@dataclass(frozen=True)
class Router:
    model_id: str
    classes: tuple[str, ...]
    coef: np.ndarray  # classes x dimensions
    intercept: np.ndarray
    thresholds: dict[str, float]  # the kinds routed on, each with its threshold

    @classmethod
    def load(cls) -> Router:
        raw = json.loads(resources.files("assistant").joinpath("defaults/router.json")
                         .read_text(encoding="utf-8"))
        return cls(raw["model_id"], tuple(raw["classes"]),
                   np.asarray(raw["coef"], dtype=np.float32),
                   np.asarray(raw["intercept"], dtype=np.float32), dict(raw["thresholds"]))

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        logits = self.coef @ np.asarray(vector, dtype=np.float32) + self.intercept
        exp = np.exp(logits - logits.max())
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))

    def kind(self, vector: np.ndarray) -> str | None:
        """The kind of request the message (its unit vector) makes, or None."""
        probs = self.probabilities(vector)
        over = {k: p for k, p in probs.items() if k in self.thresholds and p >= self.thresholds[k]}
        return max(over, key=over.__getitem__) if over else None
