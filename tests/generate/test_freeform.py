"""The freeform pipeline against a scripted teacher (a real loopback server): exactly the bad candidates drop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lab_cli.generate.asking import LoggedAsker
from lab_cli.generate.pipeline import load_pipeline
from lab_cli.generate.responses import ResponseLog
from lab_cli.generate.skills import generate_freeform, generate_grounded
from lab_cli.teacher.client import TeacherClient, TeacherSettings
from tests.helpers.openai_server import FakeTeacher

SEEDS = {
    "task_description": "Write short poems",
    "seed_examples": [
        {"question": f"Write a poem about topic number {i} please", "answer": f"Poem {i}."} for i in range(2)
    ],
}


def scripted(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    if "new, different tasks" in prompt:
        return (
            "1. Write a haiku about falling autumn leaves\n"
            "2. Write a poem about topic number 1 please\n"  # a seed: duplicate
            "3. Compose a limerick about a clumsy penguin\n"
            "4. Compose a limerick about a clumsy penguin!\n"  # near duplicate
            "5. Describe quantum chromodynamics in detail\n"  # judged off-topic below
        )
    if "clear, answerable task" in prompt:
        return "Score: 0" if "quantum" in prompt else "Score: 1"
    if "Rate how well" in prompt:
        return "I cannot decide" if "haiku" in prompt else "Score: 3"  # the haiku pair's score is unreadable
    return "Leaves drift, gold and slow." if "haiku" in prompt else "A penguin slipped on the ice, twice."


async def run(client, folder: Path, generator, data: dict, pipeline, seed: int = 7):
    """One leaf's generation through the response log, as ``lab generate`` runs it."""
    async with client.session() as session:
        ask = LoggedAsker(session, ResponseLog(folder / "responses.jsonl", "fake-teacher"))
        return await generator(data, pipeline, ask, scale=2, seed=seed, metadata={"leaf": "leaf"})


def test_drops_are_exact_and_counted_by_reason(tmp_path: Path) -> None:
    pipeline = load_pipeline("freeform_skill")
    with FakeTeacher(answer=scripted) as server:
        client = TeacherClient(TeacherSettings(server.url, "fake-teacher", workers=2))
        outcome = asyncio.run(run(client, tmp_path, generate_freeform, SEEDS, pipeline))
        first_run_requests = len(server.requests)
        again = asyncio.run(run(client, tmp_path, generate_freeform, SEEDS, pipeline))
    assert [s["messages"][0]["content"] for s in outcome.samples] == ["Compose a limerick about a clumsy penguin"]
    assert outcome.samples[0]["messages"][1]["content"] == "A penguin slipped on the ice, twice."
    assert dict(outcome.drops) == {
        "duplicate": 2,
        "question_quality": 1,
        "pair_quality: unreadable score": 1,
    }
    assert first_run_requests == outcome.requests == 1 + 3 + 2 + 2
    assert len(server.requests) == first_run_requests  # the rerun was answered from the response log
    assert again.samples == outcome.samples


GROUNDED = {
    "task_description": "Summarise a paragraph in one sentence",
    "seed_examples": [
        {
            "context": f"Seed paragraph number {i} about rivers and their deltas.",
            "question": "Summarise it.",
            "answer": "Rivers build deltas.",
        }
        for i in range(2)
    ],
}


def grounded_script(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    if "new inputs of the same kind" in prompt:
        return (
            "1. Bees pollinate flowers and make honey in hives across the valley.\n"
            "2. Seed paragraph number 1 about rivers and their deltas.\n"  # a seed: duplicate
            "3. Glaciers carve valleys slowly over thousands of years of ice.\n"
        )
    if "Write one task" in prompt:
        return "Summarise the paragraph."
    if "Can the task be done" in prompt:
        return "Score: 1"
    if "Rate the response" in prompt:
        return "Score: 1" if "Glaciers" in prompt else "Score: 3"  # the glacier answer is judged too weak
    return "Bees make honey." if "Bees" in prompt else "Glaciers shape land."


def test_grounded_pipeline(tmp_path: Path) -> None:
    with FakeTeacher(answer=grounded_script) as server:
        client = TeacherClient(TeacherSettings(server.url, "fake-teacher"))
        outcome = asyncio.run(run(client, tmp_path, generate_grounded, GROUNDED, load_pipeline("grounded_skill"), 3))
    assert [s["messages"][1]["content"] for s in outcome.samples] == ["Bees make honey."]
    assert outcome.samples[0]["messages"][0]["content"].startswith("Bees pollinate flowers")
    assert dict(outcome.drops) == {"duplicate": 1, "pair_quality": 1}
