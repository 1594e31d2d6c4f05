"""``guide teams ...``: setting Guide up in Microsoft Teams."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def package_command(
    ctx: typer.Context,
    website: Annotated[str, typer.Option(
        help="Your organisation's https:// site (privacy and terms pages default to "
        "/privacy and /terms under it).")],
    out: Annotated[Path, typer.Option(help="Zip file (or folder) to write.")] = Path(
        "guide-teams.zip"),
    name: Annotated[str, typer.Option(help="The app's name in Teams.")] = "Guide",
    developer: Annotated[str, typer.Option(help="Who publishes it.")] = "Guide",
    version: Annotated[str, typer.Option(help="Package version; raise it for each "
                                         "upload.")] = "1.0.0",
    privacy_url: Annotated[str | None, typer.Option(help="Privacy statement URL.")] = None,
    terms_url: Annotated[str | None, typer.Option(help="Terms of use URL.")] = None,
) -> None:
    """Write the Teams app package (manifest.json + icons, zipped) for TEAMS_APP_ID."""
    from rich.console import Console

    from channels.teams.package import write_package
    from config.errors import GuideError

    app_id = ctx.obj.teams_app_id
    if not app_id:
        raise GuideError("set TEAMS_APP_ID (the bot's Microsoft App ID) first")
    path = write_package(out, app_id, name=name, developer=developer, website=website,
                         version=version, privacy_url=privacy_url, terms_url=terms_url)
    Console(highlight=False).print(f"Wrote {path}: upload it in Teams (Apps > Manage your "
                                   "apps > Upload an app) or the Teams admin centre.")


def teams_app() -> typer.Typer:
    """A new `guide teams` group."""
    app = typer.Typer(help="Set Guide up in Microsoft Teams.", no_args_is_help=True)
    app.command("package")(package_command)
    return app
