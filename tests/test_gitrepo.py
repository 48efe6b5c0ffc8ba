"""The git plumbing wrapper on a real repository: paths travel NUL-separated, whatever they hold."""

from __future__ import annotations

from lab_cli.gitrepo import GitRepo
from tests.helpers.gitrepos import Repo


def test_a_tree_entry_named_with_a_newline_stays_one_entry(repo: Repo) -> None:
    git = GitRepo(repo.top)
    blob = git.hash_bytes(b"samples\n")
    forged = f"leaves/a.jsonl\n100644 {blob}\tmanifest.json"
    tree = git.write_tree({forged: blob}, repo.top / ".git" / "scratch-index")
    names = git.run("ls-tree", "-r", "-z", "--name-only", tree).decode().split("\0")
    assert names == [forged, ""]


def test_hash_paths_takes_names_with_newlines(repo: Repo) -> None:
    odd = repo.top / "odd\nname.txt"
    odd.write_bytes(b"content\n")
    git = GitRepo(repo.top)
    assert git.hash_paths([odd]) == [git.hash_bytes(b"content\n")]


def test_a_git_command_that_hangs_is_stopped_with_a_clear_error(repo: Repo, monkeypatch) -> None:
    import socket

    import pytest

    from lab_cli.errors import GitError

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts the connection and never answers: a host that hangs a fetch
    monkeypatch.setenv("LAB_GIT_TIMEOUT", "1")
    try:
        with pytest.raises(GitError, match="took longer than 1 s"):
            GitRepo(repo.top).run("fetch", f"http://127.0.0.1:{server.getsockname()[1]}/x.git")
    finally:
        server.close()
