"""Staff commands: ``guide ask`` (one question, or a batch on stdin) and ``guide chat``."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.text import Text

from config.audiences import split_names

if TYPE_CHECKING:  # the model and the index load only when a command runs
    from assistant.answer import Answer
    from assistant.core import Assistant
    from config.settings import Settings
    from usage.log import Asked


def render_text(answer: Answer) -> str:
    """An answer for a terminal: the text, then numbered sources with their quotes."""
    lines = [answer.text]
    if answer.follow_up and answer.follow_up != answer.text:
        lines.append(answer.follow_up)
    if answer.notice:
        lines.append(f"({answer.notice})")
    seen: set[int] = set()
    if answer.citations:
        lines.append("\nSources:")
    for c in answer.citations:
        if c.number not in seen:
            seen.add(c.number)
            where = ", ".join(x for x in (f"p. {c.page}" if c.page else "", c.heading_path) if x)
            version = f" (version {c.version})" if c.version else ""
            lines.append(f"[{c.number}] {c.title}{version}" + (f" — {where}" if where else ""))
            if c.warning:
                lines.append(f"    ! {c.warning}")
        lines.append(f"    \u201c{c.quote}\u201d")
    return "\n".join(lines)


def answer_live(console: Console, ask: Callable[[], Answer]) -> Answer:
    """``ask()``, with the model's words shown as it writes them (LLM mode, in a terminal);
    they are cleared when the answer is ready, for the caller to print the checked answer."""
    if not console.is_terminal:
        return ask()
    from assistant.llm import streaming_to

    shown = ""
    with Live(Text(), console=console, transient=True, auto_refresh=False) as live:

        def grow(piece: str) -> None:
            nonlocal shown
            shown += piece
            live.update(Text(shown, style="dim"), refresh=True)

        with streaming_to(grow):
            return ask()


def build_assistant(settings: Settings) -> Assistant:
    from assistant.core import Assistant
    from usage.factory import open_usage_log

    try:
        usage = open_usage_log(settings)
    except Exception as exc:  # answering matters more than logging the answer
        Console(stderr=True).print(f"[yellow]warning:[/yellow] usage log unavailable, "
                                   f"questions will not be recorded: {exc}")
        usage = None
    return Assistant(settings, usage=usage)


def cli_user() -> Asked:
    from usage.log import Asked

    try:
        user = getpass.getuser()
    except Exception:  # no user name in a container
        user = None
    return Asked("cli", user=user, channel_type="terminal")


def ask_command(
    ctx: typer.Context,
    question: Annotated[str | None, typer.Argument(
        help="The question. Without one, reads one question per line from stdin.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    audience: Annotated[list[str] | None, typer.Option(
        help="Answer as someone in this audience (for trainers testing): several by commas "
        "or by repeating it. Default: all staff only.")] = None,
) -> None:
    """Ask Guide a question and get a cited answer."""
    console = Console(highlight=False)
    assistant = build_assistant(ctx.obj)
    if question is not None:
        ask = partial(assistant.ask, question, audiences=split_names(audience),
                      asked=cli_user())
        answer = ask() if as_json else answer_live(console, ask)
        if as_json:
            sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        else:
            console.print(render_text(answer), markup=False)
        return
    for line in sys.stdin:  # batch: the model is loaded once for every question
        if line.strip():
            answer = assistant.ask(line.strip(), audiences=split_names(audience),
                                   asked=cli_user())
            sys.stdout.write(answer.model_dump_json() + "\n")
            sys.stdout.flush()


def chat_command(
    ctx: typer.Context,
    audience: Annotated[list[str] | None, typer.Option(
        help="Answer as someone in this audience (for trainers testing): several by commas "
        "or by repeating it. Default: all staff only.")] = None,
) -> None:
    """A conversation with Guide in the terminal (follow-ups use earlier turns)."""
    console = Console(highlight=False)
    assistant = build_assistant(ctx.obj)
    console.print("Ask a question about the guidance. Empty line or Ctrl-D to finish.")
    history: list[str] = []
    while True:
        try:
            question = console.input("[bold]you>[/bold] ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        answer = answer_live(console, partial(assistant.ask, question, history=history,
                                              audiences=split_names(audience),
                                              asked=cli_user()))
        console.print(render_text(answer), markup=False)
        history.append(answer.question)  # as guarded: identifiers never kept
