"""``guide walk QUESTION|DOC``: a procedure from the guidance, one step at a time in a terminal;
with ``--json`` the whole walkthrough as one JSON object; with ``--list`` every procedure."""

from __future__ import annotations

import json
import sys
import uuid
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from assistant import messages as msg

if TYPE_CHECKING:  # the model and the index load only when the command runs
    from assistant.answer import Citation
    from assistant.walkthrough import Walkthrough, Walkthroughs
    from usage.log import Asked

PROMPT = "[d]one  [s]tuck  [q]uit"
STUCK_PROMPT = "[d]one  [a]sk a person  [q]uit"


def source_line(c: Citation) -> str:
    where = ", ".join(x for x in (f"p. {c.page}" if c.page else "", c.heading_path) if x)
    version = f" (version {c.version})" if c.version else ""
    line = f"    [{c.number}] {c.title}{version}" + (f" — {where}" if where else "")
    return line + (f"\n    ! {c.warning}" if c.warning else "")


def quoted(c: Citation) -> str:
    return f"  \u201c{c.quote}\u201d [{c.number}]"


def render_start(walk: Walkthrough) -> str:
    lines = [f"{walk.name} — {len(walk.steps)} steps, from {walk.title}"]
    lines += [quoted(c) for c in walk.intro]
    return "\n".join(lines)


def render_step(walk: Walkthrough, number: int) -> str:
    step = walk.step(number)
    assert step is not None
    return "\n".join([f"\nStep {number} of {len(walk.steps)}:", quoted(step.citation),
                      source_line(step.citation)])


def render_stuck(walk: Walkthrough, number: int) -> str:
    step = walk.step(number)
    assert step is not None
    help_ = step.guidance or walk.notes
    if not help_:
        return msg.WALK_NO_GUIDANCE
    return "\n".join([msg.WALK_STUCK, *(quoted(c) for c in help_)])


def render_finished(walk: Walkthrough) -> str:
    return "\n".join([msg.WALK_FINISHED.format(name=walk.name), *(quoted(c) for c in walk.notes)])


def choice(console: Console, prompt: str, allowed: str) -> str:
    """One letter of ``allowed``; "q" at the end of input."""
    while True:
        try:
            answer = console.input(escape(f"{prompt} > ")).strip().lower()[:1]
        except (EOFError, KeyboardInterrupt):
            return "q"
        if answer in allowed:
            return answer
        console.print(f"Type one of: {', '.join(allowed)}")


def walk_through(walk: Walkthrough, walks: Walkthroughs, asked: Asked, console: Console) -> None:
    """Follow ``walk`` step by step, recording each event."""
    walk_id = uuid.uuid4().hex
    console.print(render_start(walk), markup=False)
    walks.record(asked, walk, walk_id, "started", 1)
    number = 1
    while number <= len(walk.steps):
        console.print(render_step(walk, number), markup=False)
        picked = choice(console, PROMPT, "dsq")
        if picked == "s":
            walks.record(asked, walk, walk_id, "stuck", number)
            console.print(render_stuck(walk, number), markup=False)
            console.print(msg.WALK_ASK_PERSON.format(contact=walk.contact.capitalize()),
                          markup=False)
            picked = choice(console, STUCK_PROMPT, "daq")
            if picked == "a":
                walks.record(asked, walk, walk_id, "escalated", number)
                console.print(msg.WALK_TELL_CONTACT.format(contact=walk.contact, n=number,
                                                           name=walk.name), markup=False)
                picked = choice(console, "[d]one  [q]uit", "dq")
        if picked == "q":
            return
        walks.record(asked, walk, walk_id, "done", number)
        number += 1
    console.print("\n" + render_finished(walk), markup=False)


def walk_command(
    ctx: typer.Context,
    request: Annotated[list[str] | None, typer.Argument(
        help="What to walk through (\"resetting my MFA\"), or a document or procedure id.",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the whole walkthrough as one JSON object.")] = False,
    list_all: Annotated[bool, typer.Option(
        "--list", help="List every procedure Guide can walk through.")] = False,
    audience: Annotated[list[str] | None, typer.Option(
        help="Walk through as someone in this audience (for trainers testing): several by "
        "commas or by repeating it. Default: all staff only.")] = None,
) -> None:
    """Follow a procedure from the guidance one step at a time (Done / Stuck).
    Exits 1 when there is no walkthrough for the request."""
    from assistant.cli import build_assistant, cli_user
    from assistant.walkthrough import Walkthroughs, walkthrough_json
    from config.audiences import readers, split_names
    from config.errors import GuideError

    audiences = readers(split_names(audience))
    console = Console(highlight=False)
    text = " ".join(request or []).strip()
    if not text and not list_all:
        raise GuideError("say what to walk through, e.g. guide walk resetting my MFA "
                         "(or guide walk --list)")
    walks = Walkthroughs.of(build_assistant(ctx.obj))
    if list_all:
        procedures = walks.all(audiences)
        if as_json:
            sys.stdout.write(json.dumps([
                {"procedure_id": p.id, "name": p.name, "title": p.title, "doc_id": p.doc_id,
                 "steps": len(p.steps), "marked": p.marked} for p in procedures], indent=2)
                + "\n")
        else:
            for p in procedures:
                console.print(f"{p.id}  {p.name} ({len(p.steps)} steps) — {p.title}",
                              markup=False)
        return
    walk = walks.find(text, audiences=audiences)
    if as_json:
        sys.stdout.write(json.dumps(walkthrough_json(walk), indent=2) + "\n")
        raise typer.Exit(0 if walk.status == "found" else 1)
    if walk.status != "found":
        console.print(walk.text, markup=False)
        raise typer.Exit(1)
    walk_through(walk, walks, cli_user(), console)
    if walk.others:
        console.print("\nAlso in the guidance: " + "; ".join(
            f"{o['name']} (guide walk {o['procedure_id']})" for o in walk.others), markup=False)
