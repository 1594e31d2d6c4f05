"""Build training/questions.jsonl from the passages (training/corpus/passages.jsonl) and the
hand-written rows (training/raw/*.jsonl): each row checked (training/checks.py), answers
taken verbatim from their passage, near-duplicates dropped, split by document into train and
validation. Prints the counts the data card gives.

    .venv/bin/python training/assemble.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from training.checks import near_duplicates, row_problem  # noqa: E402

VALIDATION_SHARE = 0.15
WRITTEN = "written for Guide"


def split_of(key: str) -> str:
    """Validation for a stable 15% of documents (and of router rows, by their text)."""
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return "validation" if digest % 1000 < VALIDATION_SHARE * 1000 else "train"


def build_row(raw: dict, passages: dict[str, dict], batch: str) -> dict:
    passage = passages.get(raw.get("pid") or "")
    row = {"question": str(raw.get("question", "")).strip(), "status": raw.get("status"),
           "kind": raw.get("kind") or ("rule" if raw.get("status") == "answered" else None),
           "batch": batch}
    if passage is not None:
        row |= {"pid": passage["pid"], "doc": passage["doc"], "source": passage["source"],
                "title": passage["title"], "heading_path": passage["heading_path"],
                "near_passage" if row["status"] != "answered" else "passage": passage["text"]}
    else:
        row["source"] = WRITTEN
    if row["status"] == "answered" and passage is not None:
        picked = [passage["sentences"][i] for i in raw.get("answer_sentences") or []
                  if passage and isinstance(i, int) and 0 <= i < len(passage["sentences"])]
        row["answer"] = "\n".join(picked)
        row["kind"] = raw.get("kind") or "rule"
    row["split"] = split_of(row.get("doc") or row["question"])
    return row


def main() -> None:
    passages = {p["pid"]: p for p in map(json.loads, (HERE / "corpus/passages.jsonl").open())}
    rows, dropped = [], Counter()
    for path in sorted((HERE / "raw").glob("*.jsonl")):
        for line in path.open():
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                dropped["not JSON"] += 1
                continue
            row = build_row(raw, passages, path.stem)
            if raw.get("status") == "answered" and "passage" not in row \
                    and raw.get("kind") != "lookalike":
                dropped["no such passage"] += 1
                continue
            problem = row_problem(row)
            if problem:
                dropped[problem] += 1
                continue
            rows.append(row)
    repeats = near_duplicates(r["question"] for r in rows)
    dropped["near-duplicate question"] += len(repeats)
    rows = [r for n, r in enumerate(rows) if n not in repeats]
    with (HERE / "questions.jsonl").open("w") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = Counter((r["split"], r["status"], r.get("kind")) for r in rows)
    for key, n in sorted(counts.items(), key=lambda kv: tuple(map(str, kv[0]))):
        print(*key, n, sep="\t")
    print("total", len(rows), sep="\t")
    print("documents", len({r["doc"] for r in rows if r.get("doc")}), sep="\t")
    for why, n in dropped.most_common():
        print("dropped", why, n, sep="\t")


if __name__ == "__main__":
    main()
