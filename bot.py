"""Composition root: the ``guide`` command.

The root callback builds Settings once and hands them to every command (``ctx.obj``); each
command imports what it needs when it runs, so ``guide --help`` answers at once. Every
``GuideError`` a command raises ends here as one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import logging
from typing import Any

import typer
from typer.core import TyperGroup

from assistant.cli import ask_command, chat_command
from assistant.skills.cli import skills_app
from assistant.walk_cli import walk_command
from bench.cli import bench_app, eval_command
from channels.admin_cli import report_command, usage_app, users_app
from channels.serve_cli import serve_command
from channels.teams.cli import teams_app
from ingest.cli import ingest_command, sources_app
from ingest.index_cli import index_app


class GuideGroup(TyperGroup):
    """The one error boundary of every command."""

    def invoke(self, ctx: Any) -> Any:
        from config.errors import GuideError

        try:
            return super().invoke(ctx)
        except GuideError as exc:
            from rich.console import Console

            Console(stderr=True, highlight=False, soft_wrap=True).print(
                "[red]error:[/red] " + str(exc).replace("[", "\\["))
            raise typer.Exit(getattr(exc, "exit_code", 2)) from None


def load_settings(ctx: typer.Context) -> None:
    """Build Settings once, from the environment and ``.env``, for every command."""
    from config.settings import Settings

    ctx.obj = Settings.load()


def build_cli() -> typer.Typer:
    app = typer.Typer(
        cls=GuideGroup,
        help="Guide: cited answers for staff from your organisation's own guidance.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        callback=load_settings,
    )
    app.command("ingest")(ingest_command)
    app.add_typer(sources_app(), name="sources")
    app.add_typer(index_app(), name="index")
    app.command("ask")(ask_command)
    app.command("chat")(chat_command)
    app.command("walk")(walk_command)
    app.command("eval")(eval_command)
    app.command("serve")(serve_command)
    app.command("report")(report_command)
    app.add_typer(usage_app(), name="usage")
    app.add_typer(users_app(), name="users")
    app.add_typer(skills_app(), name="skills")
    app.add_typer(bench_app(), name="bench")
    app.add_typer(teams_app(), name="teams")
    return app


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    build_cli()()


if __name__ == "__main__":
    main()
