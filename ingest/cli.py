"""Trainer commands: ``guide ingest`` and ``guide sources``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the pipeline and the store load only when a command runs
    from ingest.pipeline import IngestReport
    from knowledge.base import KnowledgeBase


class _Consoles:
    """Consoles made on first use, so they see the terminal (and COLUMNS) of the run."""

    @property
    def out(self) -> Console:
        return Console(highlight=False)

    @property
    def err(self) -> Console:
        return Console(stderr=True, highlight=False)


_c = _Consoles()

def print_report(report: IngestReport) -> None:
    s = report.summary()
    _c.out.print(
        f"[bold]Ingest finished[/bold] in {s['seconds']:.1f}s: {s['added']} added, "
        f"{s['updated']} updated, {s['unchanged']} unchanged, {s['deleted']} deleted, "
        f"{len(s['failed'])} failed; {s['chunks_embedded']} chunks embedded."
    )
    if s["failed"]:
        table = Table("file", "reason", title="Not indexed", title_justify="left")
        for item in s["failed"]:
            table.add_row(item["path"], item["reason"])
        _c.out.print(table)
    noted = [o for o in report.outcomes if o.note]
    if noted:
        table = Table("file", "note", title="Indexed, with a note", title_justify="left")
        for outcome in noted:
            table.add_row(outcome.path, outcome.note)
        _c.out.print(table)


def ingest_command(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Files or folders to index.")],
    sync: Annotated[bool, typer.Option("--sync", help="Remove documents whose files are gone.")]
    = False,
    audience: Annotated[str | None, typer.Option(
        help="Audience for documents that do not name one (e.g. probation).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Index documents (PDF, DOCX, HTML, Markdown, text), incrementally."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from config.errors import GuideError
    from ingest.pipeline import FileOutcome, Ingestor
    from ingest.worker import yield_cpu

    if any(not p.strip() for p in paths):  # "" is not the working directory: say "." for that
        raise GuideError("an empty path was given: name the files or folders to index")
    targets = [Path(p) for p in paths]
    yield_cpu(ctx.obj.ingest_nice)  # a bulk run gives way to answers on the same machine
    ingestor = Ingestor(ctx.obj)
    if not as_json and _c.err.is_terminal:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=_c.err, transient=True) as progress:
            task = progress.add_task("Indexing", total=None)

            def on_file(outcome: FileOutcome) -> None:
                progress.update(task, advance=1, description=Path(outcome.path).name[:40])

            report = ingestor.run(
                targets, sync=sync, audience=audience,
                on_start=lambda n: progress.update(task, total=n), on_file=on_file,
            )
    else:
        report = ingestor.run(targets, sync=sync, audience=audience)
    if as_json:
        summary = report.summary()
        summary.pop("files")
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        print_report(report)
    raise typer.Exit(0 if report.ok else 1)


def knowledge_base(ctx: typer.Context) -> KnowledgeBase:
    from knowledge.base import KnowledgeBase

    return KnowledgeBase(ctx.obj)


def sources_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The indexed documents with their metadata."""
    entries = knowledge_base(ctx).catalog.all()
    if as_json:
        sys.stdout.write(json.dumps([e.as_dict() for e in entries], indent=2) + "\n")
        return
    if not entries:
        _c.out.print("No documents indexed yet: run `guide ingest PATH`.")
        return
    table = Table("doc id", "title", "format", "chunks", "version", "review", "audience", "note")
    for e in entries:
        past = e.policy.get("review_date") and e.policy["review_date"] < dt.date.today().isoformat()
        note = "superseded by " + ", ".join(e.superseded_by) if e.superseded_by else ""
        note = note or ("past review date" if past else "")
        table.add_row(e.doc_id, e.title[:50], e.format, str(e.chunks),
                      e.policy.get("version") or "", e.policy.get("review_date") or "",
                      ", ".join(e.policy.get("audience", [])), note)
    _c.out.print(table)
    _c.out.print(f"{len(entries)} documents, {sum(e.chunks for e in entries)} chunks.")


def sources_show(
    ctx: typer.Context,
    doc: Annotated[str, typer.Argument(help="Doc id, path or title.")]) -> None:
    """One document's metadata and chunk headings."""
    kb = knowledge_base(ctx)
    entry = kb.catalog.resolve(doc)
    keys = kb.record_manager.list_keys(group_ids=[entry.source])
    got = kb.collection.get(ids=keys, include=["metadatas"]) if keys else {"metadatas": []}
    for key, value in entry.as_dict().items():
        _c.out.print(f"[bold]{key}[/bold]: {value}")
    metas = sorted(got["metadatas"], key=lambda m: m.get("chunk_index", 0))
    _c.out.print(f"[bold]chunks[/bold] ({len(metas)}):")
    for m in metas:
        page = f"p.{m['page']} " if m.get("page") else ""
        _c.out.print(f"  #{m.get('chunk_index')} {page}{m.get('heading_path') or '(no heading)'}")


def sources_remove(
    ctx: typer.Context,
    doc: Annotated[str, typer.Argument(help="Doc id, path or title.")]) -> None:
    """Remove a document and all its chunks from the index."""
    kb = knowledge_base(ctx)
    entry = kb.catalog.resolve(doc)
    removed = kb.remove_source(entry.source)
    _c.out.print(f"Removed {entry.doc_id} ({entry.title}): {removed} chunks.")


def sources_app() -> typer.Typer:
    app = typer.Typer(help="List, inspect and remove indexed documents.", no_args_is_help=True)
    app.command("list")(sources_list)
    app.command("show")(sources_show)
    app.command("remove")(sources_remove)
    return app
