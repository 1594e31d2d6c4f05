"""``guide skills ...``: show or load the framework (trainers), take the skills check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # loaded only when a command runs
    from rich.console import Console

    from assistant.skills.check import Rating
    from assistant.skills.framework import Framework


def framework_show(ctx: typer.Context,
                   as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The framework in use (YAML, ready to edit and load back; or JSON)."""
    import json

    from assistant.skills.framework import current_framework

    framework = current_framework(ctx.obj.data_dir)
    sys.stdout.write(json.dumps(framework.model_dump(mode="json"), indent=2) + "\n"
                     if as_json else framework.to_yaml())


def framework_load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A framework YAML file.", exists=True,
                                         dir_okay=False)],
) -> None:
    """Check FILE and make it the framework in use; a bad file changes nothing."""
    from rich.console import Console

    from assistant.skills.framework import framework_path, link_warnings, load_framework
    from knowledge.base import KnowledgeBase

    framework = load_framework(file, ctx.obj.data_dir)
    console = Console()
    console.print(f"Loaded {framework.name!r}: {len(framework.areas)} areas, "
                  f"{len(framework.statements)} statements, into "
                  f"{framework_path(ctx.obj.data_dir)}.", markup=False)
    for warning in link_warnings(framework, KnowledgeBase(ctx.obj).catalog.current()):
        console.print(f"Warning: {warning}", style="yellow", markup=False)


def ask_ratings(console: Console, framework: Framework) -> list[Rating]:
    from rich.prompt import Prompt

    from assistant.skills import messages as msg
    from assistant.skills.check import Rating

    scale = "  ".join(f"{s.value} {s.label}" for s in framework.scale)
    choices = [str(v) for v in framework.values]
    console.print(msg.INTRO, f"\nScale: {scale}. Press Enter to skip a statement.\n",
                  markup=False)
    out: list[Rating] = []
    for area in framework.areas:
        console.print(f"[bold]{area.name}[/bold]")
        for statement in area.statements:
            console.print(f"  {statement.text} ({framework.level_name(statement.level)})",
                          markup=False)
            now = Prompt.ask(f"    {msg.NOW}", choices=[*choices, ""], default="",
                             show_default=False, show_choices=False, console=console)
            if not now:
                continue
            need = Prompt.ask(f"    {msg.NEED}", choices=choices, show_choices=False,
                              console=console)
            out.append(Rating(statement.id, int(now), int(need)))
    return out


def check_command(
    ctx: typer.Context,
    record: Annotated[bool, typer.Option("--record", help="Show your record; rate nothing.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Your record as JSON.")] = False,
    delete: Annotated[bool, typer.Option("--delete", help="Delete your record.")] = False,
) -> None:
    """Your private skills check: rate where you are now and where you need to be; see your
    top gaps and the guidance that helps. Kept under your (pseudonymised) login name."""
    import getpass
    import json

    from rich.console import Console

    from assistant.skills import messages as msg
    from assistant.skills.check import gaps, record_as_dict
    from assistant.skills.framework import current_framework
    from knowledge.base import KnowledgeBase
    from usage.factory import open_usage_log
    from usage.skills import SkillsRecords

    settings = ctx.obj
    console = Console(highlight=False)
    framework = current_framework(settings.data_dir)
    usage = open_usage_log(settings)
    records = SkillsRecords(usage.engine, usage.pseudonymise)
    person = records.person("cli", getpass.getuser())
    if delete:
        console.print(msg.DELETED if records.delete(person) else msg.NOTHING_TO_DELETE)
        return
    if not (record or as_json):
        console.print(msg.PRIVACY.format(min_group=settings.skills_min_group), markup=False)
        rated = ask_ratings(console, framework)
        records.save(person, [(r.statement_id, framework.statements[r.statement_id][0].id,
                               framework.statements[r.statement_id][1].level, r.now, r.need)
                              for r in rated])
        console.print(msg.SAVED.format(count=len(rated)))
    held = records.get(person)
    ratings = held.ratings if held else {}
    current = {e.doc_id: {"doc_id": e.doc_id, "title": e.title}
               for e in KnowledgeBase(settings).catalog.current()}
    if as_json:
        sys.stdout.write(json.dumps(record_as_dict(
            framework, ratings, held.updated_at.isoformat() if held else None, current.get),
            indent=2) + "\n")
        return
    if held is None:
        console.print(msg.NO_RECORD)
        return
    found = gaps(framework, ratings, find_document=current.get)
    if not found:
        console.print(msg.NO_GAPS)
        return
    console.print(f"\n[bold]{msg.TOP_GAPS}[/bold]")
    for n, gap in enumerate(found, 1):
        console.print(f"{n}. {gap.statement} ({gap.area}, {gap.level}): now {gap.now_label}, "
                      f"need {gap.need_label}", markup=False)
        if gap.documents:
            console.print("   Read: " + "; ".join(d["title"] for d in gap.documents),
                          markup=False)
        if gap.ask:
            console.print(f"   {msg.ASK_GUIDE}: guide ask \"{gap.ask}\"", markup=False)


def skills_app() -> typer.Typer:
    app = typer.Typer(help="Digital skills: the framework and your private skills check.",
                      no_args_is_help=True)
    framework = typer.Typer(help="The skills framework trainers edit.", no_args_is_help=True)
    framework.command("show")(framework_show)
    framework.command("load")(framework_load)
    app.add_typer(framework, name="framework")
    app.command("check")(check_command)
    return app
