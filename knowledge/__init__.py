"""The knowledge store: embedder, vector store, record manager and document catalogue."""
