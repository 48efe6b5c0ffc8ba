"""General prompts shipped with lab, split for good into a *probe* half and a *rehearsal* half.

The prompts (``prompts.jsonl`` beside this module, written for lab: everyday questions, instructions, short
writing, arithmetic, definitions, greetings, a little code, advice and small puzzles) are what a pretrained model
could already answer before any taxonomy reached it. The probe half measures how far a checkpoint drifted from its
starting model (``lab_cli.evaluate.drift``); the rehearsal half is what a model may rehearse in training. A prompt's
half is fixed by a hash of its text, never by a shuffle or its position, so adding a prompt never moves another one
and the halves never overlap. Users add probe prompts of their own (a file in the same JSON Lines form: the
taxonomy's ``lab_probes.jsonl`` or ``lab eval --probe FILE``); those are always probes, and
``rehearsal_prompts(excluding=...)`` keeps them out of rehearsal even when one repeats a shipped rehearsal prompt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from lab_cli.errors import LabError

Half = Literal["probe", "rehearsal"]
TAXONOMY_PROBE_FILE = "lab_probes.jsonl"  # at the taxonomy root: the taxonomy's own probe prompts
MAX_PROMPT_CHARS = 4000  # a probe is a question, not a document; longer lines are a mistake in the file


def _normal(text: str) -> str:
    """The text a prompt is identified by: case and spacing do not make two prompts different."""
    return " ".join(text.split()).casefold()


def prompt_digest(text: str) -> str:
    """SHA-256 of a prompt's normalised text (lower case, single spaces)."""
    return hashlib.sha256(_normal(text).encode("utf-8")).hexdigest()


def prompt_half(text: str) -> Half:
    """The half a shipped prompt belongs to, fixed forever by the first bit of its text's digest."""
    return "probe" if int(prompt_digest(text)[:8], 16) < 0x80000000 else "rehearsal"


@dataclass(frozen=True)
class GeneralPrompt:
    """One general prompt: its text, a category, and where it came from (``lab`` for a shipped one, else
    ``FILE:LINE``)."""

    text: str
    category: str = "user"
    source: str = "lab"

    @property
    def digest(self) -> str:
        """The digest of the prompt's normalised text (see ``prompt_digest``)."""
        return prompt_digest(self.text)

    def messages(self) -> tuple[dict, ...]:
        """The prompt as a one-turn conversation."""
        return ({"role": "user", "content": self.text},)


def parse_prompt_lines(lines: list[str], where: str) -> tuple[GeneralPrompt, ...]:
    """Prompts from JSON Lines (``{"prompt": TEXT, "category": NAME}`` per line, ``category`` optional, blank
    lines skipped); a ``LabError`` naming ``where`` and the line for the first bad one."""
    prompts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        prompts.append(_parse_line(line, f"{where}:{number}"))
    if not prompts:
        raise LabError(f'{where}: no prompts; write one JSON object per line, e.g. {{"prompt": "What is rain?"}}')
    return tuple(prompts)


def _parse_line(line: str, where: str) -> GeneralPrompt:
    try:
        record = json.loads(line)
    except ValueError as problem:
        raise LabError(f'{where}: not a JSON object ({problem}); write {{"prompt": "..."}} per line') from None
    if not isinstance(record, dict):
        raise LabError(f'{where}: expected a JSON object with a "prompt", found {type(record).__name__}')
    unknown = sorted(set(record) - {"prompt", "category"})
    if unknown:
        raise LabError(f'{where}: unknown key {unknown[0]!r}; a line holds "prompt" and optionally "category"')
    text, category = record.get("prompt"), record.get("category", "user")
    if not isinstance(text, str) or not text.strip():
        raise LabError(f'{where}: "prompt" must be a non-empty string')
    if len(text) > MAX_PROMPT_CHARS:
        raise LabError(f"{where}: the prompt is {len(text)} characters; at most {MAX_PROMPT_CHARS}")
    if not isinstance(category, str) or not category.strip():
        raise LabError(f'{where}: "category" must be a non-empty string')
    return GeneralPrompt(text.strip(), category.strip(), where)


def read_prompt_file(path: Path) -> tuple[GeneralPrompt, ...]:
    """The prompts of a user's probe file (JSON Lines, see ``parse_prompt_lines``); a ``LabError`` naming the
    file and line of the first malformed one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabError(f"{path}: no such probe file") from None
    except UnicodeDecodeError as problem:
        line = path.read_bytes()[: problem.start].count(b"\n") + 1
        raise LabError(f"{path}:{line}: not UTF-8 text (byte {problem.start})") from None
    except OSError as problem:
        raise LabError(f"{path}: cannot read the probe file ({problem.strerror})") from None
    return parse_prompt_lines(text.splitlines(), str(path))


@cache
def shipped_prompts() -> tuple[GeneralPrompt, ...]:
    """Every general prompt lab ships, in file order."""
    text = resources.files("lab_cli.general").joinpath("prompts.jsonl").read_text(encoding="utf-8")
    return tuple(
        GeneralPrompt(prompt.text, prompt.category, "lab")
        for prompt in parse_prompt_lines(text.splitlines(), "prompts.jsonl")
    )


def _half(half: Half, count: int | None) -> tuple[GeneralPrompt, ...]:
    chosen = sorted((p for p in shipped_prompts() if prompt_half(p.text) == half), key=lambda p: p.digest)
    return tuple(chosen if count is None else chosen[:count])


def probe_prompts(count: int | None = None) -> tuple[GeneralPrompt, ...]:
    """The shipped probe half in digest order (a fixed mix of categories): the first ``count``, or all."""
    return _half("probe", count)


def rehearsal_prompts(count: int | None = None, excluding: tuple[GeneralPrompt, ...] = ()) -> tuple[GeneralPrompt, ...]:
    """The shipped rehearsal half in digest order, the first ``count`` or all, without any prompt whose text
    (normalised) is among ``excluding`` (pass a taxonomy's or user's probe prompts: a probe is never rehearsed).

    Example::

        prompts = rehearsal_prompts(excluding=probe_set(Path("taxonomy")))  # shipped, minus the taxonomy's probes
        conversations = [p.messages() for p in prompts]
    """
    banned = {p.digest for p in excluding}
    kept = [p for p in _half("rehearsal", None) if p.digest not in banned]
    return tuple(kept if count is None else kept[:count])


def read_prompt_files(paths: tuple[Path, ...]) -> tuple[GeneralPrompt, ...]:
    """The prompts of every file, in order (see ``read_prompt_file``)."""
    return tuple(prompt for path in paths for prompt in read_prompt_file(path))


def probe_set(
    taxonomy: Path | None, count: int | None = None, extra: tuple[GeneralPrompt, ...] = ()
) -> tuple[GeneralPrompt, ...]:
    """The probes to measure drift with: the first ``count`` shipped probes (all when ``None``), then the
    taxonomy's ``lab_probes.jsonl`` (when ``taxonomy`` has one), then ``extra`` (``--probe`` files); a repeated
    text once."""
    own = taxonomy / TAXONOMY_PROBE_FILE if taxonomy is not None else None
    taxonomy_prompts = read_prompt_file(own) if own is not None and own.is_file() else ()
    chosen, seen = [], set()
    for prompt in (*probe_prompts(count), *taxonomy_prompts, *extra):
        if prompt.digest not in seen:
            seen.add(prompt.digest)
            chosen.append(prompt)
    return tuple(chosen)
