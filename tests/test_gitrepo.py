"""The git plumbing wrapper on a real repository: paths travel NUL-separated, whatever they hold."""

from __future__ import annotations

from lab_cli.gitrepo import GitRepo
from tests.helpers.gitrepos import Repo


def test_a_tree_entry_named_with_a_newline_stays_one_entry(repo: Repo) -> None:
    git = GitRepo(repo.top)
    blob = git.write_blob(b"samples\n")
    forged = f"leaves/a.jsonl\n100644 {blob}\tmanifest.json"
    tree = git.write_tree({forged: blob}, repo.top / ".git" / "scratch-index")
    assert git.tree_paths(tree) == [forged]


def test_hash_paths_takes_names_with_newlines(repo: Repo) -> None:
    odd = repo.top / "odd\nname.txt"
    odd.write_bytes(b"content\n")
    git = GitRepo(repo.top)
    assert git.write_file_blobs([odd]) == [git.write_blob(b"content\n")]


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
            GitRepo(repo.top).fetch_refs(
                f"http://127.0.0.1:{server.getsockname()[1]}/x.git", ["+refs/heads/*:refs/x/*"]
            )
    finally:
        server.close()


def test_a_fetch_that_hangs_is_stopped_naming_both_settings(repo: Repo, monkeypatch) -> None:
    import socket

    import pytest

    from lab_cli.errors import GitError

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    monkeypatch.delenv("LAB_GIT_TIMEOUT", raising=False)
    try:
        with pytest.raises(GitError, match=r"git fetch took longer than 1 s .*LAB_GIT_TIMEOUT.*\[limits\] git_timeout"):
            GitRepo(repo.top, timeout=1).fetch(f"http://127.0.0.1:{server.getsockname()[1]}/x.git", "a" * 40, 2**20)
    finally:
        server.close()


def test_the_environment_overrides_the_configured_time_limit(monkeypatch) -> None:
    import pytest

    from lab_cli.errors import UsageError
    from lab_cli.gitrepo import git_timeout

    monkeypatch.delenv("LAB_GIT_TIMEOUT", raising=False)
    assert (git_timeout(), git_timeout(7)) == (300, 7)
    monkeypatch.setenv("LAB_GIT_TIMEOUT", "2.5")
    assert git_timeout(7) == 2.5
    for bad in ("0", "-1", "soon", "inf"):
        monkeypatch.setenv("LAB_GIT_TIMEOUT", bad)
        with pytest.raises(UsageError, match="positive number of seconds"):
            git_timeout(7)


def test_a_transfer_that_keeps_growing_is_stopped_at_the_limit(tmp_path) -> None:
    """A local fetch ends before the first measurement; a process that keeps writing shows the stop in flight."""
    import subprocess
    import sys
    import time

    from lab_cli import gitrepo

    packs = tmp_path / "pack"
    packs.mkdir()
    endless = "import time\nwith open('tmp_pack_x', 'wb') as f:\n    while True:\n        f.write(b'x' * 65536)\n"
    endless += "        f.flush()\n        time.sleep(0.01)\n"
    writer = subprocess.Popen([sys.executable, "-c", endless], cwd=packs, start_new_session=True)
    problem = gitrepo._watch(writer, packs, set(), 256 * 1024, time.monotonic() + 20, 20)
    assert isinstance(problem, gitrepo.FetchTooLarge) and writer.returncode == -9
    assert (packs / "tmp_pack_x").stat().st_size < 4 * 2**20, "stopped near the limit, not at the deadline"


def test_is_ancestor_says_no_only_when_git_says_no_and_fails_when_git_cannot_tell(repo: Repo, tmp_path) -> None:
    import subprocess

    import pytest

    from lab_cli.errors import GitError

    (repo.top / "a.txt").write_text("a\n")
    first = repo.commit("first")
    (repo.top / "a.txt").write_text("b\n")
    second = repo.commit("second")
    git = GitRepo(repo.top)
    assert git.is_ancestor(first, second) and not git.is_ancestor(second, first)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.top}", str(shallow)], check=True)
    with pytest.raises(GitError, match=first):  # the first commit is not in the shallow clone: git's message
        GitRepo(shallow).is_ancestor(first, second)
