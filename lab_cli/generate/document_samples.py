"""A knowledge leaf's document samples: the document itself reaches the student, not only teacher-written pairs.

Two per chunk of the leaf's documents (``origin: document``, always ``train``), as LAB and InstructLab train
knowledge:

- *the chunk behind a short instruction*: asked for the passage that begins with the chunk's first words, the
  assistant writes out the whole chunk, so the loss falls on the document's own text;
- *the chunk in the user turn, then its question–answer pairs*: one conversation whose first user turn holds
  the chunk and a question, and whose later turns ask the chunk's other trained pairs (the leaf's training
  seeds whose context lies in the chunk, and the generated pairs made from it); one forward pass reads the chunk
  once for all of them.

Held-out (eval) pairs never appear here: only pairs already in the ``train`` split are used.
"""

from __future__ import annotations

from typing import Any

from lab_cli.generate.knowledge import seed_pairs
from lab_cli.generate.steps import sample

OPENING_WORDS = 12  # enough to name the passage, short enough that the answer is mostly new text
PAIRS_PER_CHUNK = 6  # turns in one grounded conversation: more makes samples longer than a phase's max_length


def _recital(chunk: str, topic: str, metadata: dict[str, Any]) -> dict[str, Any]:
    opening = " ".join(chunk.split()[:OPENING_WORDS])
    instruction = f'From the document on {topic}, write out the passage that begins: "{opening} …"'
    return sample(instruction, chunk, {**metadata, "length": "long"})


def _grounded(chunk: str, pairs: list[tuple[str, str]], metadata: dict[str, Any]) -> dict[str, Any]:
    first_question, first_answer = pairs[0]
    messages = [
        {"role": "user", "content": f"{chunk}\n\n{first_question}"},
        {"role": "assistant", "content": first_answer},
    ]
    for question, answer in pairs[1:]:
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return {"messages": messages, "metadata": {**metadata, "length": "long"}}


def _chunk_of(sample_: dict[str, Any], contexts: dict[str, str], chunks: list[str]) -> int | None:
    """The index of the chunk a trained pair belongs to: its recorded chunk, or the chunk holding its seed
    context."""
    metadata = sample_["metadata"]
    if isinstance(metadata.get("chunk"), int) and 0 <= metadata["chunk"] < len(chunks):
        return metadata["chunk"]
    context = " ".join(contexts.get(sample_["messages"][0]["content"], "").split())
    if not context:
        return None
    return next((index for index, chunk in enumerate(chunks) if context in " ".join(chunk.split())), None)


def document_samples(
    data: dict[str, Any], chunks: list[str], samples: list[dict[str, Any]], metadata: dict[str, Any]
) -> list[dict[str, Any]]:
    """The document samples of a knowledge leaf, from its chunks and its ``train``-split pairs in ``samples``."""
    topic = " ".join(str(data.get("document_outline") or data.get("domain") or "this topic").split())
    documented = {**metadata, "origin": "document", "split": "train"}
    contexts = {question: context for context, question, _ in seed_pairs(data)}
    by_chunk: dict[int, list[tuple[str, str]]] = {}
    for item in samples:
        if item["metadata"].get("split") != "train" or item["metadata"].get("origin") not in ("seed", "generated"):
            continue
        index = _chunk_of(item, contexts, chunks)
        if index is not None:
            by_chunk.setdefault(index, []).append((item["messages"][0]["content"], item["messages"][-1]["content"]))
    result = []
    for index, chunk in enumerate(chunks):
        result.append(_recital(chunk, topic, {**documented, "chunk": index}))
        pairs = by_chunk.get(index, [])[:PAIRS_PER_CHUNK]
        if pairs:
            result.append(_grounded(chunk, pairs, {**documented, "chunk": index}))
    return result
