"""Guide's relevance model: "does this passage answer this question?", scored by a
cross-encoder Guide trains itself (training/train_reranker.py, from the bundled MiniLM's
weights, on questions written over guidance that is not evaluation data) and ships as int8
ONNX in knowledge/models/reranker/ (see its MODEL_CARD.md).

The weights' sha256 is checked at load, and a changed or missing file is refused with a
clear error; the model is loaded once per process and runs offline on onnxruntime. Its logit
is turned into a probability by the Platt fit kept beside it (fitted on the training
validation split), and ``answer_threshold`` is where answering starts to be right more often
than not on those rows.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from config.errors import StoreError

SHIPPED = Path(__file__).resolve().parent / "models" / "reranker"
BATCH = 32


class RerankerError(StoreError):
    """The relevance model's files are missing or not the ones shipped."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Reranker:
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer
    a: float = 1.0
    b: float = 0.0
    answer_threshold: float = 0.5
    unsure_threshold: float = 0.25  # below answering, at least this: point to the closest
    name: str = "reranker"

    @classmethod
    def load(cls, directory: Path = SHIPPED, threads: int = 1) -> Reranker:
        """Open the model in ``directory``, refusing weights whose sha256 is not recorded."""
        import onnxruntime
        from tokenizers import Tokenizer

        config_path = directory / "reranker.json"
        if not config_path.is_file():
            raise RerankerError(f"no relevance model at {directory} (reranker.json missing)")
        config = json.loads(config_path.read_text())
        weights = directory / config["weights"]
        if not weights.is_file():
            raise RerankerError(f"the relevance model's weights are missing: {weights}")
        if file_sha256(weights) != config["sha256"]:
            raise RerankerError(f"the relevance model at {weights} is not the one shipped "
                                "(its sha256 differs): reinstall Guide, or retrain and export")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(weights), options,
                                               providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=int(config["max_length"]),
                                    strategy="longest_first")
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        calibration = config.get("calibration") or {}
        threshold = float(calibration.get("answer_threshold", 0.5))
        return cls(session, tokenizer, float(calibration.get("a", 1.0)),
                   float(calibration.get("b", 0.0)), threshold,
                   float(calibration.get("unsure_threshold", threshold / 2)),
                   f"reranker:{config['sha256'][:12]}")

    def scores(self, question: str, passages: list[str]) -> list[float]:
        """One logit a passage, higher when it answers ``question``; deterministic."""
        out: list[float] = []
        for start in range(0, len(passages), BATCH):
            batch = self.tokenizer.encode_batch([(question, p)
                                                 for p in passages[start:start + BATCH]])
            feed = {"input_ids": np.array([e.ids for e in batch], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in batch],
                                               dtype=np.int64),
                    "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64)}
            logits = self.session.run(["logits"], feed)[0]
            out += [float(x) for x in logits.reshape(-1)]
        return out

    def probability(self, logit: float) -> float:
        """The calibrated probability that a passage with this logit answers."""
        return 1.0 / (1.0 + math.exp(-(self.a * logit + self.b)))


_lock = threading.Lock()


@cache
def _shared(directory: Path, threads: int) -> Reranker:
    return Reranker.load(directory, threads)


def shared_reranker(directory: Path = SHIPPED, threads: int = 1) -> Reranker:
    """The model, loaded once per process."""
    with _lock:
        return _shared(directory, threads)


def shipped() -> bool:
    return (SHIPPED / "reranker.json").is_file()
