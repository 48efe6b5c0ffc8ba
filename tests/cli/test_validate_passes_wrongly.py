"""Validation that must not pass: a leaf under a misspelled top folder, and a run that finds no qna.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_validate_cli import run_lab
from tests.helpers.gitrepos import Repo
from tests.helpers.leaves import skill_text

MISSPELLED = "compositonal_skills/x"
HINT = "compositonal_skills/ is none of them; did you mean compositional_skills/?"


@pytest.fixture
def branch(repo: Repo) -> Repo:
    """A taxonomy repo whose branch adds a valid skill under a misspelled top folder (uncommitted)."""
    repo.leaf("compositional_skills/good", skill_text())
    repo.commit("base")
    repo.leaf(MISSPELLED, skill_text())
    return repo


def test_validate_rejects_a_misspelled_top_folder(branch: Repo) -> None:
    human = run_lab("validate", cwd=branch.top)
    assert human.returncode == 1 and "Traceback" not in human.stderr
    assert f"{MISSPELLED}/qna.yaml" in human.stdout and HINT in human.stdout and "(outside-taxonomy)" in human.stdout
    files = json.loads(run_lab("validate", "--format", "json", cwd=branch.top).stdout)["files"]
    bad = next(f for f in files if f["leaf"] == MISSPELLED)
    assert [(e["line"], e["column"], e["rule"]) for e in bad["errors"]] == [(1, 1, "outside-taxonomy")]


@pytest.mark.parametrize("mode", ["--no-pr", "--pr"])
def test_diff_rejects_a_misspelled_top_folder_in_every_mode(branch: Repo, mode: str) -> None:
    completed = run_lab("diff", "--base", "HEAD", mode, "--format", "json", cwd=branch.top)
    assert completed.returncode == 1, completed.stderr
    files = json.loads(completed.stdout)["validation"]["files"]
    messages = [e["message"] for f in files for e in f["errors"] if e["rule"] == "outside-taxonomy"]
    assert len(messages) == 1 and HINT in messages[0]


def test_a_folder_far_from_any_taxonomy_folder_gets_no_guess(repo: Repo) -> None:
    repo.leaf("docs/x", skill_text())
    completed = run_lab("validate", "-q", cwd=repo.top)
    assert completed.returncode == 1
    assert "docs/ is none of them (outside-taxonomy)" in completed.stdout and "did you mean" not in completed.stdout


def test_finding_no_qna_yaml_fails_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for output_format in ("human", "json", "github", "sarif"):
        completed = run_lab("validate", "empty", "--format", output_format, cwd=tmp_path)
        assert completed.returncode == 1 and "Traceback" not in completed.stderr, output_format
        assert completed.stderr.splitlines() == [
            "lab: error: no qna.yaml found under empty; name the right files or folders, "
            "or pass --allow-empty if none is fine"
        ]
    assert run_lab("validate", "empty", cwd=tmp_path).stdout == ""  # no "0 file(s) checked … valid"
    allowed = run_lab("validate", "empty", "--allow-empty", cwd=tmp_path)
    assert allowed.returncode == 0 and "0 file(s) checked" in allowed.stdout and allowed.stderr == ""


def test_a_taxonomy_in_a_folder_of_a_repository_is_its_own_root(repo: Repo) -> None:
    """lab's own checkout holds its example taxonomy in taxonomy/: the README's ``lab validate taxonomy`` passes."""
    repo.leaf("taxonomy/compositional_skills/good", skill_text())
    repo.leaf("taxonomy/compositonal_skills/x", skill_text())
    repo.commit("a taxonomy below the top")
    good = "taxonomy/compositional_skills/good/qna.yaml"
    for args, cwd in (((good,), repo.top), (("compositional_skills",), repo.top / "taxonomy")):
        completed = run_lab("validate", "--format", "json", *args, cwd=cwd)
        assert completed.returncode == 0, completed.stdout
        assert [f["leaf"] for f in json.loads(completed.stdout)["files"]] == ["compositional_skills/good"]
    whole = json.loads(run_lab("validate", "taxonomy", "--format", "json", cwd=repo.top).stdout)["files"]
    rules = {f["leaf"]: [e["rule"] for e in f["errors"]] for f in whole}
    assert rules == {"compositional_skills/good": [], "taxonomy/compositonal_skills/x": ["outside-taxonomy"]}


def test_the_readme_command_passes_on_the_bundled_taxonomy() -> None:
    root = Path(__file__).resolve().parents[2]
    completed = run_lab("validate", "taxonomy", "-q", cwd=root)
    assert completed.returncode == 0, completed.stdout
