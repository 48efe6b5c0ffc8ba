"""The one place lab talks to git: revisions, merge-bases, changes between trees, trees and blobs, refs, notes,
fetches and pushes, each a typed method (no other module passes git arguments).

Everything here runs git's plumbing commands directly (a fixed handful of processes per operation, never one
per commit or per file; blobs in batch through one ``cat-file --batch``), which is the fast path that keeps
``lab diff`` under a second on large histories. GitPython is not used: importing it took 100–170 ms here, two to
three times all of lab's CLI, on every ``lab validate`` and ``lab diff``, and what it would add (a command layer
with timeouts, a persistent ``cat-file`` reader) is what this module does in a few lines, with the size-bounded
fetch it lacks. Failures become ``GitError`` with git's own message. Every command has a time limit
(``git_timeout``), and a fetch from another repository a size limit (``GitRepo.fetch``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lab_cli.errors import GitError, LabError, UsageError

WORKTREE = "WORKTREE"
"""The pseudo-revision of the working tree: committed, staged, unstaged and untracked (not ignored) files."""

SYMLINK_MODE, SUBMODULE_MODE, TREE_MODE = "120000", "160000", "040000"
TAB = "\t"

DEFAULT_GIT_TIMEOUT = 300.0
"""Seconds one git command may run unless ``$LAB_GIT_TIMEOUT`` or ``[limits] git_timeout`` says otherwise."""

TIMEOUT_SETTING = "LAB_GIT_TIMEOUT, or [limits] git_timeout in .lab.toml"

_POLL_SECONDS = 0.05
"""How often a bounded fetch measures what it has received."""

_ARGUMENTS_PER_CALL = 500
"""Paths per git command line, far below any system's argument-length limit."""

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


class FetchTooLarge(GitError):
    """A fetch stopped because what it brought passed its size limit (what arrived was deleted)."""


class PushRejected(GitError):
    """A push the remote refused, most often because a ref there moved (not a fast-forward, or it moved while
    the push ran); an atomic push then updated nothing."""


class GitRepo:
    """A git work tree, addressed by its top folder; ``timeout``: seconds per command from lab's settings
    (``$LAB_GIT_TIMEOUT`` overrides it; None: the default)."""

    def __init__(self, top: Path, timeout: float | None = None) -> None:
        self.top = top
        self.timeout = timeout

    def with_timeout(self, timeout: float | None) -> GitRepo:
        """The same repository with another configured time limit per git command."""
        return GitRepo(self.top, timeout)

    @classmethod
    def find(cls, start: Path, given: bool | None = None) -> GitRepo:
        """The work tree containing ``start``; ``UsageError`` outside any repository. ``given``: whether the user
        named ``start`` (``--repo``/``-C``); by default, whether it is another folder than the current one."""
        if given is None:
            given = os.path.abspath(start) != os.getcwd()
        if not start.exists():
            raise UsageError(f"--repo {start}: no such folder; give the taxonomy clone's folder")
        folder = start if start.is_dir() else start.parent
        try:
            out = _git(folder, "rev-parse", "--show-toplevel")
        except GitError as exc:
            advice = (
                "give the folder of a taxonomy clone"
                if given
                else "run lab inside a taxonomy clone (or pass --repo PATH)"
            )
            raise UsageError(f"{start} is not inside a git repository; {advice}") from exc
        return cls(Path(out.decode().strip()))

    def _run(self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
        """Run ``git ARGS`` in the work tree (``env``: extra variables); its standard output. Private: the rest of
        lab asks for what it needs through the typed methods below."""
        return _git(self.top, *args, stdin=stdin, env=env, timeout=git_timeout(self.timeout))

    def fetch(self, url: str, revision: str, max_bytes: int, allow_file: bool = False) -> None:
        """Fetch ``revision`` alone (depth 1, no tags) from ``url``; ``FetchTooLarge`` when the pack it brings
        passes ``max_bytes``: git is stopped as soon as it does, and the partial pack deleted.

        Objects always arrive as one pack (unpack limit 1, never loose), so the growth of ``objects/pack`` is
        what was received; it is measured while git runs and once more when it ends.
        """
        protocol = "always" if allow_file else "never"
        limits = ("-c", "fetch.unpackLimit=1", "-c", "transfer.unpackLimit=1", "-c", f"protocol.file.allow={protocol}")
        args = (*limits, "fetch", "--quiet", "--depth", "1", "--no-tags", "--", url, revision)
        git_dir = self.git_dir()
        shallow = git_dir / "shallow"
        grafts = shallow.read_bytes() if shallow.is_file() else None
        try:
            _bounded_fetch(self.top, args, git_dir / "objects" / "pack", max_bytes, git_timeout(self.timeout))
        except GitError:
            # a stopped fetch leaves its lock, and must not leave a shallow boundary at a commit it deleted
            (git_dir / "shallow.lock").unlink(missing_ok=True)
            if grafts is None:
                shallow.unlink(missing_ok=True)
            else:
                shallow.write_bytes(grafts)
            raise

    def remote_refs(self, remote: str, refs: list[str]) -> dict[str, str]:
        """The commit each of ``refs`` points at on ``remote`` (a remote name or URL); absent refs are left out."""
        out = self._run("ls-remote", "--refs", "--", remote, *refs).decode()
        found = dict(reversed(line.split(TAB, 1)) for line in out.splitlines() if TAB in line)
        return {ref: found[ref] for ref in refs if ref in found}

    def fetch_refs(self, remote: str, refspecs: list[str]) -> None:
        """Fetch ``refspecs`` (``+src:dst``) from ``remote``, no tags."""
        if refspecs:
            self._run("fetch", "--quiet", "--no-tags", "--", remote, *refspecs)

    def push_refs(self, remote: str, refspecs: list[str]) -> None:
        """Push ``refspecs`` to ``remote`` atomically (all refs move or none), never forced; ``PushRejected`` when
        a ref there is not an ancestor of what is pushed."""
        args = ("push", "--quiet", "--atomic", "--porcelain", "--", remote, *refspecs)
        completed = _completed(self.top, args, None, None, git_timeout(self.timeout))
        if completed.returncode == 0:
            return
        refused = [line for line in completed.stdout.decode(errors="replace").splitlines() if line.startswith("!")]
        if refused:
            raise PushRejected(f"{remote} refused the push: {refused[0].split(TAB)[-1]}")
        problems = [line for line in completed.stderr.decode(errors="replace").splitlines() if line[:5] != "hint:"]
        raise GitError(problems[-1] if problems else "git push failed")

    def first_parent_commits(self, since: str | None, until: str) -> list[str]:
        """Commits on the first-parent line from ``since`` (excluded; None: from the root) to ``until``, oldest
        first."""
        span = f"{since}..{until}" if since else until
        return self._run("rev-list", "--first-parent", "--reverse", span).decode().split()

    def delete_ref(self, ref: str) -> None:
        """Remove ``ref`` if it exists."""
        if self.ref(ref) is not None:
            self._run("update-ref", "-d", ref)

    def git_dir(self) -> Path:
        """The repository's .git folder (where lab keeps its sample store)."""
        return (self.top / self._run("rev-parse", "--git-dir").decode().strip()).resolve()

    def ref(self, name: str) -> str | None:
        """The commit a ref points at, or None."""
        try:
            return self._run("rev-parse", "--verify", "--quiet", name).decode().strip() or None
        except GitError:
            return None

    def write_file_blobs(self, paths: list[Path]) -> list[str]:
        """Write files into the object store as blobs; their ids (paths as arguments, never newline-separated)."""
        ids: list[str] = []
        for start in range(0, len(paths), _ARGUMENTS_PER_CALL):
            chunk = [str(path) for path in paths[start : start + _ARGUMENTS_PER_CALL]]
            ids += self._run("hash-object", "-w", "--", *chunk).decode().split()
        return ids

    def write_blob(self, data: bytes) -> str:
        """Write one blob from memory; its id."""
        return self._run("hash-object", "-w", "--stdin", stdin=data).decode().strip()

    def write_tree(self, entries: dict[str, str], scratch_index: Path) -> str:
        """A tree holding ``path -> blob id`` entries, built in a scratch index (the user's index is untouched)."""
        scratch_index.unlink(missing_ok=True)
        env = {"GIT_INDEX_FILE": str(scratch_index)}
        listing = "".join(f"100644 {sha}\t{path}\0" for path, sha in sorted(entries.items())).encode()
        try:
            self._run("update-index", "--add", "-z", "--index-info", stdin=listing, env=env)
            return self._run("write-tree", env=env).decode().strip()
        finally:
            scratch_index.unlink(missing_ok=True)

    def commit_tree(self, tree: str, parent: str | None, message: str) -> str:
        """A commit of ``tree`` (identity: the user's, else lab's own)."""
        identity = {
            "GIT_AUTHOR_NAME": "lab",
            "GIT_AUTHOR_EMAIL": "lab@localhost",
            "GIT_COMMITTER_NAME": "lab",
            "GIT_COMMITTER_EMAIL": "lab@localhost",
        }
        env = {key: value for key, value in identity.items() if key not in os.environ}
        parents = ["-p", parent] if parent else []
        return self._run("commit-tree", tree, *parents, "-F", "-", stdin=message.encode(), env=env).decode().strip()

    def update_ref(self, ref: str, new: str, old: str | None) -> None:
        """Move ``ref`` to ``new`` only if it still points at ``old`` (another writer makes this fail)."""
        self._run("update-ref", ref, new, old or "0" * 40)

    def read_file_at(self, revision: str, path: str) -> bytes:
        """One file's content at a revision."""
        return self._run("cat-file", "blob", f"{revision}:{path}")

    def resolve(self, revision: str) -> str:
        """The commit id a revision names (branch, tag, sha, ``HEAD~2``…); ``UsageError`` in a repository with
        no commits yet, ``GitError`` for a name that is not a commit."""
        if revision.startswith("-"):
            raise GitError(f"{revision!r} is not a revision; name a branch, tag or commit id")
        try:
            return self._run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
        except GitError as exc:
            if self.ref("HEAD") is None:
                raise UsageError(
                    f"{self.top} has no commits yet; commit the taxonomy first (git add -A; git commit)"
                ) from exc
            raise GitError(
                f"no commit named {revision!r} in {self.top}; "
                "name a branch, tag or commit id (git log --oneline lists them)"
            ) from exc

    def exists(self, revision: str) -> bool:
        """Whether a revision names a commit."""
        try:
            self.resolve(revision)
        except LabError:
            return False
        return True

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether commit ``ancestor`` is ``descendant`` or behind it; ``GitError`` with git's message when git
        cannot tell (exit 128: a missing object in a shallow clone, a name that is no commit), never a "no"."""
        args = ("merge-base", "--is-ancestor", ancestor, descendant)
        completed = _completed(self.top, args, None, None, git_timeout(self.timeout))
        if completed.returncode in (0, 1):
            return completed.returncode == 0
        raise GitError(_last_line(completed.stderr) or f"git {_command(args)} failed")

    def merge_base(self, first: str, second: str) -> str:
        """The best common ancestor of two commits."""
        try:
            return self._run("merge-base", first, second).decode().strip()
        except GitError as exc:
            raise GitError(f"{first} and {second} have no common ancestor") from exc

    def changes(self, base: str, head: str) -> list[Change]:
        """What changed from commit ``base`` to ``head`` (a commit or ``WORKTREE``), renames detected."""
        if head != WORKTREE:
            return _parse_name_status(self._run("diff", "--name-status", "-M", "-z", "--no-ext-diff", base, head))
        tracked = _parse_name_status(self._run("diff", "--name-status", "-M", "-z", "--no-ext-diff", base))
        untracked = self._run("ls-files", "--others", "--exclude-standard", "-z").decode("utf-8", "surrogateescape")
        added = [Change("A", path) for path in untracked.split("\0") if path]
        return _pair_exact_renames(self, base, tracked, added)

    def entries(self, revision: str, paths: list[str]) -> dict[str, Entry]:
        """Mode, id and size of each of ``paths`` that exists at ``revision`` (one ``ls-tree``)."""
        if not paths:
            return {}
        out = self._run("ls-tree", "-l", "-z", "--full-tree", revision, "--", *paths)
        return {path: entry for path, entry, _ in _parse_long_tree(out)}

    def read_blobs(self, shas: list[str]) -> dict[str, bytes]:
        """The contents of blobs by id (one ``cat-file --batch``); callers check sizes first."""
        if not shas:
            return {}
        out = self._run("cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in shas).encode())
        blobs, position = {}, 0
        for sha in shas:
            header_end = out.index(b"\n", position)
            _, _, size = out[position:header_end].decode().split()
            start = header_end + 1
            blobs[sha] = out[start : start + int(size)]
            position = start + int(size) + 1
        return blobs

    def init_bare(self) -> None:
        """Make this folder an empty bare repository (a document cache's)."""
        self._run("init", "--quiet", "--bare")

    def has_commit(self, commit: str) -> bool:
        """Whether the object store holds ``commit`` (a full id) as a commit."""
        return self.ref(f"{commit}^{{commit}}") == commit

    def tree_of(self, commit: str) -> str:
        """The id of a commit's tree."""
        return self._run("rev-parse", f"{commit}^{{tree}}").decode().strip()

    def tree_paths(self, commit: str) -> list[str]:
        """Every file path in a commit's tree (NUL-separated plumbing: any name is safe)."""
        out = self._run("ls-tree", "-r", "-z", "--name-only", commit).decode("utf-8", "surrogateescape")
        return [name for name in out.split("\0") if name]

    def tree_entries(self, commit: str) -> list[tuple[str, Entry, str]]:
        """Every entry of a commit's tree, recursively: (path, mode/id/size, object type: blob or commit)."""
        return _parse_long_tree(self._run("ls-tree", "-r", "-l", "-z", commit))

    def read_blob(self, sha: str) -> bytes:
        """One blob by id; ``GitError`` when it is missing or unreadable."""
        return self._run("cat-file", "blob", sha)

    def history(self, ref: str) -> list[str]:
        """The commits on ``ref``'s first-parent line, newest first."""
        return self.first_parent_commits(None, ref)[::-1]

    def message(self, commit: str) -> str:
        """A commit's whole message."""
        return self._run("show", "-s", "--format=%B", commit).decode()

    def trailer(self, commit: str, key: str) -> str:
        """The value of a commit message's ``key:`` trailer ("" when it has none)."""
        return self._run("show", "-s", f"--format=%(trailers:key={key},valueonly)", commit).decode().strip()

    def trailers_on(self, ref: str, key: str) -> list[str]:
        """The ``key:`` trailer values of every commit on ``ref``'s first-parent line."""
        out = self._run("log", "--first-parent", f"--format=%(trailers:key={key},valueonly)", ref).decode()
        return out.split()

    def note(self, notes_ref: str, commit: str) -> str | None:
        """The note on ``commit`` under ``notes_ref``, or None when it has none."""
        try:
            return self._run("notes", "--ref", notes_ref, "show", commit).decode()
        except GitError:
            return None

    def set_note(self, notes_ref: str, commit: str, text: str) -> None:
        """Make ``text`` the note on ``commit`` under ``notes_ref`` (replacing one there)."""
        self._run("notes", "--ref", notes_ref, "add", "-f", "-m", text, commit)

    def file_blob_ids(self, paths: list[str]) -> list[str]:
        """The blob ids work-tree files would get (one ``hash-object`` for all)."""
        if not paths:
            return []
        return self._run("hash-object", "--no-filters", "--", *paths).decode().split()


def git_timeout(configured: float | None = None) -> float:
    """Seconds any one git command may run: ``$LAB_GIT_TIMEOUT``, else ``configured`` (``[limits] git_timeout``),
    else 300 (a hung fetch must not hang a bot)."""
    value = os.environ.get("LAB_GIT_TIMEOUT")
    try:
        seconds = float(value) if value is not None else configured or DEFAULT_GIT_TIMEOUT
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise UsageError(f"LAB_GIT_TIMEOUT must be a positive number of seconds, not {value!r}")
    return seconds


def _git(
    folder: Path,
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> bytes:
    completed = _completed(folder, args, stdin, env, timeout)
    if completed.returncode != 0:
        raise GitError(_last_line(completed.stderr) or f"git {_command(args)} failed")
    return completed.stdout


def _completed(
    folder: Path, args: tuple[str, ...], stdin: bytes | None, env: dict[str, str] | None, timeout: float | None
) -> subprocess.CompletedProcess[bytes]:
    """Run git to the end within its time limit, whatever its exit status."""
    try:
        return subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=folder,
            input=stdin,
            capture_output=True,
            env={**_ENVIRONMENT, **(env or {})},
            check=False,
            timeout=timeout or git_timeout(),
        )
    except FileNotFoundError as exc:
        raise UsageError("git is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise _timed_out(_command(args), exc.timeout) from exc


def _bounded_fetch(folder: Path, args: tuple[str, ...], packs: Path, max_bytes: int, timeout: float) -> None:
    """Run a fetch, stopping it (its whole process group) once ``packs`` grew past ``max_bytes`` or time ran out."""
    before = set(os.listdir(packs)) if packs.is_dir() else set()
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                env=_ENVIRONMENT,
                start_new_session=True,  # git fetch runs helpers (remote-https, index-pack): stop them all
            )
        except FileNotFoundError as exc:
            raise UsageError("git is not installed or not on PATH") from exc
        problem = _watch(process, packs, before, max_bytes, deadline, timeout)
        if problem is None and _received(packs, before) > max_bytes:  # a fetch faster than one poll
            problem = FetchTooLarge(f"git fetch brought more than {max_bytes:,} bytes and was stopped")
        if problem is not None:
            _delete_new(packs, before)
            raise problem
        if process.returncode != 0:
            errors.seek(0)
            raise GitError(_last_line(errors.read()) or "git fetch failed")


def _watch(
    process: subprocess.Popen, packs: Path, before: set[str], max_bytes: int, deadline: float, timeout: float
) -> GitError | None:
    """Wait for ``process``; the reason it had to be stopped, or None when it ended by itself."""
    while True:
        try:
            process.wait(_POLL_SECONDS)
            return None
        except subprocess.TimeoutExpired:
            pass
        if _received(packs, before) > max_bytes:
            problem: GitError = FetchTooLarge(f"git fetch brought more than {max_bytes:,} bytes and was stopped")
        elif time.monotonic() > deadline:
            problem = _timed_out("fetch", timeout)
        else:
            continue
        os.killpg(process.pid, 9)
        process.wait()
        return problem


def _received(packs: Path, before: set[str]) -> int:
    """Bytes of the files in ``packs`` that were not there before (the pack being received, its index)."""
    total = 0
    with os.scandir(packs) as found:
        for entry in found:
            if entry.name not in before:
                with contextlib.suppress(FileNotFoundError):  # git renamed or removed it meanwhile
                    total += entry.stat(follow_symlinks=False).st_size
    return total


def _delete_new(packs: Path, before: set[str]) -> None:
    """Remove what a stopped fetch left in ``packs`` (a document cache has one writer at a time)."""
    for name in set(os.listdir(packs)) - before:
        (packs / name).unlink(missing_ok=True)


def _timed_out(command: str, seconds: float) -> GitError:
    return GitError(f"git {command} took longer than {seconds:g} s and was stopped ({TIMEOUT_SETTING})")


def _command(args: tuple[str, ...]) -> str:
    """The git subcommand of an argument list (past any ``-c name=value``)."""
    position = 0
    while position < len(args) - 1 and args[position] == "-c":
        position += 2
    return args[position] if args else "?"


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""


def _parse_long_tree(out: bytes) -> list[tuple[str, Entry, str]]:
    """``ls-tree -l -z`` output as (path, mode/id/size, object type) per entry."""
    found = []
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        if record:
            meta, path = record.split("\t", 1)
            mode, kind, sha, size = meta.split()
            found.append((path, Entry(mode, sha, None if size == "-" else int(size)), kind))
    return found


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
    ids = dict(zip(hashable, repo.file_blob_ids(hashable), strict=True))
    for change in added:
        old_path = old_ids.pop(ids.get(change.path, ""), None)
        if old_path is not None:
            deleted.pop(old_path)
            result.append(Change("R", change.path, old_path))
        else:
            result.append(change)
    return result + list(deleted.values())
