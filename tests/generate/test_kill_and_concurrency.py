"""``lab generate`` killed with SIGKILL at its dangerous moments, and two runs on one repository at once:
every rerun ends consistent (snapshot on the ref, note on the commit, every sample stored once)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from lab_cli.datasets.snapshot import NOTES_REF, default_store, read_manifest, snapshot_history, snapshot_of
from lab_cli.gitrepo import GitRepo
from tests.generate.conftest import freeform
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher

TEACHER = ("--teacher-model", "fake-teacher", "--allow-local-documents", "--scale", "1")


def generate(repo: Repo, teacher: FakeTeacher, kill_at: str | None = None) -> subprocess.Popen[str]:
    """``lab generate`` as a real child process (``kill_at``: the test-only fault point it dies at)."""
    env = {key: value for key, value in os.environ.items() if key != "LAB_TEST_KILL_AT"}
    if kill_at:
        env["LAB_TEST_KILL_AT"] = kill_at
    command = [sys.executable, "-m", "lab_cli", "generate", "--format", "json", "--teacher-url", teacher.url, *TEACHER]
    return subprocess.Popen(command, cwd=repo.top, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def show(repo: Repo) -> subprocess.CompletedProcess[str]:
    """``lab data show HEAD`` as a user would run it."""
    command = [sys.executable, "-m", "lab_cli", "data", "show", "HEAD", "--format", "json"]
    return subprocess.run(command, cwd=repo.top, capture_output=True, text=True, timeout=120)


def three_leaves(tmp_path: Path) -> Repo:
    """A taxonomy of three freeform leaves in one commit."""
    repo = Repo(tmp_path / "taxonomy")
    for i in range(3):
        repo.leaf(f"compositional_skills/writing/skill_{i}", freeform(i))
    repo.commit("three leaves")
    return repo


def test_killed_between_ref_and_note_the_rerun_adds_the_note(tmp_path: Path, scripted_teacher: FakeTeacher) -> None:
    repo = three_leaves(tmp_path)
    git = GitRepo(repo.top)
    killed = generate(repo, scripted_teacher, kill_at="snapshot-after-ref")
    killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert len(snapshot_history(git)) == 1 and git.ref(NOTES_REF) is None  # the damage: a snapshot, no note
    assert show(repo).returncode == 1

    rerun = generate(repo, scripted_teacher)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    history = snapshot_history(git)
    assert len(history) == 1 and json.loads(out)["snapshot"] == history[0]  # repaired, not recorded twice
    assert snapshot_of(git, "HEAD") == history[0]
    shown = show(repo)
    assert shown.returncode == 0, shown.stderr
    assert sorted(json.loads(shown.stdout)["leaves"]) == [f"compositional_skills/writing/skill_{i}" for i in range(3)]
    assert len(read_manifest(git, history[0])["leaves"]) == 3 and default_store(git).root.is_dir()
