"""``lab data pull`` / ``lab data push`` between real clones and a bare remote: a push is atomic, a push that
loses a race fetches, replays and tries again, a pull fills the sample store, diverged snapshots are replayed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lab_cli.datasets.snapshot import (
    DATASETS_REF,
    NOTES_REF,
    LeafData,
    default_store,
    read_manifest,
    snapshot_of,
    write_snapshot,
)
from lab_cli.datasets.sync import pull_snapshots, push_snapshots
from lab_cli.errors import GitError
from lab_cli.gitrepo import GitRepo
from tests.conftest import REPO_ROOT
from tests.helpers.gitrepos import Repo
from tests.helpers.snapshots import QA, commit_leaves


def _bare(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return path


def _remote_ref(remote: Path, ref: str) -> str | None:
    out = subprocess.run(["git", "--git-dir", str(remote), "rev-parse", "--verify", "-q", ref], capture_output=True)
    return out.stdout.decode().strip() or None


def _clone(remote: Path, path: Path) -> Repo:
    subprocess.run(["git", "clone", "-q", str(remote), str(path)], check=True)
    repo = Repo.__new__(Repo)
    repo.top = path
    return repo


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return _bare(tmp_path / "remote.git")


def _taxonomy(repo: Repo, remote: Path, leaf: str = "compositional_skills/writing/a") -> tuple[str, str]:
    commit, snapshot = commit_leaves(repo, {leaf: [QA("q?", "a.")]})
    repo.git("push", "-q", str(remote), "HEAD:refs/heads/main")
    return commit, snapshot


def test_push_moves_both_refs_or_neither(repo: Repo, remote: Path) -> None:
    _taxonomy(repo, remote)
    hook = remote / "hooks" / "update"
    hook.write_text('#!/bin/sh\n[ "$1" != refs/notes/lab ] || { echo "notes refused" >&2; exit 1; }\n')
    hook.chmod(0o755)
    with pytest.raises(GitError):
        push_snapshots(GitRepo(repo.top), str(remote), attempts=1)
    assert _remote_ref(remote, DATASETS_REF) is None, "a snapshot without its note reached the remote"
    hook.unlink()
    result = push_snapshots(GitRepo(repo.top), str(remote))
    assert result.moved == 1
    assert _remote_ref(remote, DATASETS_REF) == GitRepo(repo.top).ref(DATASETS_REF)
    assert _remote_ref(remote, NOTES_REF) == GitRepo(repo.top).ref(NOTES_REF)


def test_a_push_that_loses_a_race_fetches_replays_and_pushes_again(repo: Repo, remote: Path, tmp_path: Path) -> None:
    commit, _ = _taxonomy(repo, remote)
    rival = _clone(remote, tmp_path / "rival")
    rival.git("config", "user.email", "rival@example.org")
    rival.git("config", "user.name", "Rival")
    both = {"compositional_skills/writing/a": [QA("q?", "a.")], "compositional_skills/writing/b": [QA("q2?", "b.")]}
    rival_commit, _ = commit_leaves(rival, both, "rival leaf")
    rival.git("push", "-q", "origin", "main")
    # between our fetch and our push, the rival's snapshot lands on the remote (once)
    command = f"PYTHONPATH={REPO_ROOT} {sys.executable} -m lab_cli data push {remote} -C {rival.top}"
    hook = repo.top / ".git" / "hooks" / "pre-push"
    hook.write_text(f"#!/bin/sh\n[ -e {tmp_path}/raced ] || {{ touch {tmp_path}/raced; {command} >&2; }}\n")
    hook.chmod(0o755)
    result = push_snapshots(GitRepo(repo.top), str(remote))
    assert (tmp_path / "raced").exists() and result.attempts == 2 and result.replayed == 1
    tip = _remote_ref(remote, DATASETS_REF)
    assert len(GitRepo(repo.top).first_parent_commits(None, str(tip))) == 2
    check = _clone(remote, tmp_path / "check")
    check.git("fetch", "-q", "origin", f"{NOTES_REF}:{NOTES_REF}", f"{DATASETS_REF}:{DATASETS_REF}")
    git = GitRepo(check.top)
    assert snapshot_of(git, commit) == tip and git.is_ancestor(snapshot_of(git, rival_commit), tip)


def test_pull_fills_the_store_so_nothing_is_generated_again(repo: Repo, remote: Path, tmp_path: Path) -> None:
    commit, snapshot = _taxonomy(repo, remote)
    push_snapshots(GitRepo(repo.top), str(remote))
    clone = GitRepo(_clone(remote, tmp_path / "clone").top)
    result = pull_snapshots(clone, "origin")
    assert result.moved == 1 and result.filled == 1 and clone.ref(DATASETS_REF) == snapshot
    assert snapshot_of(clone, commit) == snapshot
    key = next(iter(default_store(GitRepo(repo.top)).stored_keys()))
    store = default_store(clone)
    assert store.is_complete(key) and list(store.read(key)) == list(default_store(GitRepo(repo.top)).read(key))
    assert pull_snapshots(clone, "origin").filled == 0


def test_pull_puts_local_snapshots_on_top_and_the_remotes_snapshot_of_a_commit_wins(
    repo: Repo, remote: Path, tmp_path: Path
) -> None:
    first, theirs = _taxonomy(repo, remote)
    push_snapshots(GitRepo(repo.top), str(remote))
    mine = _clone(remote, tmp_path / "mine")
    mine.git("config", "user.email", "me@example.org")
    mine.git("config", "user.name", "Me")
    second, _ = commit_leaves(mine, {"compositional_skills/writing/a": [QA("q?", "a.")]}, "a commit of mine")
    git = GitRepo(mine.top)
    manifest = read_manifest(git, git.ref(DATASETS_REF))  # and my own snapshot of the first commit, on top
    leaves = [LeafData(leaf, entry.kind, entry.generation_key) for leaf, entry in manifest.leaves.items()]
    write_snapshot(git, default_store(git), first, leaves)
    result = pull_snapshots(git, "origin")
    assert (result.moved, result.replayed, result.dropped) == (1, 1, 1)
    history = git.first_parent_commits(None, DATASETS_REF)
    assert len(history) == 2 and history[0] == theirs
    assert snapshot_of(git, first) == theirs and snapshot_of(git, second) == history[1]
    assert git.is_ancestor(_remote_ref(remote, NOTES_REF), NOTES_REF)
    push_snapshots(git, "origin")
    assert _remote_ref(remote, DATASETS_REF) == history[1]
