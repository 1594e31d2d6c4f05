"""``guide eval`` and ``guide bench ...``: signatures only; each body imports what it measures
when it runs, so ``guide --help`` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from config.settings import Settings

EVALDATA = Path("../shared/evaldata")


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj


def eval_command(
    ctx: typer.Context,
    gold: Annotated[Path, typer.Argument(help="Gold set (.jsonl).", exists=True)],
    docs: Annotated[Path, typer.Option(help="The documents the gold set answers from.",
                                       exists=True)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    min_recall5: Annotated[float | None, typer.Option(help="Fail below this recall@5.")] = None,
    min_status: Annotated[float | None, typer.Option(
        help="Fail below this status accuracy.")] = None,
    index_dir: Annotated[Path | None, typer.Option(
        help="Keep the index here and update it incrementally (default: a fresh temporary "
        "one).")] = None,
    only: Annotated[list[str] | None, typer.Option(
        help="Index only this folder of DOCS (repeatable).")] = None,
) -> None:
    """Score retrieval and answers against a gold set (DEFRA, staff-questions or Guide's own
    format) over an index of DOCS."""
    from rich.console import Console

    from bench import evaluate
    from bench.figures import emit

    result = evaluate.run(_settings(ctx), gold, docs, index_dir, only)
    emit(f"guide eval {gold.name}", result if as_json else
         {k: v for k, v in result.items() if k != "failures"}, as_json)
    if not as_json:
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


def bench_retrieval(
    ctx: typer.Context,
    beir: Annotated[Path, typer.Argument(help="A BEIR folder.")] = EVALDATA / "bench/scifact",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """nDCG@10 on a BEIR set for dense alone, BM25 alone and hybrid, in one run."""
    from bench import retrieval
    from bench.figures import emit

    emit(f"guide bench retrieval ({beir})", retrieval.run(_settings(ctx), beir), as_json)


def bench_query(
    ctx: typer.Context,
    docs: Annotated[Path, typer.Argument(help="Documents to index.")] = EVALDATA / "docs",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Latency (p50/p95) and page recall@5 of Guide's retrieval and full answer beside the
    tutorial LangChain pipeline, on the same documents and questions."""
    from bench import query
    from bench.figures import emit, print_figures

    figures = query.run(_settings(ctx), docs)
    if as_json:
        emit("", figures, True)
        return
    for name, part in figures.items():
        print_figures(f"guide bench query: {name}", part)


def bench_ingest(
    ctx: typer.Context,
    corpus: Annotated[Path | None, typer.Argument(
        help="Folder to ingest (default: ../shared/evaldata/docs, else the sample).")] = None,
    dtype: Annotated[str | None, typer.Option(help="float32 | bfloat16 | auto")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest a corpus into a fresh index, then embed the same chunks with
    sentence-transformers alone; print both, and a second (incremental) run."""
    from rich.console import Console

    from bench import ingest
    from bench.figures import emit

    figures = ingest.run(_settings(ctx), corpus, dtype)
    emit(f"guide bench ingest ({figures['corpus']})", figures, as_json)
    if not as_json:
        Console().print("pages count PDF pages; every other file counts as one page.")


def bench_slack(
    ctx: typer.Context,
    events: Annotated[int, typer.Option(help="Mentions to send.")] = 100,
    rate: Annotated[float, typer.Option(help="Events per second.")] = 20.0,
    retries: Annotated[float, typer.Option(help="Share of events Slack delivers twice.")] = 0.1,
    baseline: Annotated[bool, typer.Option(help="Also run the answer-before-ack bot.")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ack latency, answers, duplicates and losses for N signed events at the HTTP adapter
    (against a stand-in for Slack's Web API), beside a bot that answers before it acks."""
    from bench import slack
    from bench.figures import emit, print_side_by_side

    figures = slack.run(_settings(ctx), events, rate, retries, baseline)
    if as_json:
        emit("", figures, True)
    else:
        print_side_by_side(f"guide bench slack: {events} events at {rate}/s", figures)


def bench_teams(
    ctx: typer.Context,
    activities: Annotated[int, typer.Option(help="Channel @mentions to send.")] = 100,
    rate: Annotated[float, typer.Option(help="Activities per second.")] = 20.0,
    redeliver: Annotated[float, typer.Option(
        help="Share of activities Teams delivers twice.")] = 0.1,
    baseline: Annotated[bool, typer.Option(help="Also run the answer-before-reply bot.")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """HTTP reply latency, answers, duplicates and losses for N activities with signed tokens
    at /api/messages (against a fake Bot Connector), beside a bot that answers before it
    replies."""
    from bench import teams
    from bench.figures import emit, print_side_by_side

    figures = teams.run(_settings(ctx), activities, rate, redeliver, baseline)
    if as_json:
        emit("", figures, True)
    else:
        print_side_by_side(f"guide bench teams: {activities} activities at {rate}/s", figures)


def bench_report(
    ctx: typer.Context,
    rows: Annotated[int, typer.Option(help="Questions in the log.")] = 100_000,
    database_url: Annotated[str | None, typer.Option(
        help="A database to seed (default: a new SQLite file).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Report generation time over a seeded log of N questions (90 days), beside the naive
    load-everything report."""
    from bench import report
    from bench.figures import emit

    emit(f"guide bench report ({rows} questions)", report.run(_settings(ctx), rows,
                                                               database_url), as_json)


def bench_startup(
    runs: Annotated[int, typer.Option(help="Times each command is started.")] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """How long `guide --help` takes to answer, beside `python -c pass` (the interpreter
    alone), each started afresh several times."""
    from bench import startup
    from bench.figures import emit

    emit("guide bench startup", startup.run(runs), as_json)


def bench_serve(
    ctx: typer.Context,
    questions: Annotated[int, typer.Option(help="Questions per phase.")] = 200,
    clients: Annotated[int, typer.Option(help="Concurrent web clients.")] = 10,
    docs: Annotated[Path, typer.Option(help="Corpus: base folders, the folder ingested "
                                       "meanwhile and the large PDF come from it.")]
    = EVALDATA / "docs",
    replicas: Annotated[bool, typer.Option(help="Also run two replicas sharing PostgreSQL "
                                           "and a Chroma server.")] = True,
    database_url: Annotated[str, typer.Option(help="PostgreSQL for the replicas.")]
    = "postgresql://postgres@127.0.0.1:5432/test",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Web answers' p50/p95/max and errors from real `guide serve` processes: idle, during a
    CLI ingest, during a web upload of a large PDF, and across two replicas."""
    from bench import serve
    from bench.figures import emit, print_figures

    figures = serve.run(_settings(ctx), questions, clients, docs, replicas, database_url)
    if as_json:
        emit("", figures, True)
        return
    print_figures(f"guide bench serve: {questions} questions from {clients} clients", figures)


def bench_app() -> typer.Typer:
    """A new `guide bench` group (built per CLI, never mutated at import)."""
    app = typer.Typer(help="Benchmarks that print figures beside their baseline.",
                      no_args_is_help=True)
    commands: dict[str, Any] = {"retrieval": bench_retrieval, "query": bench_query,
                                "ingest": bench_ingest, "slack": bench_slack, "teams": bench_teams,
                                "report": bench_report, "startup": bench_startup,
                                "serve": bench_serve}
    for name, command in commands.items():
        app.command(name)(command)
    return app
