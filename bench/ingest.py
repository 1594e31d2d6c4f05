"""``guide bench ingest``: ingest throughput beside the raw embedding throughput it is bound by."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from config.settings import Settings
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from knowledge.embeddings import MiniLMEmbeddings

DEFAULT_CORPORA = [Path("../shared/evaldata/docs"), Path(__file__).parent.parent / "knowledge"
                   / "sample"]


def default_corpus() -> Path:
    return next(p for p in DEFAULT_CORPORA if p.exists())


def run(settings: Settings, corpus: Path | None, dtype: str | None) -> dict[str, Any]:
    """Ingest a corpus into a fresh index, then embed the same chunks with
    sentence-transformers alone; both, and a second (incremental) run."""
    corpus = corpus or default_corpus()
    with tempfile.TemporaryDirectory(prefix="guide-bench-") as tmp:
        overrides: dict[str, Any] = {"data_dir": Path(tmp)}
        if dtype:
            overrides["embedding_dtype"] = dtype
        settings = settings.model_copy(update=overrides)
        embeddings = MiniLMEmbeddings(settings)
        embeddings.embed_documents(["warm up the model"] * 8)  # load outside the timings
        kb = KnowledgeBase(settings, embeddings)
        ingestor = Ingestor(settings, kb)

        first = ingestor.run([corpus])
        second = ingestor.run([corpus])
        stored = kb.collection.get(include=["documents"])
        texts = stored["documents"]

        started = time.perf_counter()
        embeddings.model.encode(texts, batch_size=settings.embedding_batch_size,
                                normalize_embeddings=True, show_progress_bar=False)
        raw = time.perf_counter() - started

    figures = {
        "corpus": str(corpus),
        "dtype": embeddings.dtype,
        "files_indexed": len(first.paths("added")),
        "files_failed": len(first.failed),
        "pages": first.pages,
        "chunks": len(texts),
        "ingest_seconds": round(first.seconds, 2),
        "ingest_pages_per_s": round(first.pages / first.seconds, 1),
        "ingest_chunks_per_s": round(len(texts) / first.seconds, 1),
        "raw_embed_seconds": round(raw, 2),
        "raw_embed_chunks_per_s": round(len(texts) / raw, 1),
        "ingest_over_raw": round(first.seconds / raw, 2),
        "rerun_seconds": round(second.seconds, 2),
        "rerun_fraction": round(second.seconds / first.seconds, 3),
        "rerun_chunks_embedded": second.chunks_embedded,
    }
    return figures
