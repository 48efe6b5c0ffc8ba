"""Small things a user meets: --repo advice, --name-only for scripts, one exit code for a folder lab train did not
write, and exported files readable like any file the user writes."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.test_validate_cli import run_lab
from tests.helpers.gitrepos import Repo
from tests.helpers.leaves import skill_text
from tests.helpers.snapshots import QA, commit_leaves


def test_repo_advice_never_says_to_pass_what_was_passed(tmp_path: Path) -> None:
    missing = run_lab("diff", "-C", str(tmp_path / "nonexistent"), cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        f"lab: error: --repo {tmp_path / 'nonexistent'}: no such folder; give the taxonomy clone's folder"
    ]
    for args in (("diff", "-C", str(tmp_path)), ("data", "log", "-C", str(tmp_path))):
        plain = run_lab(*args, cwd=tmp_path.parent)
        assert plain.returncode == 2 and "is not inside a git repository" in plain.stderr, args
        assert "--repo PATH" not in plain.stderr and "give the folder of a taxonomy clone" in plain.stderr


def test_name_only_prints_names_and_exits_0_even_for_an_invalid_leaf(repo: Repo) -> None:
    repo.commit("base")
    repo.leaf("compositional_skills/bad", skill_text(examples=2))
    judged = run_lab("diff", "--base", "HEAD", cwd=repo.top)
    assert judged.returncode == 1
    names = run_lab("diff", "--base", "HEAD", "--name-only", cwd=repo.top)
    assert (names.returncode, names.stdout, names.stderr) == (0, "compositional_skills/bad\n", "")


def test_name_only_refuses_a_format_it_would_ignore(repo: Repo) -> None:
    repo.commit("base")
    completed = run_lab("diff", "--base", "HEAD", "--name-only", "--format", "sarif", cwd=repo.top)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.splitlines() == [
        "lab: error: --name-only prints leaf paths only; it does not combine with --format sarif"
    ]


def test_a_folder_lab_train_did_not_write_is_exit_2_everywhere(repo: Repo) -> None:
    commit_leaves(repo, {"compositional_skills/s": [QA(f"q {i}?", f"a {i}.") for i in range(6)]})
    (repo.top / "base").mkdir()
    (repo.top / "base" / "config.json").write_text("{}")  # a checkpoint lab did not train
    for args in (
        ("model", "log", "base"),
        ("eval", "--model", "base"),
        ("train", "--parent", "base", "--out", "out", "--preset", "tiny"),
    ):
        completed = run_lab(*args, cwd=repo.top)
        assert completed.returncode == 2, (args, completed.stderr)
        assert len(completed.stderr.splitlines()) == 1 and "Traceback" not in completed.stderr


def test_exported_files_get_the_mode_of_any_new_file(repo: Repo, tmp_path: Path) -> None:
    commit_leaves(repo, {"compositional_skills/s": [QA(f"q {i}?", f"a {i}.") for i in range(6)]})
    completed = run_lab("data", "export", "--out", str(tmp_path / "export"), cwd=repo.top)
    assert completed.returncode == 0, completed.stderr
    mask = os.umask(0o022)
    os.umask(mask)
    files = sorted((tmp_path / "export").iterdir())
    assert files and {path.stat().st_mode & 0o777 for path in files} == {0o666 & ~mask}
