"""The knowledge pipeline: question–answer pairs grounded in the leaf's document, chunk by chunk.

Each request pairs one document chunk with one seed example (its questions and answers show the style), so
every chunk is used at least once. Pairs are filtered for near-duplicate questions, then judged for question
quality, relevance and faithfulness to the chunk. A kept answer of at most ``short_answer_words`` words is a
``short`` sample (training phase 1), a longer one ``long`` (phase 2). Each sample records the index of its
chunk (``metadata.chunk``), which the leaf's document samples pair it with. The teacher sees only the seed
pairs that are trained on (``heldout``).
"""

from __future__ import annotations

import math
from typing import Any

from lab_cli.generate.dedup import NearDuplicateFilter
from lab_cli.generate.heldout import teacher_examples
from lab_cli.generate.parsing import parse_pairs
from lab_cli.generate.pipeline import Pipeline
from lab_cli.generate.steps import ITEMS_PER_REQUEST, Ask, Outcome, finish, judge, request, sample


def seed_pairs(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(context, question, answer)`` of every seed example, for schema versions 1–3."""
    pairs = []
    for example in data.get("seed_examples") or []:
        context = str(example.get("context") or "")
        for qa in example.get("questions_and_answers") or [example]:
            pairs.append((context, str(qa.get("question", "")).strip(), str(qa.get("answer", "")).strip()))
    return [pair for pair in pairs if pair[1] and pair[2]]


def answer_length(answer: str, short_answer_words: int) -> str:
    """``short`` or ``long``: the label that decides the training phase of a knowledge sample."""
    return "short" if len(answer.split()) <= short_answer_words else "long"


def _demonstrations(example: dict[str, Any]) -> str:
    return "\n\n".join(f"Question: {q}\nAnswer: {a}" for _, q, a in seed_pairs({"seed_examples": [example]}))


async def generate_knowledge(
    data: dict[str, Any],
    chunks: list[str],
    pipeline: Pipeline,
    ask: Ask,
    scale: int,
    seed: int,
    metadata: dict[str, Any],
) -> Outcome:
    """Samples for one knowledge leaf: about ``scale`` new pairs per seed pair, spread over every chunk."""
    outcome = Outcome()
    examples = teacher_examples("knowledge", data)
    if not chunks or not examples:
        return finish(outcome, [])
    base = seed * 100_000
    wanted = scale * len(seed_pairs(data))
    rounds = max(len(chunks), math.ceil(wanted / ITEMS_PER_REQUEST))
    shared = {
        "domain": data.get("domain", ""),
        "document_outline": " ".join(str(data.get("document_outline", "")).split()),
        "count": ITEMS_PER_REQUEST,
    }
    step = pipeline.step("pairs")
    values = [
        {
            **shared,
            "chunk_index": i % len(chunks),
            "chunk": chunks[i % len(chunks)],
            "seed_pairs": _demonstrations(examples[i % len(examples)]),
        }
        for i in range(rounds)
    ]
    requests = [request(step, value, f"pairs-{i}", base + i) for i, value in enumerate(values)]
    outcome.requests += len(requests)
    fresh = NearDuplicateFilter(seen=[question for _, question, _ in seed_pairs(data)])
    items = []
    for value, texts in zip(values, await ask(requests), strict=True):
        pairs = parse_pairs(texts[0])
        if not pairs:
            outcome.drops["pairs: unreadable"] += 1
        for question, answer in pairs:
            if fresh.admit(question):
                items.append(
                    {
                        "chunk": value["chunk"],
                        "chunk_index": value["chunk_index"],
                        "question": question,
                        "answer": answer,
                    }
                )
            else:
                outcome.drops["duplicate"] += 1
    items = items[:wanted]
    for offset, name in enumerate(("question_quality", "relevance", "faithfulness"), start=1):
        items = await judge(ask, pipeline.judge(name), items, base + offset * 20_000, outcome)
    words = int(pipeline.setting("short_answer_words", 25))
    samples = [
        sample(
            item["question"],
            item["answer"],
            {**metadata, "length": answer_length(item["answer"], words), "chunk": item["chunk_index"]},
        )
        for item in items
    ]
    return finish(outcome, samples)
