"""Responses are stored as they arrive and answer the same requests on the next run (through ``LoggedAsker``,
as a pipeline asks): only what was not stored is sent again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lab_cli.generate.asking import LoggedAsker
from lab_cli.generate.responses import ResponseLog
from lab_cli.teacher.client import ChatRequest, TeacherClient, TeacherSettings
from tests.helpers.openai_server import FakeTeacher


def ask(server: FakeTeacher, log: ResponseLog, requests: list[ChatRequest]) -> tuple[list[list[str]], LoggedAsker]:
    """Ask ``requests`` as a leaf's pipeline does; the texts and the asker (what it sent and reused)."""

    async def run() -> tuple[list[list[str]], LoggedAsker]:
        async with TeacherClient(TeacherSettings(server.url, log.model)).session() as session:
            asker = LoggedAsker(session, log)
            return await asker(requests), asker

    try:
        return asyncio.run(run())
    finally:
        log.close()


def test_stored_responses_answer_a_rerun_and_torn_lines_are_ignored(tmp_path: Path) -> None:
    requests = [ChatRequest(f"r{i}", ({"role": "user", "content": f"q{i}"},), seed=i) for i in range(4)]
    log_path = tmp_path / "responses.jsonl"
    with FakeTeacher() as server:
        ask(server, ResponseLog(log_path, "fake-teacher"), requests[:3])
        with open(log_path, "a") as stream:
            stream.write('{"request": "torn')  # a crash mid-write
        before = len(server.requests)
        texts, asker = ask(server, ResponseLog(log_path, "fake-teacher"), requests)
        assert texts == [["echo: q0"], ["echo: q1"], ["echo: q2"], ["echo: q3"]]
        assert (asker.reused, asker.sent) == (3, 1) and [
            r["messages"][-1]["content"] for r in server.requests[before:]
        ] == ["q3"]
        _, other = ask(server, ResponseLog(log_path, "another-teacher"), requests[:1])
        assert (other.reused, other.sent) == (0, 1)  # another teacher's answers are not this one's
