"""Skill pipelines. Freeform: new questions like the seeds → judged → answered with the seeds as
demonstrations → the pair judged. Grounded: new contexts like the seed contexts → a question on each →
judged against its context → answered from it → the triple judged. Drop reasons: see ``steps``.
"""

from __future__ import annotations

from typing import Any

from lab_cli.generate.heldout import teacher_examples
from lab_cli.generate.pipeline import Pipeline
from lab_cli.generate.steps import ITEMS_PER_REQUEST, Ask, Outcome, complete, finish, judge, new_items, sample


async def generate_freeform(
    data: dict[str, Any], pipeline: Pipeline, ask: Ask, scale: int, seed: int, metadata: dict[str, Any]
) -> Outcome:
    """Samples for one freeform skill leaf: about ``scale`` new questions per seed example."""
    outcome = Outcome()
    task, seeds = data["task_description"], data["seed_examples"]
    shown = teacher_examples("freeform_skill", data)  # the held-out seeds are eval items: never demonstrated
    base = seed * 100_000
    seed_questions = "\n".join(f"- {example['question']}" for example in shown)
    seed_pairs = "\n\n".join(f"Question: {e['question']}\nAnswer: {e['answer']}" for e in shown)
    values = {"task_description": task, "seed_questions": seed_questions, "count": ITEMS_PER_REQUEST}
    questions = await new_items(
        ask,
        pipeline.step("questions"),
        values,
        scale * len(seeds),
        [example["question"] for example in seeds],
        base,
        outcome,
    )
    items = [{"task_description": task, "question": question} for question in questions]
    items = await judge(ask, pipeline.judge("question_quality"), items, base + 20_000, outcome)
    demonstrations = {"seed_pairs": seed_pairs}
    items = await complete(ask, pipeline.step("answer"), items, "answer", base + 40_000, outcome, demonstrations)
    kept = await judge(ask, pipeline.judge("pair_quality"), items, base + 60_000, outcome)
    return finish(outcome, [sample(item["question"], item["answer"], metadata) for item in kept])


async def generate_grounded(
    data: dict[str, Any], pipeline: Pipeline, ask: Ask, scale: int, seed: int, metadata: dict[str, Any]
) -> Outcome:
    """Samples for one grounded skill leaf: about ``scale`` new contexts per seed example, each with a task."""
    outcome = Outcome()
    task, seeds = data["task_description"], data["seed_examples"]
    shown = teacher_examples("grounded_skill", data)  # the held-out seeds are eval items: never demonstrated
    base = seed * 100_000
    seed_contexts = "\n".join(f"- {' '.join(str(e.get('context', '')).split())}" for e in shown)
    values = {"task_description": task, "seed_contexts": seed_contexts, "count": ITEMS_PER_REQUEST}
    contexts = await new_items(
        ask,
        pipeline.step("contexts"),
        values,
        scale * len(seeds),
        [str(example.get("context", "")) for example in seeds],
        base,
        outcome,
    )
    items = [
        {"task_description": task, "context": context, "seed_question": shown[i % len(shown)]["question"]}
        for i, context in enumerate(contexts)
    ]
    items = await complete(ask, pipeline.step("question"), items, "question", base + 20_000, outcome)
    items = await judge(ask, pipeline.judge("question_quality"), items, base + 40_000, outcome)
    items = await complete(ask, pipeline.step("answer"), items, "answer", base + 60_000, outcome)
    kept = await judge(ask, pipeline.judge("pair_quality"), items, base + 80_000, outcome)
    return finish(
        outcome, [sample(f"{item['context']}\n\n{item['question']}", item["answer"], metadata) for item in kept]
    )
