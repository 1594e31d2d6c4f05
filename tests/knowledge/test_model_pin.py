"""The bundled embedding model is pinned by the sha256 of its weights: a changed file is
refused at load, with a message that says what to do; the hash is computed once."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace

import pytest

from config.errors import EmbeddingModelTampered, GuideError
from config.settings import Settings
from knowledge import embeddings
from knowledge.embeddings import (
    BUNDLED_SHA256,
    MiniLMEmbeddings,
    ModelInfo,
    model_info,
    verify_weights,
)


def fake_model_dir(tmp_path, weights: bytes):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (model / "model.safetensors").write_bytes(weights)
    return model


def test_bundled_model_is_pinned_to_upstream_hash(settings):
    info = model_info(settings)
    assert info.sha256 == BUNDLED_SHA256
    assert info.sha256 == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def test_tampered_weights_are_refused_before_loading(tmp_path, settings):
    model = fake_model_dir(tmp_path, b"not the weights Guide was released with")
    info = ModelInfo(model, "sentence-transformers/all-MiniLM-L6-v2", 254, BUNDLED_SHA256)
    embedder = MiniLMEmbeddings(settings, info)
    with pytest.raises(EmbeddingModelTampered) as refused:
        embedder.embed_query("Can I email a risk assessment to the council?")
    assert isinstance(refused.value, GuideError)
    message = str(refused.value)
    assert "refusing to load" in message and BUNDLED_SHA256 in message
    assert hashlib.sha256(b"not the weights Guide was released with").hexdigest() in message
    assert "reinstall" in message


def test_missing_weights_are_refused(tmp_path):
    model = fake_model_dir(tmp_path, b"")
    (model / "model.safetensors").unlink()
    with pytest.raises(EmbeddingModelTampered, match=r"no readable model\.safetensors"):
        verify_weights(ModelInfo(model, "x", 254, BUNDLED_SHA256))


def test_matching_weights_pass_and_are_hashed_once(tmp_path, monkeypatch):
    weights = b"pretend weights"
    model = fake_model_dir(tmp_path, weights)
    info = ModelInfo(model, "x", 254, hashlib.sha256(weights).hexdigest())
    embeddings._sha256.cache_clear()
    opened = []
    real_sha256 = hashlib.sha256
    monkeypatch.setattr(embeddings.hashlib, "sha256", lambda: opened.append(1) or real_sha256())
    verify_weights(info)
    verify_weights(info)
    assert opened == [1]  # the 90 MB file is read once per process
    # a file changed in place (new size and mtime) is hashed again, and refused
    (model / "model.safetensors").write_bytes(weights + b" and a change")
    with pytest.raises(EmbeddingModelTampered):
        verify_weights(info)
    assert len(opened) == 2


def test_copied_bundled_model_with_one_byte_changed_is_refused(tmp_path, settings):
    """A real copy of the bundled model, one byte of its weights flipped."""
    source = model_info(settings).path
    copy = tmp_path / "copy"
    shutil.copytree(source, copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(EmbeddingModelTampered, match="refusing to load"):
        verify_weights(replace(model_info(settings), path=copy))


def test_operator_model_is_not_pinned(tmp_path):
    model = fake_model_dir(tmp_path, b"their own model")
    info = model_info(Settings(data_dir=tmp_path / "data", embedding_model=str(model)))
    assert info.sha256 is None
    verify_weights(info)  # theirs to vouch for
