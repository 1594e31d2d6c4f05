"""A deterministic embedder for unit tests: hashed bag of words, so similar texts are close.

It keeps the real tokenizer (``ModelInfo`` of the bundled model) so chunk sizes are real.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import replace

from langchain_core.embeddings import Embeddings

from config.settings import Settings
from knowledge.embeddings import model_info

DIMS = 256


class HashEmbeddings(Embeddings):
    """A ``knowledge.base.Embedder``."""

    def __init__(self, settings: Settings, model_id: str = "test:hash-embeddings") -> None:
        self.info = replace(model_info(settings), model_id=model_id)
        self.embedded = 0

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * DIMS
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            h = int(hashlib.md5(word.encode()).hexdigest(), 16)
            vec[h % DIMS] += 1.0 if (h >> 8) & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)
