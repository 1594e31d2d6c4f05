"""Composition root: the ``guide`` command. Settings are built by each command, once."""

from __future__ import annotations

import logging

import typer

from ingest.bench import bench_app
from ingest.cli import ingest_command, sources_app


def build_cli() -> typer.Typer:
    app = typer.Typer(
        help="Guide: cited answers for staff from your organisation's own guidance.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    app.command("ingest")(ingest_command)
    app.add_typer(sources_app, name="sources")
    app.add_typer(bench_app, name="bench")
    return app


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    build_cli()()


if __name__ == "__main__":
    main()
