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


def generate_freeform(
    data: dict[str, Any], pipeline: Pipeline, ask: Ask, scale: int, seed: int, metadata: dict[str, Any]
) -> Outcome:
    """Samples for one freeform skill leaf: about ``scale`` new questions per seed example."""
    outcome = Outcome()
    task, seeds = data["task_description"], data["seed_examples"]
    wanted = scale * len(seeds)
    seed_questions = "\n".join(f"- {example['question']}" for example in seeds)
    seed_pairs = "\n\n".join(f"Question: {e['question']}\nAnswer: {e['answer']}" for e in seeds)
    step = pipeline.step("questions")
    values = {"task_description": task, "seed_questions": seed_questions, "count": QUESTIONS_PER_REQUEST}
    rounds = math.ceil(wanted / QUESTIONS_PER_REQUEST)
    requests = [_request(step, values, f"questions-{index}", seed * 100_000 + index) for index in range(rounds)]
    outcome.requests += len(requests)
    fresh = NearDuplicateFilter(seen=[example["question"] for example in seeds])
    questions = []
    for texts in ask(requests):
        items = parse_list(texts[0])
        if not items:
            outcome.drops["questions: unreadable list"] += 1
        for question in items:
            if fresh.admit(question):
                questions.append(question)
            else:
                outcome.drops["duplicate"] += 1
    items = [{"task_description": task, "question": question} for question in questions[:wanted]]
    items = judge(ask, pipeline.step("question_quality"), items, seed * 100_000 + 20_000, outcome)
    answer = pipeline.step("answer")
    requests = [
        _request(answer, {**item, "seed_pairs": seed_pairs}, f"answer-{index}", seed * 100_000 + 40_000 + index)
        for index, item in enumerate(items)
    ]
    outcome.requests += len(requests)
    for item, texts in zip(items, ask(requests), strict=True):
        item["answer"] = texts[0].strip()
    answered = [item for item in items if item["answer"]]
    outcome.drops["answer: empty"] += len(items) - len(answered)
    kept = judge(ask, pipeline.step("pair_quality"), answered, seed * 100_000 + 60_000, outcome)
    outcome.samples = [
        {
            "messages": [
                {"role": "user", "content": item["question"]},
                {"role": "assistant", "content": item["answer"]},
            ],
            "metadata": dict(metadata),
        }
        for item in kept
    ]
    outcome.drops = Counter({reason: count for reason, count in outcome.drops.items() if count})
    return outcome


def _sample(user: str, answer: str, metadata: dict[str, Any]) -> dict[str, Any]:
    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages, "metadata": dict(metadata)}


def generate_grounded(
    data: dict[str, Any], pipeline: Pipeline, ask: Ask, scale: int, seed: int, metadata: dict[str, Any]
) -> Outcome:
    """Samples for one grounded skill leaf: about ``scale`` new contexts per seed example, each with a task."""
    outcome = Outcome()
    task, seeds = data["task_description"], data["seed_examples"]
    wanted = scale * len(seeds)
    base = seed * 100_000
    seed_contexts = "\n".join(f"- {' '.join(str(e.get('context', '')).split())}" for e in seeds)
    step = pipeline.step("contexts")
    values = {"task_description": task, "seed_contexts": seed_contexts, "count": QUESTIONS_PER_REQUEST}
    requests = [
        _request(step, values, f"contexts-{i}", base + i) for i in range(math.ceil(wanted / QUESTIONS_PER_REQUEST))
    ]
    outcome.requests += len(requests)
    fresh = NearDuplicateFilter(seen=[str(example.get("context", "")) for example in seeds])
    contexts = []
    for texts in ask(requests):
        items = parse_list(texts[0])
        if not items:
            outcome.drops["contexts: unreadable list"] += 1
        for context in items:
            if fresh.admit(context):
                contexts.append(context)
            else:
                outcome.drops["duplicate"] += 1
    items = [
        {"task_description": task, "context": context, "seed_question": seeds[i % len(seeds)]["question"]}
        for i, context in enumerate(contexts[:wanted])
    ]
    question = pipeline.step("question")
    requests = [_request(question, item, f"question-{i}", base + 20_000 + i) for i, item in enumerate(items)]
    outcome.requests += len(requests)
    for item, texts in zip(items, ask(requests), strict=True):
        item["question"] = texts[0].strip()
    asked = [item for item in items if item["question"]]
    outcome.drops["question: empty"] += len(items) - len(asked)
    asked = judge(ask, pipeline.step("question_quality"), asked, base + 40_000, outcome)
    answer = pipeline.step("answer")
    requests = [_request(answer, item, f"answer-{i}", base + 60_000 + i) for i, item in enumerate(asked)]
    outcome.requests += len(requests)
    for item, texts in zip(asked, ask(requests), strict=True):
        item["answer"] = texts[0].strip()
    answered = [item for item in asked if item["answer"]]
    outcome.drops["answer: empty"] += len(asked) - len(answered)
    kept = judge(ask, pipeline.step("pair_quality"), answered, base + 80_000, outcome)
    outcome.samples = [_sample(f"{item['context']}\n\n{item['question']}", item["answer"], metadata) for item in kept]
    outcome.drops = Counter({reason: count for reason, count in outcome.drops.items() if count})
    return outcome
