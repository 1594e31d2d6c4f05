"""The server path: GUIDE_CHROMA_URL pointing at a real ``chroma run`` on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.errors import StoreError
from config.settings import Settings
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from knowledge.retriever import HybridRetriever
from tests.fakes.embeddings import HashEmbeddings

pytestmark = pytest.mark.integration

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    if not CHROMA.exists() and not shutil.which("chroma"):
        pytest.skip("the chroma command (from the chromadb package) is not installed")
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen(
        [str(CHROMA if CHROMA.exists() else "chroma"), "run", "--path", str(tmp_path / "srv"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited: {(tmp_path / 'chroma.log').read_text()}")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_ingest_and_search_through_chroma_server(tmp_path, chroma_server):
    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_server)
    kb = KnowledgeBase(settings, HashEmbeddings(settings))
    (tmp_path / "mfa.md").write_text("# MFA\n\nCall the IT Service Desk to reset your MFA.\n")
    (tmp_path / "usb.md").write_text("# USB\n\nOnly encrypted memory sticks may be used.\n")
    report = Ingestor(settings, kb).run([tmp_path / "mfa.md", tmp_path / "usb.md"]).summary()
    assert report["added"] == 2 and report["failed"] == []
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally
    hits = HybridRetriever(kb).search("reset MFA service desk", k=1)
    assert hits[0].meta["doc_id"] == "mfa"
    # a second client sees the same collection, with its model recorded
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_server.rsplit(":", 1)[1]))
    collection = client.get_collection("guide")
    assert collection.metadata["embedding_model"] == "test:hash-embeddings"
    assert collection.count() == 2


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port()}")
    kb = KnowledgeBase(settings, HashEmbeddings(settings))
    with pytest.raises(StoreError, match="Chroma server"):
        Ingestor(settings, kb).run([tmp_path])
