"""Which of a leaf's human-written seed examples are held out for evaluation, and the seeds the teacher sees.

A fixed share of every leaf's seed question–answer pairs is never trained on: the pairs whose digest (of the
question and answer text) sorts first, so the choice is stable while the leaf is unchanged and does not depend
on the teacher, the seed or the order of the file. They are the leaf's human eval items (``origin: seed``,
``split: eval``). The teacher is not shown them as demonstrations either, so a generated sample cannot copy a
held-out answer; generated questions too close to them are dropped as duplicates, like any seed's.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

HUMAN_EVAL_SHARE = 0.2  # of a leaf's seed pairs; 15 pairs (a knowledge leaf) → 3 held out, 12 trained
HUMAN_EVAL_MIN = 3  # fewer eval items cannot tell learning from noise (lab eval flags leaves under 3)


def held_out_count(total: int) -> int:
    """How many of ``total`` seed pairs are held out: the share, at least 3, never more than half."""
    return min(max(HUMAN_EVAL_MIN, math.ceil(HUMAN_EVAL_SHARE * total)), total // 2)


def _digest(question: str, answer: str) -> str:
    return hashlib.sha256(f"{question.strip()}\0{answer.strip()}".encode()).hexdigest()


def held_out(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The held-out ``(question, answer)`` pairs among ``pairs``."""
    unique = sorted(set(pairs), key=lambda pair: _digest(*pair))
    return set(unique[: held_out_count(len(unique))])


def skill_pairs(data: dict[str, Any]) -> list[tuple[str, str]]:
    """``(question, answer)`` of a skill leaf's seed examples."""
    return [
        (str(e.get("question", "")).strip(), str(e.get("answer", "")).strip())
        for e in data.get("seed_examples") or []
        if str(e.get("question", "")).strip() and str(e.get("answer", "")).strip()
    ]


def knowledge_pairs(data: dict[str, Any]) -> list[tuple[str, str]]:
    """``(question, answer)`` of a knowledge leaf's seed examples (schema versions 1–3)."""
    from lab_cli.generate.knowledge import seed_pairs

    return [(question, answer) for _, question, answer in seed_pairs(data)]


def held_out_of(kind: str, data: dict[str, Any]) -> set[tuple[str, str]]:
    """The held-out seed pairs of a leaf of ``kind``."""
    return held_out(knowledge_pairs(data) if kind == "knowledge" else skill_pairs(data))


def teacher_examples(kind: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The seed examples the teacher may see: every example without its held-out pairs (a knowledge example
    whose pairs are all held out, or a held-out skill example, is left out)."""
    hidden = held_out_of(kind, data)
    examples = []
    for example in data.get("seed_examples") or []:
        if kind != "knowledge":
            pair = (str(example.get("question", "")).strip(), str(example.get("answer", "")).strip())
            if pair not in hidden:
                examples.append(example)
            continue
        listed = example.get("questions_and_answers")
        if listed is None:  # versions 1–2: the example is itself one pair
            pair = (str(example.get("question", "")).strip(), str(example.get("answer", "")).strip())
            if pair not in hidden:
                examples.append(example)
            continue
        kept = [
            qa
            for qa in listed
            if (str(qa.get("question", "")).strip(), str(qa.get("answer", "")).strip()) not in hidden
        ]
        if kept:
            examples.append({**example, "questions_and_answers": kept})
    return examples
