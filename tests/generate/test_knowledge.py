"""The knowledge pipeline against a scripted teacher that writes ungrounded answers, duplicates and malformed
output: exactly those candidates are dropped, each counted under its reason."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lab_cli.generate.asking import LoggedAsker
from lab_cli.generate.knowledge import generate_knowledge
from lab_cli.generate.pipeline import load_pipeline
from lab_cli.generate.responses import ResponseLog
from lab_cli.teacher.client import TeacherClient, TeacherSettings
from tests.helpers.openai_server import FakeTeacher
from tests.helpers.scripted_teacher import step_of

DATA = {
    "domain": "history",
    "document_outline": "Lighthouses",
    "seed_examples": [
        {
            "context": "Harbor lights.",
            "questions_and_answers": [
                {"question": "When was the harbor lighthouse built?", "answer": "In 1801."},
                {"question": "What did the lamp burn?", "answer": "Whale oil."},
            ],
        }
    ],
}
CHUNKS = ["The harbor lighthouse was built in 1801. Its lamp burned whale oil until 1870.", "Keepers lived on site."]


def scripted(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    step = step_of(prompt)
    if step.name == "pairs" and "Keepers" in prompt:
        return "I'm sorry, I cannot write questions about this passage."  # malformed: no pairs
    if step.name == "pairs":
        return (
            "Question: When was the harbor lighthouse built?\nAnswer: 1801.\n"  # a seed question: duplicate
            "Question: Which fuel burned in the lighthouse lamp before 1870?\nAnswer: Whale oil.\n"
            "Question: Who painted the lighthouse red in 1950?\nAnswer: The mayor painted it red.\n"  # ungrounded
            "Question: Is it nice?\nAnswer: Yes.\n"  # a vague question
            "Question: Until which year did the lamp burn whale oil, and what happened to the keepers' duties "
            "over time?\nAnswer: " + " ".join(["It burned whale oil until 1870, when keepers changed duties."] * 4)
        )
    if step.name == "question_quality":
        return "Score: 0" if "Is it nice?" in prompt else "Score: 1"
    if step.name == "relevance":
        return "Score: 2" if "1870" in prompt or "Whale" in prompt or "red" in prompt else "Score: ?"
    if step.name == "faithfulness":
        return "Score: 0" if "mayor" in prompt else "Score: 1"
    raise AssertionError(f"unexpected step {step.name}")


def test_exactly_the_bad_candidates_drop(tmp_path: Path) -> None:
    pipeline = load_pipeline("knowledge")

    async def run():
        async with TeacherClient(TeacherSettings(server.url, "fake-teacher")).session() as session:
            ask = LoggedAsker(session, ResponseLog(tmp_path / "log.jsonl", "fake-teacher"))
            return await generate_knowledge(DATA, CHUNKS, pipeline, ask, 4, 1, {"leaf": "lighthouses"}), ask

    with FakeTeacher(answer=scripted) as server:
        outcome, ask = asyncio.run(run())
    assert dict(outcome.drops) == {"pairs: unreadable": 1, "duplicate": 1, "question_quality": 1, "faithfulness": 1}
    kept = {sample["messages"][0]["content"]: sample["metadata"]["length"] for sample in outcome.samples}
    assert kept == {
        "Which fuel burned in the lighthouse lamp before 1870?": "short",
        "Until which year did the lamp burn whale oil, and what happened to the keepers' duties over time?": "long",
    }
    # two chunks → two pair requests (8 wanted, 5 per request); 4 judged for quality, 3 relevance, 3 faithfulness
    assert outcome.requests == ask.sent == 2 + 4 + 3 + 3
