"""Skill pipelines. Freeform: new questions like the seeds → judged → answered with the seeds as
demonstrations → the pair judged. Grounded: new contexts like the seed contexts → a question on each →
judged against its context → answered from it → the triple judged. Every candidate that does not become a
sample is counted under one reason:
``parse`` (the teacher's text could not be read), ``duplicate`` (too close to a seed or a kept question) or
the name of the judge that rejected it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab_cli.generate.dedup import NearDuplicateFilter
from lab_cli.generate.parsing import parse_list, parse_score
from lab_cli.generate.pipeline import Pipeline, Step
from lab_cli.teacher.client import ChatRequest

Ask = Callable[[list[ChatRequest]], list[list[str]]]
"""Sends requests (or finds them answered in the response log); the texts of each, in order."""

QUESTIONS_PER_REQUEST = 5


@dataclass
class Outcome:
    """What a leaf's generation produced and what it dropped, by reason."""

    samples: list[dict[str, Any]] = field(default_factory=list)
    drops: Counter = field(default_factory=Counter)
    requests: int = 0


def _request(step: Step, values: dict[str, Any], name: str, seed: int) -> ChatRequest:
    return ChatRequest(
        name,
        ({"role": "user", "content": step.render(values)},),
        temperature=step.temperature,
        max_tokens=step.max_tokens,
        seed=seed,
    )


def judge(ask: Ask, step: Step, items: list[dict[str, Any]], seed: int, outcome: Outcome) -> list[dict[str, Any]]:
    """The items the judge scores at or above its threshold; the others are counted as drops."""
    requests = [_request(step, item, f"{step.name}-{index}", seed + index) for index, item in enumerate(items)]
    outcome.requests += len(requests)
    kept = []
    for item, texts in zip(items, ask(requests), strict=True):
        score = parse_score(texts[0], step.maximum)
        if score is None:
            outcome.drops[f"{step.name}: unreadable score"] += 1
        elif score < step.threshold:
            outcome.drops[step.name] += 1
        else:
            kept.append(item)
    return kept


def _new_items(
    ask: Ask, step: Step, values: dict[str, Any], wanted: int, seen: list[str], base: int, outcome: Outcome
) -> list[str]:
    """Up to ``wanted`` listed items from rounds of a generate step, near-duplicates of ``seen`` and each other
    dropped."""
    rounds = math.ceil(wanted / QUESTIONS_PER_REQUEST)
    requests = [_request(step, values, f"{step.name}-{index}", base + index) for index in range(rounds)]
    outcome.requests += len(requests)
    fresh = NearDuplicateFilter(seen=seen)
    admitted = []
    for texts in ask(requests):
        items = parse_list(texts[0])
        if not items:
            outcome.drops[f"{step.name}: unreadable list"] += 1
        for item in items:
            if fresh.admit(item):
                admitted.append(item)
            else:
                outcome.drops["duplicate"] += 1
    return admitted[:wanted]


def _complete(
    ask: Ask,
    step: Step,
    items: list[dict[str, Any]],
    field_name: str,
    base: int,
    outcome: Outcome,
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Ask ``step`` once per item and store its text under ``field_name``; items left empty are dropped."""
    requests = [
        _request(step, {**item, **(extra or {})}, f"{step.name}-{index}", base + index)
        for index, item in enumerate(items)
    ]
    outcome.requests += len(requests)
    for item, texts in zip(items, ask(requests), strict=True):
        item[field_name] = texts[0].strip()
    filled = [item for item in items if item[field_name]]
    outcome.drops[f"{step.name}: empty"] += len(items) - len(filled)
    return filled


def _sample(user: str, answer: str, metadata: dict[str, Any]) -> dict[str, Any]:
    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages, "metadata": dict(metadata)}


def _finish(outcome: Outcome, samples: list[dict[str, Any]]) -> Outcome:
    outcome.samples = samples
    outcome.drops = Counter({reason: count for reason, count in outcome.drops.items() if count})
    return outcome


def generate_freeform(
    data: dict[str, Any], pipeline: Pipeline, ask: Ask, scale: int, seed: int, metadata: dict[str, Any]
) -> Outcome:
    """Samples for one freeform skill leaf: about ``scale`` new questions per seed example."""
    outcome = Outcome()
    task, seeds = data["task_description"], data["seed_examples"]
    base = seed * 100_000
    seed_questions = "\n".join(f"- {example['question']}" for example in seeds)
    seed_pairs = "\n\n".join(f"Question: {e['question']}\nAnswer: {e['answer']}" for e in seeds)
    values = {"task_description": task, "seed_questions": seed_questions, "count": QUESTIONS_PER_REQUEST}
    questions = _new_items(
        ask,
        pipeline.step("questions"),
        values,
        scale * len(seeds),
        [example["question"] for example in seeds],
        base,
        outcome,
    )
    items = [{"task_description": task, "question": question} for question in questions]
    items = judge(ask, pipeline.step("question_quality"), items, base + 20_000, outcome)
    items = _complete(ask, pipeline.step("answer"), items, "answer", base + 40_000, outcome, {"seed_pairs": seed_pairs})
    kept = judge(ask, pipeline.step("pair_quality"), items, base + 60_000, outcome)
    return _finish(outcome, [_sample(item["question"], item["answer"], metadata) for item in kept])


def generate_grounded(
    data: dict[str, Any], pipeline: Pipeline, ask: Ask, scale: int, seed: int, metadata: dict[str, Any]
) -> Outcome:
    """Samples for one grounded skill leaf: about ``scale`` new contexts per seed example, each with a task."""
    outcome = Outcome()
    task, seeds = data["task_description"], data["seed_examples"]
    base = seed * 100_000
    seed_contexts = "\n".join(f"- {' '.join(str(e.get('context', '')).split())}" for e in seeds)
    values = {"task_description": task, "seed_contexts": seed_contexts, "count": QUESTIONS_PER_REQUEST}
    contexts = _new_items(
        ask,
        pipeline.step("contexts"),
        values,
        scale * len(seeds),
        [str(example.get("context", "")) for example in seeds],
        base,
        outcome,
    )
    items = [
        {"task_description": task, "context": context, "seed_question": seeds[i % len(seeds)]["question"]}
        for i, context in enumerate(contexts)
    ]
    items = _complete(ask, pipeline.step("question"), items, "question", base + 20_000, outcome)
    items = judge(ask, pipeline.step("question_quality"), items, base + 40_000, outcome)
    items = _complete(ask, pipeline.step("answer"), items, "answer", base + 60_000, outcome)
    kept = judge(ask, pipeline.step("pair_quality"), items, base + 80_000, outcome)
    return _finish(
        outcome, [_sample(f"{item['context']}\n\n{item['question']}", item["answer"], metadata) for item in kept]
    )
