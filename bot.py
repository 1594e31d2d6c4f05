"""Composition root: the ``guide`` command. Settings are built by each command, once."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from assistant.bench import baseline_documents, query_benchmark, retrieval_benchmark
from assistant.cli import ask_command, chat_command
from assistant.core import Assistant
from assistant.evaluate import read_gold, score
from assistant.walk_cli import walk_command
from channels.admin_cli import report_command, usage_app, users_app
from channels.indexed import indexed_assistant
from channels.report_bench import bench_report_command
from channels.server import bind, build_channels, check_slack_settings, keep_retention, run
from channels.slack.bench import bench_slack_command
from ingest.bench import bench_app, print_figures
from ingest.cli import ingest_command, sources_app
from knowledge.base import KnowledgeBase
from knowledge.errors import GuideError
from knowledge.settings import Settings
from usage.factory import open_usage_log


def assistant_over(docs: Path, data_dir: Path) -> Assistant:
    """A fresh index of ``docs`` in ``data_dir`` and an assistant over it."""
    return indexed_assistant(Settings().model_copy(update={"data_dir": data_dir}), docs)


def eval_command(
    gold: Annotated[Path, typer.Argument(help="Gold set (.jsonl).", exists=True)],
    docs: Annotated[Path, typer.Option(help="The documents the gold set answers from.",
                                       exists=True)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    min_recall5: Annotated[float | None, typer.Option(help="Fail below this recall@5.")] = None,
    min_status: Annotated[float | None, typer.Option(
        help="Fail below this status accuracy.")] = None,
) -> None:
    """Score retrieval and answers against a gold set, in a temporary index of DOCS."""
    with tempfile.TemporaryDirectory(prefix="guide-eval-") as tmp:
        result = score(read_gold(gold), docs, assistant_over(docs, Path(tmp)))
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        print_figures(f"guide eval {gold.name}",
                      {k: v for k, v in result.items() if k != "failures"})
        for f in result["failures"]:
            Console(highlight=False).print(
                f"  {f['id']}: expected {'/'.join(f['expected'])}, got {f['got']}: "
                f"{f['question']}", markup=False)
    failed = result["invented_quotes"] > 0
    if min_recall5 is not None and (result["recall@5"] or 0) < min_recall5:
        failed = True
    if min_status is not None and (result["status_accuracy"] or 0) < min_status:
        failed = True
    raise typer.Exit(1 if failed else 0)


EVALDATA = Path("../shared/evaldata")
GDPR_FILE = "GDPR-Regulation-EU-2016-679.pdf"  # "GDPR.pdf" in the GDPR/AI Act question set


def bench_retrieval(
    beir: Annotated[Path, typer.Argument(help="A BEIR folder.")] = EVALDATA / "bench/scifact",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """nDCG@10 on a BEIR set for dense alone, BM25 alone and hybrid, in one run."""
    with tempfile.TemporaryDirectory(prefix="guide-bench-") as tmp:
        settings = Settings().model_copy(update={"data_dir": Path(tmp)})
        figures = retrieval_benchmark(KnowledgeBase(settings), beir)
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    else:
        print_figures(f"guide bench retrieval ({beir})", figures)


def indexes_for_bench(docs: Path, data_dir: Path) -> tuple[Assistant, Any]:
    """Guide's index of ``docs`` and the tutorial baseline's, kept in ``data_dir``."""
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    assistant = assistant_over(docs, data_dir)
    kb = assistant.kb
    baseline = Chroma(collection_name="tutorial-baseline", embedding_function=kb.embeddings,
                      client=kb.vector_store._client)
    if baseline._collection.count() == 0:
        files = [p for p in sorted(docs.rglob("*")) if p.is_file()]
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        chunks = [c for c in splitter.split_documents(baseline_documents(files))
                  if c.page_content.strip()]
        for start in range(0, len(chunks), 256):
            baseline.add_documents(chunks[start:start + 256])
    return assistant, baseline


def bench_query(
    docs: Annotated[Path, typer.Argument(help="Documents to index.")] = EVALDATA / "docs",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Latency (p50/p95) and page recall@5 of Guide's retrieval and full answer beside the
    tutorial LangChain pipeline, on the same documents and questions: the real docs corpus
    (latency at scale; GDPR questions with gold pages) and, where present, DEFRA's corpus
    with its dev gold set (recall). Indexes are kept under the data dir (bench-query*/)."""
    root = Settings().data_dir
    assistant, baseline = indexes_for_bench(docs, root / "bench-query")
    questions: list[tuple[str, list[tuple[str, int | None]]]] = []
    gdpr = EVALDATA / "qa/gdpr-aiact-nist-rag-questions/questions.json"
    gdpr_file = next(iter(docs.rglob(GDPR_FILE)), None)
    if gdpr.exists() and gdpr_file:
        for row in json.loads(gdpr.read_text()):
            if row.get("source") == "GDPR.pdf":
                questions.append((row["question"], [(str(gdpr_file.resolve()), row.get("page"))]))
    defra = EVALDATA / "qa/defra-ai-toolkit"
    defra_rows = read_gold(defra / "dev-golden-set.jsonl") if defra.exists() else []
    questions += [(r.question, []) for r in defra_rows]
    figures = {"docs": query_benchmark(assistant, baseline, questions)}
    figures["docs"]["guide_chunks"] = assistant.kb.chunk_count()
    figures["docs"]["baseline_chunks"] = baseline._collection.count()
    if defra_rows:
        corpus = (defra / "corpus").resolve()
        assistant, baseline = indexes_for_bench(corpus, root / "bench-query-defra")
        gold_questions = [
            (r.question, [(str(corpus / (p.lstrip("/") + ".md")), None) for p in r.pages])
            for r in defra_rows if r.pages and not r.earlier]
        figures["defra"] = query_benchmark(assistant, baseline, gold_questions)
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    else:
        for name, part in figures.items():
            print_figures(f"guide bench query: {name}", part)


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    slack_mode: Annotated[str | None, typer.Option(
        help="socket (outbound only) or http (Slack POSTs to /slack/events).")] = None,
) -> None:
    """Run Guide: the web app and, when SLACK_BOT_TOKEN is set, the Slack bot."""
    overrides: dict[str, Any] = {k: v for k, v in (("host", host), ("port", port),
                                                   ("slack_mode", slack_mode)) if v is not None}
    err = Console(stderr=True)
    try:
        settings = Settings(**overrides)
        check_slack_settings(settings)
        usage = open_usage_log(settings)
        assistant = Assistant(settings, usage=usage)
        assistant.ask("warm up")  # load the model and the index before the first question
        channels = build_channels(settings, assistant, usage)
        sock = bind(settings.host, settings.port)
    except (GuideError, OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    err.print(f"Guide is serving http://{shown_host}:{sock.getsockname()[1]}/ with "
              f"{len(assistant.kb.catalog.all())} documents. Slack: {channels.slack_status}.",
              soft_wrap=True)
    keep_retention(usage, settings.retention_days)
    run(channels, sock)


def build_cli() -> typer.Typer:
    app = typer.Typer(
        help="Guide: cited answers for staff from your organisation's own guidance.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    app.command("ingest")(ingest_command)
    app.add_typer(sources_app, name="sources")
    app.command("ask")(ask_command)
    app.command("chat")(chat_command)
    app.command("walk")(walk_command)
    app.command("eval")(eval_command)
    app.command("serve")(serve_command)
    app.command("report")(report_command)
    app.add_typer(usage_app, name="usage")
    app.add_typer(users_app, name="users")
    bench_app.command("retrieval")(bench_retrieval)
    bench_app.command("query")(bench_query)
    bench_app.command("slack")(bench_slack_command)
    bench_app.command("report")(bench_report_command)
    app.add_typer(bench_app, name="bench")
    return app


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    build_cli()()


if __name__ == "__main__":
    main()
