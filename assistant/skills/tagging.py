"""Tag a question with the skill areas it concerns, by embedding similarity to the framework's
statements and their example questions (the knowledge base's own embedder: no other model).

Each statement and example is one probe, embedded once (and cached on disk by the knowledge
base's cache). A question takes the area of its best probe when that similarity reaches
``threshold``, and a second area when its best probe is nearly as close (within ``margin``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.skills.framework import Framework, current_framework, framework_path

Embed = Callable[[list[str]], Sequence[Sequence[float]]]
MAX_AREAS = 2


def unit(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True).clip(1e-12)


class AreaTagger:
    def __init__(self, framework: Framework, embed_documents: Embed, embed_query: Callable[
            [str], Sequence[float]], threshold: float, margin: float = 0.05) -> None:
        self.framework = framework
        self.embed_query = embed_query
        self.threshold = threshold
        self.margin = margin
        probes: list[str] = []
        self.areas: list[str] = []
        for area in framework.areas:
            for statement in area.statements:
                for text in (statement.text, *statement.examples):
                    probes.append(text)
                    self.areas.append(area.id)
        self.matrix = unit(embed_documents(probes))

    def scores(self, question: str) -> dict[str, float]:
        """The best similarity of the question to each area's probes."""
        sims = self.matrix @ unit([self.embed_query(question)])[0]
        best: dict[str, float] = {}
        for area, sim in zip(self.areas, sims.tolist(), strict=True):
            if sim > best.get(area, -1.0):
                best[area] = sim
        return best

    def tag(self, question: str | None) -> list[str]:
        if not question or not question.strip():
            return []
        ranked = sorted(self.scores(question).items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] < self.threshold:
            return []
        top = ranked[0][1]
        return [area for area, sim in ranked[:MAX_AREAS]
                if sim >= self.threshold and top - sim <= self.margin]


class FrameworkTagger:
    """The tagger for the framework in use, rebuilt when trainers load a new one."""

    def __init__(self, data_dir: Path, embed_documents: Embed,
                 embed_query: Callable[[str], Sequence[float]], threshold: float) -> None:
        self.data_dir = data_dir
        self.embed_documents = embed_documents
        self.embed_query = embed_query
        self.threshold = threshold
        self._lock = threading.Lock()
        self._built: tuple[float | None, AreaTagger] | None = None

    def current(self) -> AreaTagger:
        path = framework_path(self.data_dir)
        stamp = path.stat().st_mtime if path.exists() else None
        with self._lock:
            if self._built is None or self._built[0] != stamp:
                tagger = AreaTagger(current_framework(self.data_dir), self.embed_documents,
                                    self.embed_query, self.threshold)
                self._built = (stamp, tagger)
            return self._built[1]

    def tag(self, question: str | None) -> list[str]:
        return self.current().tag(question)
