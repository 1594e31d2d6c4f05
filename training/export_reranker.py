"""Ship a trained reranker (training/train_reranker.py's output): int8 ONNX through
onnxruntime's own dynamic quantiser, beside the tokenizer, with its calibration (a Platt fit
of the logit on the training validation split, never on the dev sets) and the thresholds
chosen there, and the sha256 Guide checks at load.

    .venv/bin/python training/export_reranker.py /tmp/reranker
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


def platt(logits: list[float], labels: list[int]) -> tuple[float, float]:
    """p = sigmoid(a * logit + b), fitted by logistic regression on one feature."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=10.0).fit([[x] for x in logits], labels)
    return float(fit.coef_[0][0]), float(fit.intercept_[0])


def best_threshold(probabilities: list[float], answerable: list[bool]) -> float:
    """The probability above which answering is right most often, on held-apart rows."""
    best, best_correct = 0.5, -1
    for t in sorted(set(round(p, 3) for p in probabilities)):
        correct = sum((p >= t) == a for p, a in zip(probabilities, answerable, strict=True))
        if correct > best_correct:
            best, best_correct = t, correct
    return best


def calibrate(scorer, mined: list[dict], by_pid: dict[str, dict]) -> dict:
    """On the validation split: each question's best reranked candidate, labelled by whether
    it is the gold passage (or one beside it); the threshold between answered and
    cannot-answer questions on the calibrated probability."""
    logits, labels, answerable = [], [], []
    rows = [r for r in mined if r["split"] == "validation"]
    for row in rows:
        cands = [c for c in row["candidates"][:DEPTH] if c]
        if not cands:
            continue
        scores = scorer(row["question"], [passage_text(by_pid[c]) for c in cands])
        top = max(range(len(cands)), key=scores.__getitem__)
        logits.append(scores[top])
        near = row["pid"] and abs(int(cands[top][1:]) - int(row["pid"][1:])) <= 1 and \
            by_pid[cands[top]]["doc"] == by_pid[row["pid"]]["doc"]
        labels.append(int(row["status"] == "answered" and bool(near)))
        answerable.append(row["status"] == "answered")
    a, b = platt(logits, labels)
    probs = [1 / (1 + math.exp(-(a * x + b))) for x in logits]
    threshold = best_threshold(probs, answerable)
    accuracy = sum((p >= threshold) == y for p, y in zip(probs, answerable, strict=True)) / len(
        probs)
    return {"a": round(a, 5), "b": round(b, 5), "answer_threshold": threshold,
            "validation_rows": len(probs), "validation_status_accuracy": round(accuracy, 3),
            "always_answer_accuracy": round(sum(answerable) / len(answerable), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trained", type=Path, help="train_reranker.py's --out")
    parser.add_argument("--target", type=Path, default=TARGET)
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
              "trained": report}
    (args.target / "reranker.json").write_text(json.dumps(config, indent=2) + "\n")

    from knowledge.reranker import Reranker

    scorer = Reranker.load(args.target)
    by_pid = {p["pid"]: p for p in load(HERE / "corpus/passages.jsonl")}
    config["calibration"] = calibrate(scorer.scores, load(HERE / "mined.jsonl"), by_pid)
    (args.target / "reranker.json").write_text(json.dumps(config, indent=2) + "\n")
    print(json.dumps(config, indent=2))


if __name__ == "__main__":
    main()
