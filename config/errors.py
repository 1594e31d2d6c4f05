"""Guide's small error hierarchy. Third-party exceptions are mapped where they enter.

Every exception Guide raises on purpose is a ``GuideError``: its message is written for the
person who will read it, so a command prints it as one line and a channel as a friendly reply.
"""


class GuideError(Exception):
    """Base class: the message is written for the person who will read it."""

    exit_code = 2  # what a command exits with when this ends it


class IngestError(GuideError):
    """A file could not be indexed; the message says why and what to do."""


class IngestLocked(GuideError):
    """Another ingest run holds the lock on this data dir."""


class StoreError(GuideError):
    """The vector store or record store could not be used."""


class EmbeddingModelMismatch(StoreError):
    """The index was built with a different embedding model than the one configured."""


class EmbeddingModelTampered(StoreError):
    """The bundled embedding model's weights are not the file Guide was released with."""


class DocumentNotFound(GuideError):
    """No indexed document matches what was asked for."""


class DatabaseUnavailable(GuideError):
    """The usage log's database could not be reached or used."""

    exit_code = 1


class AccountError(GuideError):
    """A clear reason a web account could not be created or used."""


class ModelUnavailable(GuideError):
    """The language model server could not be reached or answered badly."""


class QuoteCheckFailed(GuideError):
    """The model's reply did not check out (not JSON, or a quote not in its source)."""
