"""The teacher client against a real loopback HTTP server that injects 429s, 500s, timeouts and drops."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from lab_cli.errors import TeacherError
from lab_cli.teacher.client import ChatRequest, TeacherClient, TeacherSettings
from tests.helpers.openai_server import FakeTeacher


def requests(count: int) -> list[ChatRequest]:
    return [ChatRequest(f"r{i}", ({"role": "user", "content": f"question {i}"},)) for i in range(count)]


def settings(server: FakeTeacher, **overrides: object) -> TeacherSettings:
    values = {"url": server.url, "model": "fake-teacher", "workers": 4, "timeout": 5.0, "backoff_base": 0.01}
    return TeacherSettings(**(values | overrides))


def test_answers_arrive_in_request_order_and_reach_the_callback() -> None:
    seen = []
    with FakeTeacher() as server:
        answers = TeacherClient(settings(server)).run(requests(10), on_response=seen.append)
    assert [a.texts for a in answers] == [(f"echo: question {i}",) for i in range(10)]
    assert sorted(r.id for r in seen) == sorted(f"r{i}" for i in range(10))
    assert len(server.requests) == 10 and all(a.attempts == 1 for a in answers)


def test_retries_429_500_timeouts_and_dropped_connections() -> None:
    script = ["429", "500", "drop", "slow", "500"]
    with FakeTeacher(script=script, slow_seconds=1.5) as server:
        answers = TeacherClient(settings(server, workers=1, timeout=0.5)).run(requests(2))
    assert [a.texts[0] for a in answers] == ["echo: question 0", "echo: question 1"]
    assert answers[0].attempts == 6 and answers[1].attempts == 1  # five scripted failures, then an answer
    assert len(server.requests) == 7  # nothing lost, nothing sent twice after success


def test_failure_budget_stops_a_run_that_would_spin() -> None:
    with FakeTeacher(script=["500"] * 100) as server:
        client = TeacherClient(settings(server, workers=2, failure_budget=5, max_attempts=50))
        with pytest.raises(TeacherError, match=r"failed 6 times in this run \(budget 5\)"):
            client.run(requests(4))
    assert len(server.requests) <= 8


def test_a_request_that_never_succeeds_is_an_error_not_a_loss() -> None:
    with FakeTeacher(script=["500"] * 3) as server, pytest.raises(TeacherError, match="request r0 failed 3 times"):
        TeacherClient(settings(server, workers=1, max_attempts=3)).run(requests(1))


def test_bad_key_fails_at_once_with_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_TEACHER_API_KEY", "sk-wrong")
    with FakeTeacher(script=["401"]) as server, pytest.raises(TeacherError, match=r"refused the API key"):
        TeacherClient(settings(server)).run(requests(1))
    assert len(server.requests) == 1


def test_a_refused_request_says_what_the_server_said() -> None:
    with FakeTeacher(script=["400"]) as server, pytest.raises(TeacherError) as raised:
        TeacherClient(settings(server)).run(requests(1))
    assert "HTTP 400" in str(raised.value) and "takes at most 512" in str(raised.value)
    assert len(server.requests) == 1  # a 400 is not retried


def test_concurrency_is_bounded_and_used() -> None:
    import threading

    active, peak, lock = [0], [0], threading.Lock()

    def slow_answer(body: dict) -> str:
        import time

        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        return "ok"

    with FakeTeacher(answer=slow_answer) as server:
        TeacherClient(settings(server, workers=3)).run(requests(9))
    assert peak[0] == 3


def test_api_key_is_sent_but_never_logged_or_written(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    secret = "sk-live-0123456789-secret"
    monkeypatch.setenv("LAB_TEACHER_API_KEY", secret)
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    with FakeTeacher(script=["429", "drop"]) as server:
        answers = TeacherClient(settings(server)).run(requests(2))
    assert server.headers[0]["authorization"] == f"Bearer {secret}"
    captured = capsys.readouterr()
    assert secret not in caplog.text + captured.out + captured.err + repr(answers)
    assert not any(secret in path.read_text(errors="ignore") for path in tmp_path.rglob("*") if path.is_file())


def test_teacher_check_reports_models_latency_and_features(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from lab_cli.cli.main import main

    with FakeTeacher() as server:
        code = main(
            ["teacher", "check", "--teacher-url", server.url, "--teacher-model", "fake-teacher", "--format", "json"]
        )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["models"] == ["fake-teacher"] and report["model"] == "fake-teacher"
    assert report["answer"] == "echo: Say hello in five words." and report["several_choices"] is True


def test_teacher_check_on_a_dead_endpoint_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    from lab_cli.cli.main import main

    code = main(["teacher", "check", "--teacher-url", "http://127.0.0.1:9/v1", "--teacher-model", "x"])
    assert code == 1
    err = capsys.readouterr().err
    assert "cannot list models at http://127.0.0.1:9/v1" in err
    assert "check --teacher-url and that the server is running (lab serve starts one)" in err


def test_n_is_asked_n_times_where_the_server_answers_one_choice() -> None:
    with FakeTeacher(answer=lambda body: f"seed {body.get('seed')}") as server:
        settings = TeacherSettings(server.url, "fake-teacher", one_choice_per_request=True)
        (answer,) = TeacherClient(settings).run([ChatRequest("q", ({"role": "user", "content": "hi"},), n=3, seed=5)])
        plain = TeacherClient(TeacherSettings(server.url, "fake-teacher")).run(
            [ChatRequest("p", ({"role": "user", "content": "hi"},), n=2, seed=5)]
        )
    assert answer.id == "q" and answer.texts == ("seed 5", "seed 6", "seed 7")
    assert [(body.get("n"), body.get("seed")) for body in server.requests] == [(1, 5), (1, 6), (1, 7), (2, 5)]
    assert answer.usage["completion_tokens"] == 3 * plain[0].usage["completion_tokens"]  # summed over the three
    assert plain[0].texts == ("seed 5", "seed 5")
