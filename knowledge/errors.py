"""Guide's small error hierarchy. Third-party exceptions are mapped where they enter."""


class GuideError(Exception):
    """Base class: the message is written for the person who will read it."""


class IngestError(GuideError):
    """A file could not be indexed; the message says why and what to do."""


class StoreError(GuideError):
    """The vector store or record store could not be used."""


class EmbeddingModelMismatch(StoreError):
    """The index was built with a different embedding model than the one configured."""


class EmbeddingModelTampered(StoreError):
    """The bundled embedding model's weights are not the file Guide was released with."""


class IngestLocked(GuideError):
    """Another ingest run holds the lock on this data dir."""


class DocumentNotFound(GuideError):
    """No indexed document matches what was asked for."""


class RetrievalError(GuideError):
    """Retrieval failed."""


class ModelUnavailable(GuideError):
    """The language model server could not be reached or answered badly."""
