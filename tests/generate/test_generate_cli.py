"""``lab generate`` through the real entry point: the plan, errors a user meets, and a real local teacher
(a tiny model served by ``transformers serve``) end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab_cli.datasets.snapshot import read_manifest, snapshot_of
from lab_cli.gitrepo import GitRepo
from tests.cli.test_validate_cli import run_lab
from tests.generate.conftest import freeform, knowledge
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher

TEACHER = ("--teacher-model", "fake-teacher", "--allow-local-documents")


def test_dry_run_prints_the_plan_and_sends_nothing(twenty_leaves: Repo, scripted_teacher: FakeTeacher) -> None:
    result = run_lab(
        "generate",
        "--dry-run",
        "--format",
        "json",
        "--teacher-url",
        scripted_teacher.url,
        *TEACHER,
        cwd=twenty_leaves.top,
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["counts"] == {"generate": 20, "cached": 0, "missing": 0, "invalid": 0, "unavailable": 0}
    assert plan["estimated_requests"] > 0 and all(len(leaf["generation_key"]) == 64 for leaf in plan["leaves"])
    assert scripted_teacher.requests == []


def test_invalid_leaf_is_reported_and_no_snapshot_recorded(twenty_leaves: Repo, scripted_teacher: FakeTeacher) -> None:
    twenty_leaves.leaf("compositional_skills/writing/broken", "version: 3\ntask_description: [unclosed\n")
    twenty_leaves.commit("a broken leaf")
    result = run_lab("generate", "--scale", "1", "--teacher-url", scripted_teacher.url, *TEACHER, cwd=twenty_leaves.top)
    assert result.returncode == 1
    assert (
        "invalid compositional_skills/writing/broken: compositional_skills/writing/broken/qna.yaml:3:1: syntax error"
        in result.stdout
    )
    assert "no dataset snapshot recorded" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("generate",), "not inside a git repository"),
        (("generate", "--teacher-url", "http://127.0.0.1:9/v1"), "--teacher-model is required"),
        (("generate", "--scale", "0", "--teacher-url", "http://127.0.0.1:9/v1", "--teacher-model", "m"), "--scale"),
        (
            ("generate", "--continuous-batching", "--teacher-url", "http://127.0.0.1:9/v1", "--teacher-model", "m"),
            "--continuous-batching configures the local teacher",
        ),
    ],
)
def test_usage_errors_are_one_clear_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    if "--teacher-url" in args:
        Repo(tmp_path).commit("empty")
    result = run_lab(*args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_end_to_end_with_a_tiny_local_teacher(tiny_model: Path, tmp_path: Path, document_repo: tuple[str, str]) -> None:
    pytest.importorskip("fastapi", reason="serving needs the train extra")
    repo = Repo(tmp_path / "taxonomy")
    repo.leaf("compositional_skills/writing/notes", freeform(1))
    repo.leaf("knowledge/history/lighthouses", knowledge(1, *document_repo))
    repo.commit("two leaves")
    result = run_lab(
        "generate",
        "--teacher-model",
        str(tiny_model),
        "--allow-local-documents",
        "--scale",
        "1",
        "--format",
        "json",
        cwd=repo.top,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["requests_sent"] > 0 and report["teacher"].startswith("local:")
    assert {leaf["leaf"] for leaf in report["generated"]} == {
        "compositional_skills/writing/notes",
        "knowledge/history/lighthouses",
    }
    git = GitRepo(repo.top)
    leaves = read_manifest(git, snapshot_of(git, "HEAD")).leaves
    assert leaves["knowledge/history/lighthouses"].samples >= 15  # the seeds at least; the tiny model's text is noise


def test_continuous_batching_is_another_teacher_identity(tiny_model: Path, tmp_path: Path) -> None:
    from lab_cli.generate.engine import TeacherChoice, prepare
    from lab_cli.generate.plan import GenerateOptions

    repo = Repo(tmp_path / "taxonomy")
    repo.leaf("compositional_skills/writing/notes", freeform(1))
    repo.commit("one leaf")
    plans = [
        prepare(GitRepo(repo.top), GenerateOptions(), TeacherChoice(model=str(tiny_model), continuous_batching=cb)).plan
        for cb in (False, True)
    ]
    assert plans[1].teacher == plans[0].teacher + "+continuous-batching"
    assert plans[0].leaves[0].key != plans[1].leaves[0].key


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ("max_document_bytes = 1000", "over the 1,000-byte limit for one document ([limits] max_document_bytes"),
        ("max_fetch_bytes = 200", "larger than the 200-byte fetch limit: stopped, nothing kept"),
    ],
)
def test_document_limits_come_from_lab_toml(tmp_path: Path, document_repo: tuple[str, str], limits, message) -> None:
    repo = Repo(tmp_path / "taxonomy")
    repo.leaf("knowledge/history/lighthouses", knowledge(0, *document_repo))  # a ~2 KB document
    (repo.top / ".lab.toml").write_text(f"[limits]\n{limits}\n")
    repo.commit("a knowledge leaf under tight limits")
    result = run_lab("generate", "--dry-run", "--teacher-url", "http://127.0.0.1:9/v1", *TEACHER, cwd=repo.top)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "invalid knowledge/history/lighthouses" in result.stdout and message in " ".join(result.stdout.split())
