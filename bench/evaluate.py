"""``guide eval``: retrieval and answer quality against a gold set, in a temporary index.

Two gold formats are read:
- DEFRA's (``../shared/evaldata/qa/defra-ai-toolkit/dev-golden-set.jsonl``): ``question``,
  ``expected_status`` (a list), ``expects_rule``, ``expected_pages`` as URL paths
  ("/ai-toolkit/guidance/keeping-data-safe" = "ai-toolkit/guidance/keeping-data-safe.md"
  under --docs), and a ``-conversations`` file beside it whose rows add ``earlier`` turns;
- Guide's own (``tests/gold/sample.jsonl``): ``question``, ``expected_status`` (a string or
  a list), ``expected_docs`` (doc ids), optional ``earlier``, ``audience`` and ``expects_rule``.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core import Assistant
from config.audiences import readers, split_names
from config.settings import Settings
from knowledge.metadata_fields import chunk_body
from usage.stats import percentile


@dataclass
class GoldRow:
    id: str
    question: str
    statuses: list[str]
    pages: list[str] = field(default_factory=list)  # "/path/without/ext" or doc ids
    earlier: list[str] = field(default_factory=list)
    expects_rule: bool = False
    audience: str | None = None


def read_gold(path: Path) -> list[GoldRow]:
    files = [path]
    conversations = path.with_name(path.stem + "-conversations.jsonl")
    if conversations.exists():
        files.append(conversations)
    rows = []
    for file in files:
        for n, line in enumerate(file.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            raw: dict[str, Any] = json.loads(line)
            status = raw.get("expected_status") or raw.get("status")
            rows.append(GoldRow(
                id=str(raw.get("id") or f"{file.stem}:{n}"),
                question=raw["question"],
                statuses=[status] if isinstance(status, str) else list(status),
                pages=list(raw.get("expected_pages") or raw.get("expected_docs") or []),
                earlier=list(raw.get("earlier") or []),
                expects_rule=bool(raw.get("expects_rule")),
                audience=raw.get("audience"),
            ))
    return rows


def page_keys(meta: dict[str, Any], docs: Path) -> set[str]:
    """The names a gold row may use for a chunk's page: URL path, doc id, path#page."""
    source = Path(meta.get("source", ""))
    try:
        rel = source.resolve().relative_to(docs.resolve()).with_suffix("")
    except ValueError:
        rel = Path(source.stem)
    keys = {"/" + rel.as_posix(), meta.get("doc_id", "")}
    if meta.get("page"):
        keys |= {f"/{rel.as_posix()}#page={meta['page']}", f"{meta.get('doc_id')}#{meta['page']}"}
    return keys


def score(rows: list[GoldRow], docs: Path, assistant: Assistant) -> dict[str, Any]:
    stored = assistant.retriever.chunks()
    meta_of = {cid: c.meta for cid, c in stored.items()}
    text_of = {cid: c.text for cid, c in stored.items()}
    indexed_pages = set().union(*(page_keys(m, docs) for m in meta_of.values()))
    unreachable: set[str] = set()
    assistant.ask("warm up")

    recall = {1: [], 5: []}
    hit5: list[float] = []
    reciprocal: list[float] = []
    status_ok: list[bool] = []
    per_status: dict[str, list[bool]] = defaultdict(list)
    rule_ok: list[bool] = []
    invented = 0
    latencies: list[float] = []
    confusion: Counter[tuple[str, str]] = Counter()
    failures = []
    for row in rows:
        started = time.perf_counter()
        answer = assistant.ask(row.question, history=row.earlier,
                               audiences=split_names(row.audience))
        latencies.append((time.perf_counter() - started) * 1000)

        ok = answer.status in row.statuses
        status_ok.append(ok)
        per_status[row.statuses[0]].append(ok)
        confusion[(row.statuses[0], answer.status)] += 1
        if not ok:
            failures.append({"id": row.id, "question": row.question, "expected": row.statuses,
                             "got": answer.status})

        for c in answer.citations:
            if c.quote not in chunk_body(text_of.get(c.chunk_id, ""),
                                         meta_of.get(c.chunk_id, {})):
                invented += 1

        retrieved = answer.retrieved
        if not retrieved and answer.status != "blocked":
            # answered without looking (e.g. "talk to a person"): measure retrieval anyway
            query = assistant.search_query(row.question, row.earlier)
            retrieved = [h.chunk_id for h in assistant.retriever.search(
                query, k=2 * assistant.settings.retrieval_k,
                audiences=readers(split_names(row.audience)))]
        # a gold page that is not in the index (missing or empty file) cannot be retrieved
        expected = {p for p in row.pages if p in indexed_pages}
        unreachable |= set(row.pages) - expected
        if expected and answer.status != "blocked":
            ranked: list[set[str]] = []
            for cid in retrieved:
                keys = page_keys(meta_of.get(cid, {}), docs)
                if not any(keys == seen for seen in ranked):
                    ranked.append(keys)
            for k in recall:
                found = {p for p in expected if any(p in keys for keys in ranked[:k])}
                recall[k].append(len(found) / len(expected))
            hit5.append(float(any(p in keys for keys in ranked[:5] for p in expected)))
            first = next((i for i, keys in enumerate(ranked, 1) if keys & expected), None)
            reciprocal.append(1 / first if first else 0.0)
        if row.expects_rule:
            rule_ok.append(answer.status == "answered" and any(
                c.quote in text_of.get(c.chunk_id, "") and (
                    not row.pages or page_keys(meta_of.get(c.chunk_id, {}), docs) & set(row.pages))
                for c in answer.citations))

    def mean(xs: list[float] | list[bool]) -> float | None:
        return round(statistics.fmean(xs), 3) if xs else None

    return {
        "rows": len(rows),
        "recall@1": mean(recall[1]),
        "recall@5": mean(recall[5]),
        "hit@5": mean(hit5),
        "mrr": mean(reciprocal),
        "status_accuracy": mean(status_ok),
        "status_accuracy_by_status": {s: mean(v) for s, v in sorted(per_status.items())},
        "status_confusion": {f"{e}->{g}": n for (e, g), n in sorted(confusion.items())},
        "verbatim_rules": mean(rule_ok),
        "gold_pages_not_in_index": sorted(unreachable),
        "invented_quotes": invented,
        "latency_ms_p50": round(percentile(latencies, 0.5) or 0.0, 1),
        "latency_ms_p95": round(percentile(latencies, 0.95) or 0.0, 1),
        "failures": failures,
    }



def run(settings: Settings, gold: Path, docs: Path) -> dict[str, Any]:
    """Score ``gold`` against a fresh index of ``docs`` in a temporary data dir."""
    from bench.indexed import indexed_assistant

    with tempfile.TemporaryDirectory(prefix="guide-eval-") as tmp:
        assistant = indexed_assistant(settings.model_copy(update={"data_dir": Path(tmp)}), docs)
        return score(read_gold(gold), docs, assistant)
