"""One factory for the vector store, so ingest and query can never disagree on model or place."""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlparse

from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from config.errors import EmbeddingModelMismatch, StoreError
from config.settings import Settings

logging.getLogger("chromadb.telemetry").setLevel(logging.CRITICAL)

MODEL_KEY = "embedding_model"


def chroma_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise StoreError(f"GUIDE_CHROMA_URL is not a URL: {settings.chroma_url!r}")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises ValueError/ConnectionError variants
            raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") \
                from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


_FRESH = threading.Lock()


def fresh_collection(settings: Settings, model_id: str) -> Any:
    """The collection as the store holds it now, whoever wrote it.

    An embedded client keeps the index in memory, once per process and path, and never sees
    what another process (``guide ingest``, the upload worker) wrote since: vectors added
    there fail with "Error finding id". So each call opens a client of its own, outside
    chromadb's per-path cache, and leaves the cached one (any writer's in this process) as it
    was. A collection is only read through; chromadb drops the client with its last
    reference. A server client is never stale and is opened plainly.
    """
    if settings.chroma_url:
        return open_collection(settings, model_id)
    from chromadb.api.shared_system_client import SharedSystemClient as Shared

    identifier = str(settings.chroma_dir)
    with _FRESH:
        kept = (Shared._identifier_to_system.pop(identifier, None),
                Shared._identifier_to_refcount.pop(identifier, None))
        try:
            return open_collection(settings, model_id)
        finally:
            Shared._identifier_to_system.pop(identifier, None)
            Shared._identifier_to_refcount.pop(identifier, None)
            if kept[0] is not None:
                Shared._identifier_to_system[identifier] = kept[0]
            if kept[1] is not None:
                Shared._identifier_to_refcount[identifier] = kept[1]


def forget_clients(settings: Settings) -> None:
    """Make the next embedded client of this process open the store afresh (a long-lived
    writer, such as the upload worker, calls this before each job)."""
    if settings.chroma_url:
        return
    from chromadb.api.shared_system_client import SharedSystemClient as Shared

    with _FRESH:
        Shared._identifier_to_system.pop(str(settings.chroma_dir), None)
        Shared._identifier_to_refcount.pop(str(settings.chroma_dir), None)


def where(settings: Settings) -> str:
    return settings.chroma_url or str(settings.chroma_dir)


def open_collection(settings: Settings, model_id: str, client: Any | None = None) -> Any:
    """The collection, created with the model id recorded; refuses one built with another."""
    client = client or chroma_client(settings)
    try:
        existing = {c.name if hasattr(c, "name") else c for c in client.list_collections()}
        if settings.collection in existing:
            collection = client.get_collection(settings.collection, embedding_function=None)
            recorded = (collection.metadata or {}).get(MODEL_KEY)
            if recorded and recorded != model_id:
                raise EmbeddingModelMismatch(
                    f"the index in {where(settings)} was built with the embedding model "
                    f"{recorded!r}, but Guide is configured with {model_id!r}. Use the same "
                    f"model (GUIDE_EMBEDDING_MODEL) or a new data dir and ingest again."
                )
            return collection
        return client.create_collection(
            settings.collection,
            metadata={MODEL_KEY: model_id, "hnsw:space": "cosine"},
            embedding_function=None,
        )
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"cannot open the vector store at {where(settings)}: {exc}") from exc


def open_vector_store(settings: Settings, embeddings: Embeddings, model_id: str) -> Chroma:
    client = chroma_client(settings)
    open_collection(settings, model_id, client)
    return Chroma(
        client=client, collection_name=settings.collection, embedding_function=embeddings
    )
