"""``lab generate`` killed with SIGKILL at its dangerous moments, and two runs on one repository at once:
every rerun ends consistent (snapshot on the ref, note on the commit, every sample stored once)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lab_cli.datasets.snapshot import (
    NOTES_REF,
    default_store,
    leaf_samples,
    read_manifest,
    snapshot_history,
    snapshot_of,
)
from lab_cli.gitrepo import GitRepo
from tests.generate.conftest import freeform
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher
from tests.helpers.scripted_teacher import answer

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
    assert len(read_manifest(git, history[0]).leaves) == 3 and default_store(git).root.is_dir()


def test_killed_after_storing_a_key_the_rerun_completes_it_once(tmp_path: Path, scripted_teacher: FakeTeacher) -> None:
    repo = three_leaves(tmp_path)
    git = GitRepo(repo.top)
    killed = generate(repo, scripted_teacher, kill_at="store-after-append")
    killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL and snapshot_history(git) == []

    rerun = generate(repo, scripted_teacher)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert_stored_once(git, json.loads(out)["snapshot"])


def assert_stored_once(git: GitRepo, snapshot: str) -> None:
    """One snapshot, naming ``snapshot`` from the commit's note; each key's samples stored once, as recorded."""
    assert snapshot_history(git) == [snapshot] and snapshot_of(git, "HEAD") == snapshot
    store = default_store(git)
    for leaf, entry in read_manifest(git, snapshot).leaves.items():
        ids = [sample["metadata"]["id"] for sample in store.read(entry.generation_key)]
        assert len(ids) == len(set(ids)) == entry.samples == store.count(entry.generation_key) > 0, leaf
        assert sorted(ids) == sorted(sample["metadata"]["id"] for sample in leaf_samples(git, snapshot, leaf))


def test_two_runs_at_once_store_every_sample_once_and_one_snapshot(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "taxonomy")
    for i in range(6):
        repo.leaf(f"compositional_skills/writing/skill_{i}", freeform(i))
    repo.commit("six leaves")
    git = GitRepo(repo.top)

    def slow(body: dict) -> str:
        time.sleep(0.01)  # both runs are still generating when the other starts
        return answer(body)

    with FakeTeacher(answer=slow) as teacher:
        runs = [generate(repo, teacher), generate(repo, teacher)]
        outputs = [run.communicate(timeout=240) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert all(report["requests_sent"] > 0 for report in reports)  # they ran side by side, not one after the other
    assert reports[0]["snapshot"] == reports[1]["snapshot"]
    assert_stored_once(git, reports[0]["snapshot"])


LEASE = """
import sys
from pathlib import Path
from lab_cli.datasets.maintenance import generation_lease
from lab_cli.gitrepo import GitRepo

with generation_lease(GitRepo(Path(sys.argv[1]))):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_gc_is_refused_while_a_run_holds_the_repository(tmp_path: Path) -> None:
    repo = three_leaves(tmp_path)
    store = default_store(GitRepo(repo.top))
    orphan = "ab" * 32  # complete, referenced by no snapshot: what a run may be about to record
    store.append(orphan, [{"messages": [], "metadata": {}}])
    store.mark_complete(orphan)
    gc = [sys.executable, "-m", "lab_cli", "data", "gc"]
    holder = subprocess.Popen(
        [sys.executable, "-c", LEASE, str(repo.top)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        refused = subprocess.run(gc, cwd=repo.top, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and "run lab data gc after it ends" in refused.stderr
        assert store.is_complete(orphan)
    finally:
        holder.kill()
        holder.wait()
    done = subprocess.run(gc, cwd=repo.top, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not store.is_complete(orphan)
