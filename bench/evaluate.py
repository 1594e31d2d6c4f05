"""``guide eval``: retrieval and answer quality against a gold set, in a temporary index.

Two gold formats are read:
- DEFRA's (``../shared/evaldata/qa/defra-ai-toolkit/dev-golden-set.jsonl``): ``question``,
  ``expected_status`` (a list), ``expects_rule``, ``expected_pages`` as URL paths
  ("/ai-toolkit/guidance/keeping-data-safe" = "ai-toolkit/guidance/keeping-data-safe.md"
  under --docs), and a ``-conversations`` file beside it whose rows add ``earlier`` turns;
- staff questions (``../shared/evaldata/qa/staff-questions/staff-dev.jsonl``): ``question``,
  ``expected_status`` (a string) and ``gold`` passages (``file`` under --docs, ``page`` for
  PDFs or null, ``quote``); an ``answered`` row's retrieval counts when any gold page is in
  the top 5 (any one is a correct source), other rows' by the share of their gold pages;
- Guide's own (``tests/gold/sample.jsonl``): ``question``, ``expected_status`` (a string or
  a list), ``expected_docs`` (doc ids), optional ``earlier``, ``audience`` and ``expects_rule``.

With ``index_dir`` the index is kept there and updated incrementally, so a second run starts
at once; ``only`` indexes just those folders of --docs (the staff set's corpus is seven).
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
    any_page: bool = False  # retrieval counts when any one gold page is found


def gold_page_key(file: str, page: int | None) -> str:
    """A staff-format gold passage as the key ``page_keys`` gives its chunk."""
    path = "/" + Path(file).with_suffix("").as_posix()
    return f"{path}#page={page}" if page else path


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
            statuses = [status] if isinstance(status, str) else list(status)
            if isinstance(raw.get("gold"), list):  # the staff-questions format
                pages = [gold_page_key(g["file"], g.get("page")) for g in raw["gold"]]
                rows.append(GoldRow(
                    id=str(raw.get("id") or f"{file.stem}:{n}"), question=raw["question"],
                    statuses=statuses, pages=list(dict.fromkeys(pages)),
                    earlier=list(raw.get("earlier") or []),
                    any_page=statuses == ["answered"]))
                continue
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


def file_keys(meta: dict[str, Any], docs: Path) -> set[str]:
    """The names of a chunk's file (its pages' names without the page)."""
    return {k.split("#", 1)[0] for k in page_keys(meta, docs)}


def found_at(ranked_keys: list[set[str]], expected: set[str], k: int) -> float:
    """1.0 when one of the first ``k`` distinct pages (or files) is an expected one."""
    distinct: list[set[str]] = []
    for keys in ranked_keys:
        if not any(keys == seen for seen in distinct):
            distinct.append(keys)
    return float(any(keys & expected for keys in distinct[:k]))


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
    always_ok: list[bool] = []  # the baseline that answers every question the guard lets by
    # what staff are pointed to: Guide's citations, beside the hybrid retriever's first passages
    pointed: dict[str, list[float]] = defaultdict(list)
    failures = []
    for row in rows:
        started = time.perf_counter()
        answer = assistant.ask(row.question, history=row.earlier,
                               audiences=split_names(row.audience))
        latencies.append((time.perf_counter() - started) * 1000)

        ok = answer.status in row.statuses
        status_ok.append(ok)
        always_ok.append(("blocked" if answer.status == "blocked" else "answered")
                         in row.statuses)
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
                recall[k].append(float(bool(found)) if row.any_page
                                 else len(found) / len(expected))
            hit5.append(float(any(p in keys for keys in ranked[:5] for p in expected)))
            first = next((i for i, keys in enumerate(ranked, 1) if keys & expected), None)
            reciprocal.append(1 / first if first else 0.0)
        if expected and "answered" in row.statuses:
            files = {k.split("#", 1)[0] for k in expected}
            query = assistant.search_query(row.question, row.earlier)
            plain = assistant.retriever.search(query, k=3,
                                               audiences=readers(split_names(row.audience)))
            cited = [meta_of.get(c.chunk_id, {}) for c in answer.citations] \
                if answer.status == "answered" else []
            for who, metas in (("guide", cited), ("first_passage", [h.meta for h in plain])):
                for k in (1, 3):
                    pointed[f"{who}_page@{k}"].append(
                        found_at([page_keys(m, docs) for m in metas], expected, k))
                    pointed[f"{who}_file@{k}"].append(
                        found_at([file_keys(m, docs) for m in metas], files, k))
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
        "always_answer_status_accuracy": mean(always_ok),
        "cited_vs_first_passage": {k: mean(v) for k, v in sorted(pointed.items())},
        "status_accuracy_by_status": {s: mean(v) for s, v in sorted(per_status.items())},
        "status_confusion": {f"{e}->{g}": n for (e, g), n in sorted(confusion.items())},
        "verbatim_rules": mean(rule_ok),
        "gold_pages_not_in_index": sorted(unreachable),
        "invented_quotes": invented,
        "latency_ms_p50": round(percentile(latencies, 0.5) or 0.0, 1),
        "latency_ms_p95": round(percentile(latencies, 0.95) or 0.0, 1),
        "failures": failures,
    }



def run(settings: Settings, gold: Path, docs: Path, index_dir: Path | None = None,
        only: list[str] | None = None) -> dict[str, Any]:
    """Score ``gold`` against an index of ``docs`` (or of its folders ``only``): kept in
    ``index_dir``, else fresh in a temporary data dir."""
    from bench.indexed import indexed_assistant

    folders = [docs / f for f in only] if only else [docs]
    if index_dir is not None:
        assistant = indexed_assistant(settings.model_copy(update={"data_dir": index_dir}),
                                      folders)
        return score(read_gold(gold), docs, assistant)
    with tempfile.TemporaryDirectory(prefix="guide-eval-") as tmp:
        assistant = indexed_assistant(settings.model_copy(update={"data_dir": Path(tmp)}),
                                      folders)
        return score(read_gold(gold), docs, assistant)


@dataclass(frozen=True)
class GoldSet:
    """A dev gold set with the corpus it answers from."""

    name: str
    gold: Path
    docs: Path
    only: tuple[str, ...] = ()  # folders of ``docs`` that make the corpus (all when empty)

    @property
    def available(self) -> bool:
        return self.gold.exists() and self.docs.exists()

    def rows(self) -> list[GoldRow]:
        return read_gold(self.gold)

    def folders(self) -> list[Path]:
        return [self.docs / f for f in self.only] if self.only else [self.docs]


STAFF_FOLDERS = ("gds-way", "govuk-service-design-manual-2016", "ncsc-zero-trust",
                 "ncsc-secure-development", "moj-technical-guidance",
                 "iasc-modern-slavery-toolkit", "eu-data-protection")  # its README's list


def dev_sets(evaldata: Path) -> dict[str, GoldSet]:
    """The dev sets the evidence model is fitted on, under ``evaldata``."""
    return {
        "staff-dev": GoldSet("staff-dev", evaldata / "qa/staff-questions/staff-dev.jsonl",
                             evaldata / "docs", STAFF_FOLDERS),
        "defra-dev": GoldSet("defra-dev", evaldata / "qa/defra-ai-toolkit/dev-golden-set.jsonl",
                             evaldata / "qa/defra-ai-toolkit/corpus"),
    }


def open_indexed(gold: GoldSet, data_dir: Path, settings: Settings | None = None
                 ) -> Assistant:
    """An assistant over ``gold``'s corpus, indexed (incrementally) in ``data_dir``."""
    from bench.indexed import indexed_assistant

    settings = (settings or Settings()).model_copy(update={"data_dir": data_dir})
    return indexed_assistant(settings, gold.folders())
