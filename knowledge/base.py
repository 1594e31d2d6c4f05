"""``KnowledgeBase``: the store as ingest and retrieval see it.

Vector store (Chroma), LangChain's SQL record manager (what is indexed, by content hash) and
the document catalogue, built from one Settings so both paths use the same model and place.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Protocol

from langchain_classic.embeddings import CacheBackedEmbeddings
from langchain_classic.indexes import SQLRecordManager
from langchain_classic.storage import LocalFileStore
from langchain_core.documents import Document
from langchain_core.indexing import IndexingResult, index

from config.settings import Settings
from knowledge.catalog import Catalog
from knowledge.embeddings import MiniLMEmbeddings, ModelInfo, model_info
from knowledge.store import open_collection, open_vector_store


class Embedder(Protocol):
    """What the store needs of an embedding model: the bundled MiniLM, or a test's fake."""

    info: ModelInfo  # the model's files (its tokenizer sizes chunks) and the id recorded

    @property
    def embedded(self) -> int:
        """Passages embedded so far in the calling thread (an ingest counts its own)."""
        ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class KnowledgeBase:
    def __init__(self, settings: Settings, embeddings: Embedder | None = None) -> None:
        settings.ensure_dirs()
        self.settings = settings
        self.model = embeddings.info if embeddings else model_info(settings)
        self._embeddings = embeddings

    @property
    def given_embeddings(self) -> Embedder | None:
        """The embedder this was built with, if not the configured model: what a worker
        process needs (with the settings) to open the same knowledge base."""
        return self._embeddings

    @cached_property
    def embeddings(self) -> Embedder:
        return self._embeddings or MiniLMEmbeddings(self.settings, self.model)

    @cached_property
    def cached_embeddings(self) -> CacheBackedEmbeddings:
        """Passages already embedded once (by text) are never embedded again."""
        store = LocalFileStore(self.settings.embedding_cache_dir)
        return CacheBackedEmbeddings.from_bytes_store(
            self.embeddings, store,  # type: ignore[arg-type]  # duck-typed Embeddings
            key_encoder="sha256",
            namespace=re.sub(r"[^A-Za-z0-9_.-]", "_", self.model.model_id) + "-",
            batch_size=512,
        )

    @cached_property
    def vector_store(self) -> Any:
        return open_vector_store(self.settings, self.cached_embeddings, self.model.model_id)

    @cached_property
    def collection(self) -> Any:
        return open_collection(self.settings, self.model.model_id)

    @cached_property
    def record_manager(self) -> SQLRecordManager:
        manager = SQLRecordManager(
            f"chroma/{self.settings.collection}", db_url=self.settings.records_db_url
        )
        manager.create_schema()
        return manager

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.records_db_url, engine=self.record_manager.engine)

    def open(self) -> None:
        """Open the store now, so a missing server or a model mismatch is reported up front."""
        _ = self.vector_store

    def index_chunks(self, chunks: list[Document]) -> IndexingResult:
        """Index one file's chunks: new ones added, its chunks that are gone deleted."""
        return index(
            chunks,
            self.record_manager,
            self.vector_store,
            cleanup="incremental",
            source_id_key="source",
            key_encoder="sha256",
            batch_size=256,
        )

    def remove_source(self, source: str) -> int:
        """Delete every chunk of one file and its catalogue row; returns chunks deleted."""
        keys = self.record_manager.list_keys(group_ids=[source])
        if keys:
            self.vector_store.delete(ids=keys)
            self.record_manager.delete_keys(keys)
        # and any chunk of it a killed ingest wrote to the store but never recorded
        self.collection.delete(where={"source": source})
        self.catalog.remove(source)
        return len(keys)

    def chunk_count(self) -> int:
        return int(self.collection.count())
