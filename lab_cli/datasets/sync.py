"""Moving dataset snapshots between clones (``lab data pull``, ``lab data push``): people and the dataset bot
share them the same way.

Both refs are derived data: ``refs/lab/datasets`` is a chain of snapshot commits whose trees stand alone, and
each note under ``refs/notes/lab`` names the snapshot of its taxonomy commit. So two clones that recorded
snapshots independently are reconciled by replaying: the local snapshots the remote lacks are committed again
on top of the remote's chain (same trees, new parents) and their notes added again on top of the remote's
notes. A local snapshot of a taxonomy commit the remote already has one of is dropped: the first snapshot to
reach the remote wins. Afterwards both local refs are fast-forwards of the remote's.

A push sends both refs in one atomic push (``git push --atomic``: the remote moves both or neither), never
forced. When another writer moved the remote between our fetch and our push, the push is refused as a whole,
and it is fetched, replayed and tried again. A run killed at any point leaves the remote with the refs it had
or with the refs it was sent, never one without the other.

A pull also fills the local sample store from the newest snapshot, so ``lab generate`` in a fresh clone (the
bot's checkout) reuses every leaf the remote has instead of generating it again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lab_cli.datasets.snapshot import (
    DATASETS_REF,
    NOTES_REF,
    TAXONOMY_TRAILER,
    default_store,
    import_snapshot,
    note_snapshot,
    snapshot_lock,
)
from lab_cli.errors import GitError
from lab_cli.gitrepo import GitRepo, PushRejected

TRACKING = {DATASETS_REF: "refs/lab-sync/datasets", NOTES_REF: "refs/lab-sync/notes"}
"""Where the remote's two refs are fetched to (scratch refs, rewritten by every pull and push)."""

PUSH_ATTEMPTS = 5
"""Pushes tried while other writers keep moving the remote (each after a fresh fetch and replay)."""


@dataclass(frozen=True)
class SyncResult:
    """What a pull or a push did: the snapshot ref before and after, the snapshots moved, replayed or dropped."""

    remote: str
    before: str | None
    after: str | None
    moved: int
    replayed: int = 0
    dropped: int = 0
    filled: int = 0
    attempts: int = 1

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return asdict(self)


def pull_snapshots(repo: GitRepo, remote: str = "origin") -> SyncResult:
    """Fetch the remote's snapshots and notes, put the local ones the remote lacks on top, and fill the sample
    store from the newest snapshot."""
    before = repo.ref(DATASETS_REF)
    theirs, their_notes = _fetch(repo, remote)
    reconciled = _reconcile(repo, theirs, their_notes)
    after = repo.ref(DATASETS_REF)
    received = len(repo.first_parent_commits(before, theirs)) if theirs else 0
    filled = import_snapshot(repo, default_store(repo), after) if after else 0
    return SyncResult(remote, before, after, received, reconciled.replayed, reconciled.dropped, filled)


def push_snapshots(repo: GitRepo, remote: str = "origin", attempts: int = PUSH_ATTEMPTS) -> SyncResult:
    """Send the local snapshots the remote lacks, with their notes, in one atomic push; tried again after a
    fresh fetch when the remote moved meanwhile."""
    before = repo.ref(DATASETS_REF)
    for attempt in range(1, attempts + 1):
        theirs, their_notes = _fetch(repo, remote)
        reconciled = _reconcile(repo, theirs, their_notes)
        remote_values = {DATASETS_REF: theirs, NOTES_REF: their_notes}
        specs = [f"{ref}:{ref}" for ref, value in remote_values.items() if repo.ref(ref) not in (None, value)]
        try:
            if specs:
                repo.push_refs(remote, specs)
        except PushRejected:
            if attempt == attempts:
                raise
            continue
        after = repo.ref(DATASETS_REF)
        sent = len(reconciled.mine)
        return SyncResult(remote, before, after, sent, reconciled.replayed, reconciled.dropped, attempts=attempt)
    raise GitError(f"could not push to {remote}")  # not reached: the last attempt returns or raises


def _fetch(repo: GitRepo, remote: str) -> tuple[str | None, str | None]:
    """The remote's snapshot and notes refs, fetched to the tracking refs (None where the remote has none)."""
    found = repo.remote_refs(remote, list(TRACKING))
    repo.fetch_refs(remote, [f"+{ref}:{tracking}" for ref, tracking in TRACKING.items() if ref in found])
    for ref, tracking in TRACKING.items():
        if ref not in found:
            repo.delete_ref(tracking)
    return repo.ref(TRACKING[DATASETS_REF]), repo.ref(TRACKING[NOTES_REF])


@dataclass(frozen=True)
class _Reconciled:
    """The local snapshots the remote lacks (oldest first), how many of them were committed again on the
    remote's chain, and how many were dropped (the remote has a snapshot of their taxonomy commit)."""

    mine: list[str]
    replayed: int
    dropped: int


def _reconcile(repo: GitRepo, theirs: str | None, their_notes: str | None) -> _Reconciled:
    """Make both local refs fast-forwards of the remote's (under the snapshot lock: a lab generate recording a
    snapshot meanwhile waits, and is replayed by the next push)."""
    with snapshot_lock(repo):
        return _reconcile_locked(repo, theirs, their_notes)


def _reconcile_locked(repo: GitRepo, theirs: str | None, their_notes: str | None) -> _Reconciled:
    ours = repo.ref(DATASETS_REF)
    mine = repo.first_parent_commits(theirs, ours) if ours else []
    replayed = dropped = 0
    if theirs is not None and (ours is None or not repo.is_ancestor(theirs, ours)):
        kept = _replay(repo, theirs, mine, ours)
        replayed, dropped, mine = len(kept), len(mine) - len(kept), kept
    our_notes = repo.ref(NOTES_REF)
    if their_notes is not None and not (our_notes and repo.is_ancestor(their_notes, our_notes)):
        repo.update_ref(NOTES_REF, their_notes, our_notes)  # the remote's notes, then ours again on top
    for snapshot in mine:
        note_snapshot(repo, _taxonomy_commit(repo, snapshot), snapshot)
    return _Reconciled(mine, replayed, dropped)


def _replay(repo: GitRepo, onto: str, mine: list[str], ours: str | None) -> list[str]:
    """Commit ``mine`` again on top of ``onto`` and move the snapshot ref there, skipping the taxonomy commits
    ``onto`` has snapshots of; the new snapshot commits."""
    covered = set(repo.trailers_on(onto, TAXONOMY_TRAILER))
    tip, replayed = onto, []
    for snapshot in mine:
        commit = _taxonomy_commit(repo, snapshot)
        if commit in covered:
            continue
        tip = repo.commit_tree(repo.tree_of(snapshot), tip, repo.message(snapshot).rstrip() + "\n")
        replayed.append(tip)
        covered.add(commit)
    repo.update_ref(DATASETS_REF, tip, ours)
    return replayed


def _taxonomy_commit(repo: GitRepo, snapshot: str) -> str:
    """The taxonomy commit a snapshot commit names in its trailer."""
    return repo.trailer(snapshot, TAXONOMY_TRAILER)
