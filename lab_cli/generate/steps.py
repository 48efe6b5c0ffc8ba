"""The building blocks every pipeline shares: ask a step, list new items, fill a field, judge, count drops.

Every candidate that does not become a sample is counted under one reason: ``<step>: unreadable …`` (the
teacher's text could not be read), ``duplicate`` (too close to a seed or a kept item), ``<step>: empty`` or
the name of the judge that rejected it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from lab_cli.generate.dedup import NearDuplicateFilter
from lab_cli.generate.parsing import parse_list, parse_score
from lab_cli.generate.pipeline import Step
from lab_cli.teacher.client import ChatRequest

Ask = Callable[[list[ChatRequest]], Awaitable[list[list[str]]]]
"""Sends requests (or finds them answered in the response log); the texts of each, in order."""

ITEMS_PER_REQUEST = 5


@dataclass
class Outcome:
    """What a leaf's generation produced and what it dropped, by reason."""

    samples: list[dict[str, Any]] = field(default_factory=list)
    drops: Counter = field(default_factory=Counter)
    requests: int = 0


def request(step: Step, values: dict[str, Any], name: str, seed: int) -> ChatRequest:
    """The chat request of one step, its prompt filled from ``values``."""
    return ChatRequest(
        name,
        ({"role": "user", "content": step.render(values)},),
        temperature=step.temperature,
        max_tokens=step.max_tokens,
        seed=seed,
    )


async def judge(
    ask: Ask, step: Step | None, items: list[dict[str, Any]], seed: int, outcome: Outcome
) -> list[dict[str, Any]]:
    """The items the judge scores at or above its threshold; the others are counted as drops. Without a judge
    (``step`` None: the pipeline runs unjudged) every item is kept."""
    if step is None:
        return items
    requests = [request(step, item, f"{step.name}-{index}", seed + index) for index, item in enumerate(items)]
    outcome.requests += len(requests)
    kept = []
    for item, texts in zip(items, await ask(requests), strict=True):
        score = parse_score(texts[0], step.maximum)
        if score is None:
            outcome.drops[f"{step.name}: unreadable score"] += 1
        elif score < step.threshold:
            outcome.drops[step.name] += 1
        else:
            kept.append(item)
    return kept


async def new_items(
    ask: Ask, step: Step, values: dict[str, Any], wanted: int, seen: list[str], base: int, outcome: Outcome
) -> list[str]:
    """Up to ``wanted`` listed items from rounds of a generate step, near-duplicates of ``seen`` and each other
    dropped."""
    rounds = math.ceil(wanted / ITEMS_PER_REQUEST)
    requests = [request(step, values, f"{step.name}-{index}", base + index) for index in range(rounds)]
    outcome.requests += len(requests)
    fresh = NearDuplicateFilter(seen=seen)
    admitted = []
    for texts in await ask(requests):
        items = parse_list(texts[0])
        if not items:
            outcome.drops[f"{step.name}: unreadable list"] += 1
        for item in items:
            if fresh.admit(item):
                admitted.append(item)
            else:
                outcome.drops["duplicate"] += 1
    return admitted[:wanted]


async def complete(
    ask: Ask,
    step: Step,
    items: list[dict[str, Any]],
    field_name: str,
    base: int,
    outcome: Outcome,
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Ask ``step`` once per item and store its text under ``field_name``; items left empty are dropped."""
    values = [{**item, **(extra or {})} for item in items]
    requests = [request(step, value, f"{step.name}-{index}", base + index) for index, value in enumerate(values)]
    outcome.requests += len(requests)
    for item, texts in zip(items, await ask(requests), strict=True):
        item[field_name] = texts[0].strip()
    filled = [item for item in items if item[field_name]]
    outcome.drops[f"{step.name}: empty"] += len(items) - len(filled)
    return filled


def sample(user: str, answer: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """One training record in InstructLab's messages format."""
    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages, "metadata": dict(metadata)}


def finish(outcome: Outcome, samples: list[dict[str, Any]]) -> Outcome:
    """The outcome with its samples, zero drop counts left out."""
    outcome.samples = samples
    outcome.drops = Counter({reason: count for reason, count in outcome.drops.items() if count})
    return outcome
