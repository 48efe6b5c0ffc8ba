"""``lab data`` and ``lab diff`` where a new user first runs them: outside a repository, before the first commit,
before the first snapshot, with a revision that does not exist. Each error is one line with what to do next."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_validate_cli import run_lab
from tests.helpers.gitrepos import Repo

NO_COMMITS = "has no commits yet; commit the taxonomy first"
NO_SNAPSHOT = "HEAD has no dataset snapshot; run lab generate on it first"
NO_REVISION = "no commit named 'nope' in"


@pytest.mark.parametrize(
    ("place", "args", "code", "message"),
    [
        ("outside", ("data", "log"), 2, "is not inside a git repository; run lab inside a taxonomy clone"),
        ("no-commits", ("data", "show"), 2, NO_COMMITS),
        ("no-commits", ("data", "export"), 2, NO_COMMITS),
        ("no-commits", ("diff",), 2, NO_COMMITS),
        ("no-snapshots", ("data", "show", "HEAD"), 1, NO_SNAPSHOT),
        ("no-snapshots", ("data", "export"), 1, NO_SNAPSHOT),
        ("no-snapshots", ("data", "show", "nope"), 1, NO_REVISION),
        ("no-snapshots", ("diff", "--base", "nope"), 1, NO_REVISION),
        ("no-snapshots", ("data", "export", "--format", "csv"), 2, "--format must be jsonl or parquet, not 'csv'"),
    ],
)
def test_errors_in_the_wrong_place_are_one_clear_line(
    tmp_path: Path, place: str, args: tuple[str, ...], code: int, message: str
) -> None:
    if place != "outside":
        repo = Repo(tmp_path / "repo")
        if place == "no-snapshots":
            repo.commit("first")
        tmp_path = repo.top
    result = run_lab(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
    if message == NO_REVISION:
        assert "name a branch, tag or commit id" in result.stderr


def test_log_before_the_first_snapshot_says_how_to_make_one(repo: Repo) -> None:
    repo.commit("first")
    result = run_lab("data", "log", cwd=repo.top)
    assert result.returncode == 0 and "no dataset snapshots yet (lab generate records one" in result.stdout
