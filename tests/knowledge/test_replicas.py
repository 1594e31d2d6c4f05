"""Two replicas sharing a Chroma server and PostgreSQL (records, catalogue): a document
uploaded on one is answered from on the other, and removed from both."""

from __future__ import annotations

import pytest

from channels.uploads import DocumentUploads
from config.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.retriever import HybridRetriever
from tests.conftest import drop_postgres_schema, postgres_schema_url
from tests.fakes.embeddings import HashEmbeddings
from tests.knowledge.test_chroma_server import chroma_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration


@pytest.fixture
def shared_db():
    url, schema = postgres_schema_url()
    yield url
    drop_postgres_schema(schema)


def test_an_upload_on_one_replica_is_seen_on_the_other(tmp_path, chroma_server, shared_db):  # noqa: F811
    replicas = []
    for name in "ab":
        settings = Settings(data_dir=tmp_path / name, chroma_url=chroma_server,
                            database_url=shared_db)
        assert settings.records_db_url.startswith("postgresql+psycopg://")
        kb = KnowledgeBase(settings, HashEmbeddings(settings))
        replicas.append((settings, kb, HybridRetriever(kb)))
    (a_settings, a_kb, a_retriever), (_, _, b_retriever) = replicas
    assert b_retriever.search("encrypted usb sticks") == []

    uploads = DocumentUploads(a_settings, a_kb, a_retriever.refresh)
    try:
        incoming = uploads.incoming("usb.md")
        incoming.write_text("# USB sticks\n\nOnly encrypted USB sticks may hold case files.\n")
        outcome = uploads.accept(incoming)
        assert outcome.ok, outcome.reason
        b_retriever.refresh()  # what b's next look at the index (within seconds) does
        assert b_retriever.search("encrypted usb sticks", k=1)[0].meta["doc_id"] == "usb"

        source = str((a_settings.uploads_dir / "usb.md").resolve())
        assert uploads.remove(source) > 0
        b_retriever.refresh()
        assert b_retriever.search("encrypted usb sticks") == []
    finally:
        uploads.worker.close()
