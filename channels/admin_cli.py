"""Manager commands: ``guide report``, ``guide usage purge``, ``guide users``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.core import Assistant
from assistant.skills.view import skills_markdown
from channels.reporting import full_report
from ingest.cli import fail
from knowledge.errors import GuideError
from knowledge.settings import Settings
from usage.accounts import AccountError, Accounts
from usage.factory import open_usage_log
from usage.report import Period, export_csv, report_markdown

usage_app = typer.Typer(help="The usage log: retention.", no_args_is_help=True)
users_app = typer.Typer(help="Who may sign in to the web pages.", no_args_is_help=True)


def report_command(
    since: Annotated[str, typer.Option(help="30d, 12w, 6m or a date (YYYY-MM-DD).")] = "30d",
    until: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD); default today.")]
    = None,
    fmt: Annotated[str, typer.Option("--format", help="md, json or csv (one row per "
                                                      "question).")] = "md",
) -> None:
    """How Guide is used: questions, answer rate, feedback, top documents, knowledge gaps."""
    if fmt not in ("md", "json", "csv"):
        raise fail("--format is md, json or csv")
    settings = Settings()
    try:
        period = Period.parse(since, until)
        usage = open_usage_log(settings)
        if fmt == "csv":
            sys.stdout.write(export_csv(usage.engine, period))
        else:
            report = full_report(usage, Assistant(settings, usage=usage), period)
            sys.stdout.write(json.dumps(report, indent=2) + "\n" if fmt == "json"
                             else report_markdown(report) + skills_markdown(report["skills"]))
        usage.audit("cli", "export", f"report {fmt}", period.as_dict())
    except (GuideError, ValueError) as exc:
        raise fail(str(exc)) from None


@usage_app.command("purge")
def purge_command(
    days: Annotated[int | None, typer.Option(help="Delete records older than this many days "
                                                  "(default: GUIDE_RETENTION_DAYS).")] = None,
) -> None:
    """Delete usage records older than the retention period."""
    settings = Settings()
    days = days or settings.retention_days
    if not days:
        raise fail("give --days or set GUIDE_RETENTION_DAYS")
    usage = open_usage_log(settings)
    removed = usage.purge(days)
    usage.audit("cli", "purge", f"older than {days} days", {"removed": removed})
    Console().print(f"Deleted {removed} questions older than {days} days.")


@users_app.command("add")
def users_add(
    email: str,
    role: Annotated[str, typer.Option(help="manager or trainer")],
    slack_user: Annotated[str | None, typer.Option(
        help="Slack user id: sign-in links are sent there.")] = None,
    no_password: Annotated[bool, typer.Option(
        help="Sign in by Slack link only.")] = False,
) -> None:
    """Add a manager or trainer (the password is asked for, or read from stdin)."""
    password = None
    if not no_password:
        if sys.stdin.isatty():
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\n")
    try:
        user = Accounts(open_usage_log(Settings()).engine).add(email, role, password, slack_user)
    except AccountError as exc:
        raise fail(str(exc)) from None
    Console().print(f"Added {user.email} as {user.role}.")


@users_app.command("list")
def users_list() -> None:
    """The people who may sign in, and their roles."""
    table = Table("email", "role", "slack user")
    for user in Accounts(open_usage_log(Settings()).engine).all():
        table.add_row(user.email, user.role, user.slack_user or "")
    Console().print(table)


@users_app.command("remove")
def users_remove(email: str) -> None:
    """Remove someone's access."""
    if not Accounts(open_usage_log(Settings()).engine).remove(email):
        raise fail(f"no account for {email}")
    Console().print(f"Removed {email}.")
