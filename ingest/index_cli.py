"""``guide index check [--repair] [--json]``: do the vector store, the record manager and the
document catalogue agree? (They may not after an ingest was killed.)"""

from __future__ import annotations

import json
from typing import Annotated

import typer


def check_command(
    ctx: typer.Context,
    fix: Annotated[bool, typer.Option("--repair", help="Delete what no catalogue row vouches "
                                      "for; drop rows whose chunks are incomplete (the next "
                                      "ingest indexes those files again).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check (and with --repair, restore) agreement between the index's three parts.
    Exits 1 when they disagree and were not repaired."""
    from filelock import FileLock, Timeout
    from rich.console import Console

    from config.errors import IngestLocked
    from ingest.pipeline import unfinished_marker
    from knowledge.base import KnowledgeBase
    from knowledge.integrity import check, repair

    settings = ctx.obj
    kb = KnowledgeBase(settings)
    lock = FileLock(str(settings.lock_path), timeout=settings.lock_timeout_s)
    try:
        lock.acquire()  # an ingest in progress disagrees with itself: never judge it
    except Timeout as exc:
        raise IngestLocked(f"an ingest is running on {settings.data_dir}; check when it has "
                           "finished") from exc
    try:
        kb.open()
        found = check(kb)
        if fix and not found.ok:
            repair(kb, found)
            after = check(kb)
            if after.ok:
                unfinished_marker(settings).unlink(missing_ok=True)
        else:
            after = found
    finally:
        lock.release()
    figures = {**found.as_dict(), "repaired": fix and not found.ok, "ok_after": after.ok}
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
    else:
        out = Console(highlight=False)
        out.print(f"vector store {found.vectors} chunks, record manager {found.records}, "
                  f"catalogue {found.documents} documents / {found.catalogued_chunks} chunks")
        if found.ok:
            out.print("[green]in agreement[/green]")
        else:
            out.print(f"orphan vectors {len(found.orphan_vectors)}, chunks of uncatalogued "
                      f"versions {len(found.unlisted)}, records without vectors "
                      f"{len(found.missing_vectors)}, incomplete documents "
                      f"{len(found.incomplete)}")
            for source in found.incomplete:
                out.print(f"  incomplete: {source}", markup=False)
            out.print("[green]repaired[/green]: run `guide ingest` on the same folders to "
                      "index the dropped documents again" if fix and after.ok else
                      "[red]not in agreement[/red]: run `guide index check --repair`")
    raise typer.Exit(0 if after.ok else 1)


def index_app() -> typer.Typer:
    app = typer.Typer(help="The index's own health.", no_args_is_help=True)
    app.command("check")(check_command)
    return app
