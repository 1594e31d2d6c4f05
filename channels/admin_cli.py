"""Manager commands: ``guide report``, ``guide usage purge``, ``guide users``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from config.audiences import split_names
from config.errors import GuideError

if TYPE_CHECKING:  # the usage log loads only when a command runs
    from usage.accounts import Accounts


def report_command(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(help="30d, 12w, 6m or a date (YYYY-MM-DD).")] = "30d",
    until: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD); default today.")]
    = None,
    fmt: Annotated[str, typer.Option("--format", help="md, json or csv (one row per "
                                                      "question).")] = "md",
) -> None:
    """How Guide is used: questions, answer rate, feedback, top documents, knowledge gaps."""
    import json

    from assistant.core import Assistant
    from assistant.skills.view import skills_markdown
    from channels.reporting import full_report
    from usage.factory import open_usage_log
    from usage.report import Period, export_csv, report_markdown

    if fmt not in ("md", "json", "csv"):
        raise GuideError("--format is md, json or csv")
    try:
        period = Period.parse(since, until)
    except ValueError as exc:
        raise GuideError(str(exc)) from None
    settings = ctx.obj
    usage = open_usage_log(settings)
    if fmt == "csv":
        sys.stdout.write(export_csv(usage.engine, period))
    else:
        report = full_report(usage, Assistant(settings, usage=usage), period)
        sys.stdout.write(json.dumps(report, indent=2) + "\n" if fmt == "json"
                         else report_markdown(report) + skills_markdown(report["skills"]))
    usage.audit("cli", "export", f"report {fmt}", period.as_dict())


def purge_command(
    ctx: typer.Context,
    days: Annotated[int | None, typer.Option(help="Delete records older than this many days "
                                                  "(default: GUIDE_RETENTION_DAYS).")] = None,
) -> None:
    """Delete usage records older than the retention period."""
    from usage.factory import open_usage_log

    days = days or ctx.obj.retention_days
    if not days:
        raise GuideError("give --days or set GUIDE_RETENTION_DAYS")
    usage = open_usage_log(ctx.obj)
    removed = usage.purge(days)
    usage.audit("cli", "purge", f"older than {days} days", {"removed": removed})
    Console().print(f"Deleted {removed} questions older than {days} days.")


def accounts(ctx: typer.Context) -> Accounts:
    from usage.accounts import Accounts
    from usage.factory import open_usage_log

    return Accounts(open_usage_log(ctx.obj).engine)


def users_add(
    ctx: typer.Context,
    email: str,
    role: Annotated[str, typer.Option(help="manager or trainer")],
    slack_user: Annotated[str | None, typer.Option(
        help="Slack user id: sign-in links are sent there.")] = None,
    no_password: Annotated[bool, typer.Option(
        help="Sign in by Slack link only.")] = False,
    audience: Annotated[list[str] | None, typer.Option(
        help="Audiences this person reads beyond all-staff and their role's (managers: "
        "'managers'), e.g. probation,managers.")] = None,
) -> None:
    """Add a manager or trainer (the password is asked for, or read from stdin)."""
    password = None
    if not no_password:
        if sys.stdin.isatty():
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\n")
    user = accounts(ctx).add(email, role, password, slack_user, split_names(audience))
    extra = f", reading {', '.join(user.audiences)} too" if user.audiences else ""
    Console().print(f"Added {user.email} as {user.role}{extra}.")


def users_list(ctx: typer.Context) -> None:
    """The people who may sign in, their roles and the audiences they read."""
    from config.audiences import AudienceDirectory

    directory = AudienceDirectory(ctx.obj.audiences_path)
    table = Table("email", "role", "slack user", "audiences")
    for user in accounts(ctx).all():
        reads = directory.for_role(user.role) | set(user.audiences)
        table.add_row(user.email, user.role, user.slack_user or "", ", ".join(sorted(reads)))
    Console().print(table)


def users_audiences(
    ctx: typer.Context,
    email: str,
    audience: Annotated[list[str] | None, typer.Option(
        help="The audiences this person reads beyond all-staff and their role's; none: "
        "just those.")] = None,
) -> None:
    """Change the audiences someone reads (applies at their next question)."""
    names = split_names(audience)
    if not accounts(ctx).set_audiences(email, names):
        raise GuideError(f"no account for {email}")
    Console().print(f"{email} now reads {', '.join(names) or 'no extra audiences'}.")


def users_remove(ctx: typer.Context, email: str) -> None:
    """Remove someone's access (their open sessions end at once)."""
    if not accounts(ctx).remove(email):
        raise GuideError(f"no account for {email}")
    Console().print(f"Removed {email}.")


def users_role(
    ctx: typer.Context, email: str,
    role: Annotated[str, typer.Argument(help="manager or trainer")],
) -> None:
    """Change someone's role (their open sessions change with it)."""
    if not accounts(ctx).set_role(email, role):
        raise GuideError(f"no account for {email}")
    Console().print(f"{email} is now a {role}.")


def usage_app() -> typer.Typer:
    app = typer.Typer(help="The usage log: retention.", no_args_is_help=True)
    app.command("purge")(purge_command)
    return app


def users_app() -> typer.Typer:
    app = typer.Typer(help="Who may sign in to the web pages.", no_args_is_help=True)
    app.command("add")(users_add)
    app.command("list")(users_list)
    app.command("role")(users_role)
    app.command("audiences")(users_audiences)
    app.command("remove")(users_remove)
    return app
