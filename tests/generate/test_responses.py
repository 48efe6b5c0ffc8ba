"""Responses are stored as they arrive and answer the same requests on the next run."""

from __future__ import annotations

from pathlib import Path

from lab_cli.generate.responses import ResponseLog
from lab_cli.teacher.client import ChatRequest, TeacherClient, TeacherSettings
from tests.helpers.openai_server import FakeTeacher


def test_stored_responses_answer_a_rerun_and_torn_lines_are_ignored(tmp_path: Path) -> None:
    requests = [ChatRequest(f"r{i}", ({"role": "user", "content": f"q{i}"},), seed=i) for i in range(4)]
    log_path = tmp_path / "responses.jsonl"
    with FakeTeacher() as server:
        log = ResponseLog(log_path, "fake-teacher")
        TeacherClient(TeacherSettings(server.url, "fake-teacher")).run(requests[:3], on_response=log.recorder(requests))
        sent = len(server.requests)
    with open(log_path, "a") as stream:
        stream.write('{"request": "torn')  # a crash mid-write
    again = ResponseLog(log_path, "fake-teacher")
    assert sent == 3
    assert [again.cached(r) for r in requests] == [["echo: q0"], ["echo: q1"], ["echo: q2"], None]
    assert ResponseLog(log_path, "another-teacher").cached(requests[0]) is None
