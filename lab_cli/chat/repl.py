"""The interactive loop of ``lab chat``: read a line, run a ``/`` command or ask the model, show the answer.

Reading and writing are passed in, so the loop runs the same in a terminal and under a test's scripted input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lab_cli.chat.session import ChatSession, Reply

HELP = "/reset forgets the conversation, /system TEXT sets the system prompt (alone: shows it), /exit leaves"


@dataclass(frozen=True)
class Io:
    """How the loop talks to the user: ``read`` returns a line or None at end of input; ``write`` shows a line;
    ``answer_text`` shows a piece of a streamed answer, the first being ``answer_prefix``."""

    read: Callable[[], str | None]
    write: Callable[[str], None]
    answer_text: Callable[[str], None]
    answer_prefix: str = ""


def run_chat(session: ChatSession, io: Io) -> list[Reply]:
    """Talk until ``/exit`` or the end of input; the replies given, in order."""
    replies: list[Reply] = []
    while (line := io.read()) is not None:
        text = line.strip()
        if not text:
            continue
        if text.startswith("/"):
            if not _command(session, text, io):
                break
            continue
        if io.answer_prefix:
            io.answer_text(io.answer_prefix)
        replies.append(session.ask(text, io.answer_text))
        io.write("")
    return replies


def _command(session: ChatSession, text: str, io: Io) -> bool:
    """Carry out one ``/`` command; False when the chat should end."""
    name, _, argument = text.partition(" ")
    if name in ("/exit", "/quit"):
        return False
    if name == "/reset":
        session.reset()
        io.write("(conversation forgotten)")
    elif name == "/system" and argument.strip():
        session.set_system(argument.strip())
        io.write(f"(system prompt set; conversation forgotten): {argument.strip()}")
    elif name == "/system":
        io.write(f"system prompt: {session.system_prompt or '(none)'}")
    else:
        io.write(f"unknown command {name}; {HELP}")
    return True
