"""Every test gets a clean environment and its own data dir; the network is loopback only."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.settings import Settings
from tests.fakes.embeddings import HashEmbeddings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "knowledge" / "sample"
EVALDATA = ROOT.parent / "shared" / "evaldata"

_real_connect = socket.socket.connect


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


@pytest.fixture(scope="session")
def real_embeddings():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    from knowledge.embeddings import MiniLMEmbeddings

    return MiniLMEmbeddings(Settings(data_dir=Path("/nonexistent")))
