"""The rerank stage: the hybrid retriever's candidates reordered by Guide's relevance model
(``knowledge.reranker``), and the calibrated probability that the best of them answers the
question, which the judge reads instead of hand-weighted signals."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.metadata_fields import chunk_body
from knowledge.reranker import Reranker
from knowledge.retriever import Retrieved

DEPTH = 20  # candidates scored: the hybrid top 20 holds the answer for ~0.9 of questions


def model_text(hit: Retrieved) -> str:
    """A passage as the model was trained to read it: where it sits, then its words."""
    meta = hit.meta
    where = " > ".join(x for x in (meta.get("title", ""), meta.get("heading_path", "")) if x)
    return f"{where}\n{chunk_body(hit.text, meta)}"


@dataclass
class Reranked:
    hits: list[Retrieved]  # best first by the model; those past DEPTH keep their order after
    logits: list[float] = field(default_factory=list)  # of ``hits[:len(logits)]``
    probability: float = 0.0  # that the best passage answers (calibrated)


def rerank(model: Reranker, question: str, hits: list[Retrieved], depth: int = DEPTH
           ) -> Reranked:
    head, tail = hits[:depth], hits[depth:]
    if not head:
        return Reranked(hits)
    logits = model.scores(question, [model_text(h) for h in head])
    order = sorted(range(len(head)), key=lambda i: -logits[i])  # stable: ties keep rank
    return Reranked([head[i] for i in order] + tail, [logits[i] for i in order],
                    model.probability(logits[order[0]]))
