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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lab_cli.datasets.keys import digest
from lab_cli.datasets.store import write_atomic_text
from lab_cli.errors import UsageError
from lab_cli.paths import cache_dir
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


SELF_VERSION = 1  # bump when how answers are made changes, so cached answers are made again
SELF_SEED = 0  # one draw per starting model, shared by every run and seed that starts from it
SELF_MAX_NEW_TOKENS = 192  # most general answers of SmolLM2-135M end well within it; longer ones are dropped


@dataclass(frozen=True)
class SelfRehearsal:
    """How the starting model's own answers are made: ``answers_per_prompt`` sampled at ``temperature`` (0 is
    greedy: one answer per prompt)."""

    answers_per_prompt: int = 2
    temperature: float = 1.0
    max_new_tokens: int = SELF_MAX_NEW_TOKENS


def self_rehearsal(
    model_dir: Path,
    prompts: tuple,
    system_prompt: str,
    how: SelfRehearsal,
    say: Callable[[str], None] = lambda _: None,
) -> RehearsalSource:
    """The starting model's own answers to ``prompts`` (``GeneralPrompt``s) as a rehearsal source, made once
    per model, prompts and settings and cached; answers cut off by the token budget are dropped (training on
    them would teach the model to stop mid-sentence)."""
    from lab_cli.teacher.local_model import model_identity

    identity = model_identity(model_dir)
    answers = 1 if how.temperature <= 0 else how.answers_per_prompt
    key = digest(
        {
            "version": SELF_VERSION,
            "model": identity,
            "prompts": [p.digest for p in prompts],
            "system_prompt": system_prompt,
            "answers": answers,
            "temperature": how.temperature,
            "max_new_tokens": how.max_new_tokens,
            "seed": SELF_SEED,
        }
    )
    path = cache_dir() / "rehearsal" / f"{key[:32]}.jsonl"
    if path.is_file():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    else:
        say(f"rehearsal: {len(prompts)} prompts × {answers} answers from {model_dir} (once; cached in {path})")
        rows = _answer(model_dir, prompts, system_prompt, how, answers)
        write_atomic_text(path, "".join(json.dumps(row) + "\n" for row in rows))  # ASCII: one record per line
    name = f"{REHEARSAL_KIND}:self"
    examples = tuple(
        Example(name, REHEARSAL_KIND, "short", name, tuple(row["messages"]), "rehearsal", f"{name}#{index}")
        for index, row in enumerate(rows)
        if row["ended"]
    )
    record = {
        "source": "self",
        "model": identity,
        "prompts": len(prompts),
        "answers_per_prompt": answers,
        "temperature": how.temperature,
        "max_new_tokens": how.max_new_tokens,
        "cache": str(path),
        "samples": len(examples),
        "dropped_unfinished": len(rows) - len(examples),
    }
    return RehearsalSource(name, examples, record)


def _answer(model_dir: Path, prompts: tuple, system_prompt: str, how: SelfRehearsal, answers: int) -> list[dict]:
    from lab_cli.evaluate.answers import answers_with_ends, load
    from lab_cli.prompts import with_system_prompt

    model, tokenizer = load(model_dir)
    asked = [with_system_prompt(p.messages(), system_prompt) for p in prompts for _ in range(answers)]
    found = answers_with_ends(model, tokenizer, asked, how.temperature, SELF_SEED, max_new_tokens=how.max_new_tokens)
    # stored without the system turn: training puts the run's own system prompt first, as for every sample
    return [
        {
            "messages": [*(t for t in prompt if t["role"] != "system"), {"role": "assistant", "content": text}],
            "ended": ended,
        }
        for prompt, (text, ended) in zip(asked, found, strict=True)
    ]
