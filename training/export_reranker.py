"""Export a trained reranker (training/train_reranker.py's output) as Guide would ship it:
int8 ONNX through onnxruntime's own dynamic quantiser, beside the tokenizer, with the weight it
is fused with the hybrid ranking by (chosen on the training validation split, never on the
dev sets) and its sha256, then measure the exported model on validation questions: the hybrid
ranking, the model alone, and the two fused. A model is shipped (under --target, loaded by the
answer path) only when it measures better than the hybrid ranking (training/README.md).

    .venv/bin/python training/export_reranker.py /tmp/reranker --fusion-weight 0.08 \
        --target /tmp/reranker-export --check-rows 650:1009
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from training.train_reranker import DEPTH, load, passage_text  # noqa: E402

TARGET = HERE.parent / "knowledge" / "models" / "reranker"


class OnnxScorer:
    """The exported model, run as the answer path would run it: onnxruntime, the model's own
    tokenizer, pairs truncated longest-first to the trained length."""

    def __init__(self, directory: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        config = json.loads((directory / "reranker.json").read_text())
        weights = directory / config["weights"]
        if hashlib.sha256(weights.read_bytes()).hexdigest() != config["sha256"]:
            raise SystemExit(f"{weights} is not the file exported (its sha256 differs)")
        self.session = onnxruntime.InferenceSession(str(weights),
                                                    providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(config["max_length"]),
                                         strategy="longest_first")
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def scores(self, question: str, passages: list[str]) -> list[float]:
        import numpy as np

        batch = self.tokenizer.encode_batch([(question, p) for p in passages])
        feed = {name: np.array([getattr(e, attr) for e in batch], dtype=np.int64)
                for name, attr in (("input_ids", "ids"), ("attention_mask", "attention_mask"),
                                   ("token_type_ids", "type_ids"))}
        return [float(x) for x in self.session.run(["logits"], feed)[0].reshape(-1)]

    @staticmethod
    def relevance(logit: float) -> float:
        return 1.0 / (1.0 + math.exp(-logit))


def export_onnx(model_dir: Path, out: Path, max_length: int) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    sample = tokenizer(["a question"], ["a passage"], return_tensors="pt",
                       padding="max_length", max_length=max_length, truncation=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.onnx"
        torch.onnx.export(
            model, (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(fp32), input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"], opset_version=17, dynamo=False,
            dynamic_axes={n: {0: "batch", 1: "tokens"}
                          for n in ("input_ids", "attention_mask", "token_type_ids")})
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)


def ranking_figures(scorer, mined: list[dict], by_pid: dict[str, dict], weight: float,
                    rows: slice) -> dict:
    """On validation questions (``rows`` of them): the gold passage's rank in the hybrid top
    20, by the hybrid ranking, by the model alone and by the two fused as Guide fuses them."""
    from knowledge.retriever import RRF_K

    picked = [r for r in mined if r["split"] == "validation" and r["status"] == "answered"]
    ranks: dict[str, list[int | None]] = {"hybrid": [], "model": [], "fused": []}
    for row in picked[rows]:
        cands = [c for c in row["candidates"][:DEPTH] if c]
        relevance = [scorer.relevance(x) for x in
                     scorer.scores(row["question"], [passage_text(by_pid[c]) for c in cands])]
        fused = [1 / (RRF_K + n) + weight * r for n, r in enumerate(relevance, start=1)]
        for name, order in (("hybrid", cands),
                            ("model", [c for _, c in sorted(zip(relevance, cands, strict=True),
                                                            key=lambda t: -t[0])]),
                            ("fused", [c for _, c in sorted(zip(fused, cands, strict=True),
                                                            key=lambda t: -t[0])])):
            ranks[name].append(order.index(row["pid"]) + 1 if row["pid"] in order else None)

    def fig(found: list[int | None]) -> dict[str, float]:
        n = len(found) or 1
        return {f"r@{k}": round(sum(1 for r in found if r and r <= k) / n, 3)
                for k in (1, 3, 5)} | {"mrr": round(sum(1 / r for r in found if r) / n, 3)}

    return {"questions": len(ranks["hybrid"])} | {k: fig(v) for k, v in ranks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trained", type=Path, help="train_reranker.py's --out")
    parser.add_argument("--target", type=Path, default=TARGET)
    parser.add_argument("--fusion-weight", type=float, required=True,
                        help="the weight of the model's probability beside the hybrid RRF "
                        "score, chosen on the validation split (see fusion_figures)")
    parser.add_argument("--check-rows", default="0:1009",
                        help="validation questions the shipped model is measured on (a:b)")
    args = parser.parse_args()
    report = json.loads((args.trained / "report.json").read_text())
    max_length = int(report["max_length"])
    args.target.mkdir(parents=True, exist_ok=True)
    onnx_path = args.target / "model.int8.onnx"
    export_onnx(args.trained / "model", onnx_path, max_length)
    shutil.copy(args.trained / "model" / "tokenizer.json", args.target / "tokenizer.json")
    digest = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    config = {"weights": onnx_path.name, "sha256": digest, "max_length": max_length,
              "base": "sentence-transformers/all-MiniLM-L6-v2 (bundled)",
              "fusion_weight": args.fusion_weight, "trained": report}
    (args.target / "reranker.json").write_text(json.dumps(config, indent=2) + "\n")

    scorer = OnnxScorer(args.target)
    by_pid = {p["pid"]: p for p in load(HERE / "corpus/passages.jsonl")}
    a, b = (int(x) for x in args.check_rows.split(":"))
    config["validation"] = ranking_figures(scorer, load(HERE / "mined.jsonl"), by_pid,
                                           args.fusion_weight, slice(a, b))
    (args.target / "reranker.json").write_text(json.dumps(config, indent=2) + "\n")
    print(json.dumps(config, indent=2))


if __name__ == "__main__":
    main()
