"""Every test gets a clean environment and its own data dir; the network is loopback only."""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from pathlib import Path

import pytest

from config.settings import Settings
from knowledge.base import KnowledgeBase
from tests.fakes.embeddings import HashEmbeddings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "knowledge" / "sample"
# beside the repository (../shared/evaldata); a worktree elsewhere names it explicitly
EVALDATA = Path(os.environ.get("GUIDE_TEST_EVALDATA", ROOT.parent / "shared" / "evaldata"))

_real_connect = socket.socket.connect
# read before the autouse fixture clears GUIDE_* from the environment
POSTGRES_URL = os.environ.get("GUIDE_TEST_DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise OSError(f"tests may not reach the network ({host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def clean_env(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("GUIDE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("GUIDE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def kb(settings) -> KnowledgeBase:
    return KnowledgeBase(settings, HashEmbeddings(settings))


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory, real_embeddings) -> KnowledgeBase:
    """The bundled sample knowledge base, indexed with the real model, once per module."""
    import shutil

    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("sample-kb")
    shutil.copytree(SAMPLE, root / "kb")
    settings = Settings(data_dir=root / "data")
    kb = KnowledgeBase(settings, real_embeddings)
    assert Ingestor(settings, kb).run([root / "kb"]).ok
    return kb


@pytest.fixture(scope="module")
def hashed_kb(tmp_path_factory) -> KnowledgeBase:
    """The sample knowledge base with the fake embedder, once per module: for tests that
    need its documents and titles, not the real model's ranking."""
    import shutil

    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("hashed-kb")
    shutil.copytree(SAMPLE, root / "kb")
    settings = Settings(data_dir=root / "data")
    kb = KnowledgeBase(settings, HashEmbeddings(settings))
    assert Ingestor(settings, kb).run([root / "kb"]).ok
    return kb


@pytest.fixture(scope="session")
def real_embeddings():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    from knowledge.embeddings import MiniLMEmbeddings

    return MiniLMEmbeddings(Settings(data_dir=Path("/nonexistent")))


def postgres_schema_url() -> tuple[str, str]:
    """A fresh schema in the test PostgreSQL, or a skip saying why there is none."""
    from sqlalchemy import create_engine, text

    schema = f"guide_test_{uuid.uuid4().hex[:12]}"
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} "
                    f"(set GUIDE_TEST_DATABASE_URL): {type(exc).__name__}: {exc}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", schema


def drop_postgres_schema(schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def usage_db_url(request, tmp_path):
    """The usage log's database: SQLite in tmp_path, then a schema in the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'usage.sqlite3'}"
        return
    url, schema = postgres_schema_url()
    yield url
    drop_postgres_schema(schema)
