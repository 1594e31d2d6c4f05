"""Composition root: the ``guide`` command. Settings are built by each command, once."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli import ask_command, chat_command
from assistant.core import Assistant
from assistant.evaluate import read_gold, score
from ingest.bench import bench_app
from ingest.cli import ingest_command, sources_app
from ingest.pipeline import Ingestor
from knowledge.base import KnowledgeBase
from knowledge.settings import Settings


def assistant_over(docs: Path, data_dir: Path) -> Assistant:
    """A fresh index of ``docs`` in ``data_dir`` and an assistant over it."""
    settings = Settings().model_copy(update={"data_dir": data_dir})
    kb = KnowledgeBase(settings)
    report = Ingestor(settings, kb).run([docs])
    for failed in report.failed:
        logging.getLogger("guide.eval").warning("not indexed: %s (%s)", failed["path"],
                                                failed["reason"])
    return Assistant(settings, kb)


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
        table = Table("figure", "value", title=f"guide eval {gold.name}", title_justify="left")
        for key, value in result.items():
            if key != "failures":
                table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
        Console().print(table)
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
    app.command("eval")(eval_command)
    app.add_typer(bench_app, name="bench")
    return app


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    build_cli()()


if __name__ == "__main__":
    main()
