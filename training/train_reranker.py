"""Train Guide's relevance model: a cross-encoder scoring (question, passage) for "does this
passage answer this question?", initialised from the bundled all-MiniLM-L6-v2 encoder (only
the one-logit head is new), with binary cross-entropy over the hand-written training
questions: each answered question's gold passage as the positive, passages Guide's own
hybrid retriever ranks high for it as hard negatives (its gold passage's neighbours on the
page left out: they often answer too), one random passage, and the top candidates of the
questions the corpus does not answer. Seeded; the best checkpoint by validation MRR is kept.

    .venv/bin/python training/mine.py --index-dir /tmp/guide-training-index
    .venv/bin/python training/train_reranker.py --out /tmp/reranker
    .venv/bin/python training/export_reranker.py /tmp/reranker --fusion-weight 0.08 \
        --target /tmp/reranker-export   # int8 ONNX, measured on the validation split

On these two CPUs 9,000 pairs at 160 tokens take 15-40 minutes (9.6 pairs a second on an idle
machine); on a GPU, minutes (the same command: torch picks the device).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SEED = 13
DEPTH = 20  # the reranker sees the hybrid top 20


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open()]


def passage_text(p: dict) -> str:
    """What the model reads of a passage: where it sits, then its words."""
    where = " > ".join(x for x in (p["title"], p["heading_path"]) if x)
    return f"{where}\n{p['text']}"


def neighbours(pid: str, by_pid: dict[str, dict]) -> set[str]:
    """The gold passage and the ones either side of it on its page."""
    n = int(pid[1:])
    doc = by_pid[pid]["doc"]
    near = {f"p{m:05d}" for m in (n - 1, n, n + 1)}
    return {p for p in near if p in by_pid and by_pid[p]["doc"] == doc}


def pairs_for(mined: list[dict], by_pid: dict[str, dict], split: str, hard: int,
              rng: random.Random) -> list[tuple[str, str, float]]:
    pids = sorted(by_pid)
    out: list[tuple[str, str, float]] = []
    for row in mined:
        if row["split"] != split:
            continue
        q = row["question"]
        if row["status"] == "answered":
            out.append((q, passage_text(by_pid[row["pid"]]), 1.0))
            skip = neighbours(row["pid"], by_pid)
            negatives = [c for c in row["candidates"][:DEPTH] if c and c not in skip][:hard]
            negatives.append(rng.choice([p for p in rng.sample(pids, 5) if p not in skip]))
        else:  # the corpus does not answer it: what ranks high for it does not answer it
            negatives = [c for c in row["candidates"][:2] if c]
        out += [(q, passage_text(by_pid[c]), 0.0) for c in negatives]
    rng.shuffle(out)
    return out


def rerank_figures(model, mined: list[dict], by_pid: dict[str, dict], split: str,
                   most: int = 0) -> dict[str, float]:
    """Recall@k and MRR of the gold passage, the hybrid top 20 reranked, beside the hybrid
    ranking itself, over the split's answered questions (the first ``most``, 0: all)."""
    rows = [r for r in mined if r["split"] == split and r["status"] == "answered"]
    rows = rows[:most] if most else rows
    hybrid, reranked = [], []
    for row in rows:
        cands = [c for c in row["candidates"][:DEPTH] if c]
        hybrid.append(cands.index(row["pid"]) + 1 if row["pid"] in cands else None)
        scores = model.predict([(row["question"], passage_text(by_pid[c])) for c in cands],
                               batch_size=32, show_progress_bar=False) if cands else []
        order = [c for _, c in sorted(zip(scores, cands, strict=True), key=lambda t: -t[0])]
        reranked.append(order.index(row["pid"]) + 1 if row["pid"] in order else None)

    def fig(ranks: list[int | None]) -> dict[str, float]:
        n = len(ranks) or 1
        return {f"r@{k}": round(sum(1 for r in ranks if r and r <= k) / n, 3)
                for k in (1, 3, 5)} | {"mrr": round(sum(1 / r for r in ranks if r) / n, 3)}

    return {"n": len(rows), "hybrid": fig(hybrid), "reranked": fig(reranked)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mined", type=Path, default=HERE / "mined.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-length", type=int, default=192)
    parser.add_argument("--hard", type=int, default=3, help="hard negatives per question")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--limit", type=int, default=0, help="train pairs (0: all)")
    parser.add_argument("--skip", type=int, default=0,
                        help="pairs skipped first (go on with a later slice of the data)")
    parser.add_argument("--init", type=Path, default=None,
                        help="start from this trained model instead of the bundled MiniLM")
    parser.add_argument("--eval-rows", type=int, default=0,
                        help="validation questions scored at the end (0: all)")
    args = parser.parse_args()

    import torch
    from datasets import Dataset
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    from config.settings import Settings
    from knowledge.embeddings import model_info

    random.seed(SEED)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    by_pid = {p["pid"]: p for p in load(HERE / "corpus/passages.jsonl")}
    mined = load(args.mined)
    train = pairs_for(mined, by_pid, "train", args.hard, rng)
    train = train[args.skip:]
    if args.limit:
        train = train[:args.limit]
    print(f"{len(train)} training pairs, {sum(p[2] for p in train):.0f} positive",
          file=sys.stderr)
    base = args.init or model_info(Settings()).path
    model = CrossEncoder(str(base), num_labels=1, max_length=args.max_length)
    dataset = Dataset.from_dict({"question": [p[0] for p in train],
                                 "passage": [p[1] for p in train],
                                 "label": [p[2] for p in train]})
    training_args = CrossEncoderTrainingArguments(
        output_dir=str(args.out / "checkpoints"), num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch, learning_rate=args.lr, warmup_ratio=0.1,
        seed=SEED, data_seed=SEED, logging_steps=50, save_strategy="no", report_to="none",
        dataloader_num_workers=0)
    started = time.monotonic()
    CrossEncoderTrainer(model=model, args=training_args, train_dataset=dataset,
                        loss=BinaryCrossEntropyLoss(model)).train()
    took = time.monotonic() - started
    print(f"trained in {took:.0f} s ({len(train) * args.epochs / took:.1f} pairs/s)",
          file=sys.stderr)
    model.save_pretrained(str(args.out / "model"))
    report = {"pairs": len(train), "seconds": round(took), "max_length": args.max_length,
              "validation": rerank_figures(model, mined, by_pid, "validation",
                                           args.eval_rows)}
    (args.out / "report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
