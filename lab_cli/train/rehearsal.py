"""Rehearsal: general conversations mixed into every phase, so training on new leaves keeps what the starting
model could do before (answer everyday questions, follow instructions).

A source is a pool of conversations outside the taxonomy: a user's replay file (``--replay-data``, InstructLab's
messages format) or the starting model's own answers to lab's rehearsal prompts. Each epoch of every phase draws
afresh from each source, like replay of an old leaf, ``ceil(rehearsal_ratio × new samples of the epoch)`` in all,
split evenly over the sources (at most a source's size), so rehearsal grows with what a phase teaches rather than
with the size of a user's file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from lab_cli.errors import UsageError
from lab_cli.train.mixing import Example

REHEARSAL_KIND = "rehearsal"
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class RehearsalSource:
    """One pool of rehearsal conversations and what the lineage records of it."""

    name: str  # the pseudo-leaf its samples are drawn and counted under, e.g. "rehearsal:file:generic.jsonl"
    examples: tuple[Example, ...]
    record: dict  # source, path or model, digest, samples: recorded in the lineage

    @property
    def size(self) -> int:
        """How many conversations the source holds."""
        return len(self.examples)


def _problem(path: Path, line: int, what: str) -> UsageError:
    return UsageError(
        f"--replay-data {path}, line {line}: {what}; each line must be a JSON object "
        '{"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}'
    )


def _messages(path: Path, line: int, text: str) -> tuple[dict, ...]:
    try:
        record = json.loads(text)
    except ValueError as error:
        raise _problem(path, line, f"not JSON ({error.msg})") from None
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or not messages:
        raise _problem(path, line, 'no "messages" list')
    for turn in messages:
        if not isinstance(turn, dict) or turn.get("role") not in ROLES or not isinstance(turn.get("content"), str):
            raise _problem(path, line, f"a turn must have a role ({', '.join(ROLES)}) and a text content")
    if messages[-1]["role"] != "assistant":
        raise _problem(path, line, "the last turn must be the assistant's (it is what the model learns)")
    return tuple({"role": turn["role"], "content": turn["content"]} for turn in messages)


def read_replay_data(path: Path) -> RehearsalSource:
    """A user's replay file (JSON lines in the messages format) as a rehearsal source; a clear error naming the
    first bad line, before anything trains."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read --replay-data {path}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"--replay-data {path} is not UTF-8 text") from None
    name = f"{REHEARSAL_KIND}:file:{path.name}"
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            messages = _messages(path, number, line)
            examples.append(Example(name, REHEARSAL_KIND, "short", name, messages, "rehearsal", f"{name}#{number}"))
    if not examples:
        raise UsageError(f"--replay-data {path} holds no conversations")
    record = {
        "source": "file",
        "path": str(path.resolve()),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "samples": len(examples),
    }
    return RehearsalSource(name, tuple(examples), record)
