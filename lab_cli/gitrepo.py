"""The one place lab talks to git: revisions, merge-bases, changes between trees, blobs at a revision.

Everything here runs git's plumbing commands directly (a fixed handful of processes per operation, never one
per commit or per file), which is the fast path that keeps ``lab diff`` under a second on large histories.
GitPython, which costs ~200 ms to import, is reserved for the dataset store that needs its object model.
Failures become ``GitError`` with git's own message.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lab_cli.errors import GitError, UsageError

WORKTREE = "WORKTREE"
"""The pseudo-revision of the working tree: committed, staged, unstaged and untracked (not ignored) files."""

SYMLINK_MODE, SUBMODULE_MODE = "120000", "160000"

_ENVIRONMENT = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


@dataclass(frozen=True)
class Change:
    """One changed path between two trees: status A, M, D or R (with the old path)."""

    status: str
    path: str
    old_path: str | None = None


@dataclass(frozen=True)
class Entry:
    """A path in a tree: its mode, object id and size in bytes (None for a submodule)."""

    mode: str
    sha: str
    size: int | None


class GitRepo:
    """A git work tree, addressed by its top folder."""

    def __init__(self, top: Path) -> None:
        self.top = top

    @classmethod
    def find(cls, start: Path) -> GitRepo:
        """The work tree containing ``start``; ``UsageError`` outside any repository."""
        folder = start if start.is_dir() else start.parent
        try:
            out = _git(folder, "rev-parse", "--show-toplevel")
        except GitError as exc:
            raise UsageError(f"{start} is not inside a git repository; run lab diff in a taxonomy clone") from exc
        return cls(Path(out.decode().strip()))

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run ``git ARGS`` in the work tree; its standard output."""
        return _git(self.top, *args, stdin=stdin)

    def resolve(self, revision: str) -> str:
        """The commit id a revision names (branch, tag, sha, ``HEAD~2``…)."""
        if revision.startswith("-"):
            raise GitError(f"{revision!r} is not a revision")
        try:
            return self.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
        except GitError as exc:
            raise GitError(f"no commit named {revision!r} in {self.top}") from exc

    def exists(self, revision: str) -> bool:
        """Whether a revision names a commit."""
        try:
            self.resolve(revision)
        except GitError:
            return False
        return True

    def merge_base(self, first: str, second: str) -> str:
        """The best common ancestor of two commits."""
        try:
            return self.run("merge-base", first, second).decode().strip()
        except GitError as exc:
            raise GitError(f"{first} and {second} have no common ancestor") from exc

    def changes(self, base: str, head: str) -> list[Change]:
        """What changed from commit ``base`` to ``head`` (a commit or ``WORKTREE``), renames detected."""
        if head != WORKTREE:
            return _parse_name_status(self.run("diff", "--name-status", "-M", "-z", "--no-ext-diff", base, head))
        tracked = _parse_name_status(self.run("diff", "--name-status", "-M", "-z", "--no-ext-diff", base))
        untracked = self.run("ls-files", "--others", "--exclude-standard", "-z").decode("utf-8", "surrogateescape")
        added = [Change("A", path) for path in untracked.split("\0") if path]
        return _pair_exact_renames(self, base, tracked, added)

    def entries(self, revision: str, paths: list[str]) -> dict[str, Entry]:
        """Mode, id and size of each of ``paths`` that exists at ``revision`` (one ``ls-tree``)."""
        if not paths:
            return {}
        out = self.run("ls-tree", "-l", "-z", "--full-tree", revision, "--", *paths)
        found = {}
        for record in out.decode("utf-8", "surrogateescape").split("\0"):
            if record:
                meta, path = record.split("\t", 1)
                mode, _, sha, size = meta.split()
                found[path] = Entry(mode, sha, None if size == "-" else int(size))
        return found

    def read_blobs(self, shas: list[str]) -> dict[str, bytes]:
        """The contents of blobs by id (one ``cat-file --batch``); callers check sizes first."""
        if not shas:
            return {}
        out = self.run("cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in shas).encode())
        blobs, position = {}, 0
        for sha in shas:
            header_end = out.index(b"\n", position)
            _, _, size = out[position:header_end].decode().split()
            start = header_end + 1
            blobs[sha] = out[start : start + int(size)]
            position = start + int(size) + 1
        return blobs

    def hash_files(self, paths: list[str]) -> list[str]:
        """The blob ids work-tree files would get (one ``hash-object`` for all)."""
        if not paths:
            return []
        return self.run("hash-object", "--no-filters", "--", *paths).decode().split()


def _git(folder: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        completed = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=folder,
            input=stdin,
            capture_output=True,
            env=_ENVIRONMENT,
            check=False,
        )
    except FileNotFoundError as exc:
        raise UsageError("git is not installed or not on PATH") from exc
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return completed.stdout


def _parse_name_status(out: bytes) -> list[Change]:
    """Parse ``git diff --name-status -z``: copies count as additions, type changes as modifications."""
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    changes, index = [], 0
    while index < len(fields) and fields[index]:
        status = fields[index][0]
        if status in "RC":
            old, new = fields[index + 1], fields[index + 2]
            changes.append(Change("R", new, old) if status == "R" else Change("A", new))
            index += 3
        else:
            changes.append(Change({"T": "M"}.get(status, status), fields[index + 1]))
            index += 2
    return changes


def _pair_exact_renames(repo: GitRepo, base: str, tracked: list[Change], added: list[Change]) -> list[Change]:
    """Turn a deleted tracked file plus an identical untracked file into one rename (``mv`` without ``git add``)."""
    deleted = {change.path: change for change in tracked if change.status == "D"}
    if not deleted or not added:
        return tracked + added
    old_ids = {entry.sha: path for path, entry in repo.entries(base, list(deleted)).items()}
    result = [change for change in tracked if change.status != "D"]
    hashable = [change.path for change in added if os.path.isfile(repo.top / change.path)]
    ids = dict(zip(hashable, repo.hash_files(hashable), strict=True))
    for change in added:
        old_path = old_ids.pop(ids.get(change.path, ""), None)
        if old_path is not None:
            deleted.pop(old_path)
            result.append(Change("R", change.path, old_path))
        else:
            result.append(change)
    return result + list(deleted.values())
