"""``lab generate`` offline: a valid knowledge leaf whose document host cannot be reached is "unavailable", not
"invalid" (a closed port on 127.0.0.1 stands for a host that cannot be reached)."""

from __future__ import annotations

import json

from tests.cli.test_validate_cli import run_lab
from tests.generate.conftest import freeform, knowledge
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher

UNREACHABLE = "https://127.0.0.1:9/docs.git"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def offline_taxonomy(repo: Repo) -> Repo:
    (repo.top / ".lab.toml").write_text('[documents]\nallowed_hosts = ["127.0.0.1"]\n', encoding="utf-8")
    repo.leaf("knowledge/history/lighthouses", knowledge(0, UNREACHABLE, COMMIT))
    repo.leaf("compositional_skills/writing/skill", freeform(0))
    repo.commit("a knowledge leaf whose document host is down")
    return repo


def test_dry_run_calls_an_unreachable_document_unavailable(repo: Repo, scripted_teacher: FakeTeacher) -> None:
    offline_taxonomy(repo)
    teacher = ("--teacher-url", scripted_teacher.url, "--teacher-model", "fake-teacher")
    human = run_lab("generate", "--dry-run", *teacher, cwd=repo.top)
    assert human.returncode == 1 and "Traceback" not in human.stderr
    assert "unavailable knowledge/history/lighthouses: document unavailable: cannot fetch" in human.stdout
    assert "invalid knowledge" not in human.stdout and "0 invalid, 1 document unavailable" in human.stdout
    plan = json.loads(run_lab("generate", "--dry-run", "--format", "json", *teacher, cwd=repo.top).stdout)
    assert plan["counts"] == {"generate": 1, "cached": 0, "missing": 0, "invalid": 0, "unavailable": 1}
    [leaf] = [leaf for leaf in plan["leaves"] if leaf["kind"] == "knowledge"]
    assert leaf["action"] == "unavailable" and leaf["problem"].startswith("document unavailable: ")
    assert scripted_teacher.requests == []


def test_a_run_records_no_snapshot_and_says_why(repo: Repo, scripted_teacher: FakeTeacher) -> None:
    offline_taxonomy(repo)
    teacher = ("--teacher-url", scripted_teacher.url, "--teacher-model", "fake-teacher", "--scale", "1")
    completed = run_lab("generate", *teacher, cwd=repo.top)
    assert completed.returncode == 1 and "Traceback" not in completed.stderr
    assert "no dataset snapshot recorded: 1 leaves' documents are unavailable" in completed.stdout
