"""Which pipeline each leaf kind uses, what its seed examples become, and how many requests it will need.

A closed registry: ``knowledge`` leaves use the knowledge pipeline, freeform and foundational skills the
freeform pipeline, grounded skills the grounded pipeline. A leaf's own seed examples are kept as samples too
(``origin: seed``): they are the contributor's gold data; the held-out share of them (``heldout``) is the
leaf's human eval split, the rest is trained on.
"""

from __future__ import annotations

import math
from typing import Any

from lab_cli.generate.heldout import held_out_of
from lab_cli.generate.knowledge import answer_length, generate_knowledge, seed_pairs
from lab_cli.generate.pipeline import Pipeline
from lab_cli.generate.skills import generate_freeform, generate_grounded
from lab_cli.generate.steps import ITEMS_PER_REQUEST, Ask, Outcome, sample

PIPELINE_OF_KIND = {
    "knowledge": "knowledge",
    "freeform_skill": "freeform_skill",
    "foundational_skill": "freeform_skill",
    "grounded_skill": "grounded_skill",
}


def seed_samples(kind: str, data: dict[str, Any], metadata: dict[str, Any], short_answer_words: int) -> list[dict]:
    """The leaf's seed examples as samples, each in its split: ``eval`` if held out, else ``train``."""
    seeded = {**metadata, "origin": "seed"}
    hidden = held_out_of(kind, data)

    def split(question: str, answer: str) -> dict[str, Any]:
        return {**seeded, "split": "eval" if (question, answer) in hidden else "train"}

    if kind == "knowledge":
        return [
            sample(question, answer, {**split(question, answer), "length": answer_length(answer, short_answer_words)})
            for _, question, answer in seed_pairs(data)
        ]
    samples = []
    for example in data.get("seed_examples") or []:
        question, answer = str(example.get("question", "")).strip(), str(example.get("answer", "")).strip()
        context = str(example.get("context") or "").strip()
        if question and answer:
            samples.append(sample(f"{context}\n\n{question}" if context else question, answer, split(question, answer)))
    return samples


def estimate_requests(kind: str, data: dict[str, Any], chunks: int, scale: int, pipeline: Pipeline) -> int:
    """An upper bound on the requests a leaf's generation sends: its first step's rounds, then one request per
    wanted candidate for every later step (every candidate surviving every step)."""
    if PIPELINE_OF_KIND[kind] == "knowledge":
        wanted = scale * len(seed_pairs(data))
        first = max(chunks, math.ceil(wanted / ITEMS_PER_REQUEST)) if chunks else 0
        wanted = wanted if chunks else 0
    else:
        wanted = scale * len(data.get("seed_examples") or [])
        first = math.ceil(wanted / ITEMS_PER_REQUEST)
    return first + (len(pipeline.steps) - 1) * wanted


async def generate_for_kind(
    kind: str,
    data: dict[str, Any],
    chunks: list[str],
    pipeline: Pipeline,
    ask: Ask,
    scale: int,
    seed: int,
    metadata: dict[str, Any],
) -> Outcome:
    """Run the pipeline of ``kind`` on one leaf."""
    generated = {**metadata, "origin": "generated"}
    if PIPELINE_OF_KIND[kind] == "knowledge":
        return await generate_knowledge(data, chunks, pipeline, ask, scale, seed, generated)
    if PIPELINE_OF_KIND[kind] == "grounded_skill":
        return await generate_grounded(data, pipeline, ask, scale, seed, generated)
    return await generate_freeform(data, pipeline, ask, scale, seed, generated)
