"""``lab chat``: talk to a checkpoint in the terminal, or ask it one question from a script."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from lab_cli.cli.options import REPORT_FORMAT
from lab_cli.output import ReportFormat

EPILOG = """Examples:

  lab chat --model models/c3                 # a chat; /reset, /system TEXT, /exit (or Ctrl-D)

  lab chat --model default --once "What is a black-capped chickadee?"

  lab chat --model models/c3 --once "Hi" --format json   # answer, prompt as rendered, model, leaves

On start lab names the checkpoint, its taxonomy commit and its leaves; it asks with
the system prompt the checkpoint was trained with (from lab_lineage.json; --system
overrides). Greedy by default (--temperature 0).

Exit codes: 0 done, 2 usage error (no such checkpoint or device, --format json without --once), 130 interrupted."""


def chat(
    model: Annotated[str, typer.Option(help="A checkpoint folder, or 'default' (the bundled model).")] = "default",
    once: Annotated[str | None, typer.Option("--once", help="Ask this one question, print the answer, exit.")] = None,
    system: Annotated[str | None, typer.Option(help="System prompt instead of the checkpoint's.")] = None,
    max_tokens: Annotated[int, typer.Option(help="Longest answer, in tokens.", min=1)] = 256,
    temperature: Annotated[float, typer.Option(help="0 = greedy; above 0 samples.", min=0.0)] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of sampling.")] = 0,
    device: Annotated[str, typer.Option(help="auto (the GPU when there is one), cpu, cuda, cuda:1…")] = "auto",
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
) -> int:
    """Chat with a checkpoint, with the system prompt it was trained with."""
    from lab_cli.chat.session import model_card, open_session
    from lab_cli.errors import UsageError
    from lab_cli.teacher.local_model import resolve_model

    if output_format is ReportFormat.JSON and once is None:
        raise UsageError("--format json needs --once QUESTION (a chat is for people)")
    card = model_card(resolve_model(model), system)
    session = open_session(card, device, max_tokens, temperature, seed)
    if once is not None:
        if output_format is ReportFormat.JSON:
            print(json.dumps({**card.as_dict(), **session.ask(once).as_dict()}, indent=2, ensure_ascii=False))
        else:
            from rich.console import Console

            from lab_cli.output.chat import card_lines, for_terminal

            stderr = Console(stderr=True, highlight=False, soft_wrap=True)
            for line in card_lines(card):  # on standard error: standard output is the answer alone
                stderr.print(line)

            session.ask(once, lambda text: print(for_terminal(text), end="", flush=True))
            print()
        return 0
    return _interactive(card, session)


def _interactive(card, session) -> int:
    from rich.console import Console

    from lab_cli.chat.repl import HELP, Io, run_chat
    from lab_cli.output.chat import card_lines, for_terminal

    console = Console(highlight=False, soft_wrap=True)
    for line in card_lines(card):
        console.print(line)
    console.print(f"[dim]{HELP}[/]")

    def read() -> str | None:
        try:
            return console.input("[bold]you>[/] ")
        except EOFError:
            return None

    def answer_text(text: str) -> None:
        sys.stdout.write(for_terminal(text))
        sys.stdout.flush()

    io = Io(read, lambda text: console.print(text, markup=False), answer_text, f"{card.name}> ")
    run_chat(session, io)
    return 0
