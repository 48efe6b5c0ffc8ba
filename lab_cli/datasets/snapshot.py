"""Dataset snapshots: for taxonomy commit C, every leaf present at C → its generation key and samples.

A snapshot is a commit on ``refs/lab/datasets`` whose tree holds ``manifest.json`` and one
``leaves/<leaf>.jsonl`` per leaf. A leaf whose key did not change has the same bytes, hence the same blob:
git stores it once across all snapshots, and a snapshot costs work only for the leaves that changed. The
snapshot names C in a ``Taxonomy-Commit:`` trailer, and C carries a note under ``refs/notes/lab`` naming the
snapshot (written after the ref; a run killed between the two is completed by the next, see
``write_snapshot``). Both refs travel with ordinary ``git push/fetch``::

    git push origin refs/lab/datasets refs/notes/lab
    git fetch origin refs/lab/datasets:refs/lab/datasets refs/notes/lab:refs/notes/lab
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from lab_cli.datasets.manifest import MANIFEST, Manifest, ManifestDamaged, ManifestEntry, parse_manifest
from lab_cli.datasets.store import DirectoryStore, canonical_line, write_atomic_text
from lab_cli.errors import GitError, LabError
from lab_cli.faults import crash_point
from lab_cli.gitrepo import GitRepo
from lab_cli.locks import file_lock

DATASETS_REF = "refs/lab/datasets"
NOTES_REF = "refs/notes/lab"
TAXONOMY_TRAILER = "Taxonomy-Commit"
"""The trailer of a snapshot commit's message naming the taxonomy commit it is the dataset of."""


@dataclass(frozen=True)
class LeafData:
    """One leaf of a snapshot."""

    leaf: str
    kind: str
    generation_key: str
    provenance: dict[str, str] = field(default_factory=dict)  # pipeline, teacher, generated-at commit…


def default_store(repo: GitRepo) -> DirectoryStore:
    """The sample store of a taxonomy repository."""
    return DirectoryStore(repo.git_dir() / "lab" / "samples")


def _leaf_blobs(repo: GitRepo, store: DirectoryStore, keys: list[str]) -> dict[str, str]:
    """The blob id of each key's samples as one JSONL file; new keys are hashed together, then remembered."""
    blobs, missing = {}, []
    for key in sorted(set(keys)):
        remembered = store.root / key[:2] / key / "BLOB"
        if remembered.is_file():
            blobs[key] = remembered.read_text().strip()
        elif not store.is_complete(key):
            raise LabError(f"generation key {key[:12]} is not complete: run lab generate first")
        else:
            missing.append(key)
    files = []
    for key in missing:
        compact = store.root / key[:2] / key / "samples.jsonl"
        write_atomic_text(compact, "".join(canonical_line(sample) for sample in store.read(key)))
        files.append(compact)
    for key, compact, blob in zip(missing, files, repo.write_file_blobs(files), strict=True):
        remember_blob(store, key, blob)
        compact.unlink()
        blobs[key] = blob
    return blobs


def remember_blob(store: DirectoryStore, key: str, blob: str) -> None:
    """Record the git blob holding a finished key's samples, so later snapshots reuse it without hashing."""
    write_atomic_text(store.root / key[:2] / key / "BLOB", blob + "\n")


def write_snapshot(repo: GitRepo, store: DirectoryStore, taxonomy_commit: str, leaves: list[LeafData]) -> str:
    """Record the snapshot of ``taxonomy_commit`` on ``refs/lab/datasets``; the snapshot commit id.

    Two steps, the ref then the note, made safe by repair instead of one transaction: a run killed between
    them leaves the snapshot at the tip without its note, and the next run for the same commit, finding the
    same tree there, adds the note. One writer at a time per repository (``snapshot.lock``), so two runs
    at once record one snapshot of a commit, not two.
    """
    with snapshot_lock(repo):
        return _write_snapshot(repo, store, taxonomy_commit, leaves)


def snapshot_lock(repo: GitRepo) -> AbstractContextManager[None]:
    """The lock every writer of ``refs/lab/datasets`` and ``refs/notes/lab`` holds (exclusive, waits)."""
    return file_lock(repo.git_dir() / "lab" / "snapshot.lock")


def _write_snapshot(repo: GitRepo, store: DirectoryStore, taxonomy_commit: str, leaves: list[LeafData]) -> str:
    entries, manifest = {}, {}
    blobs = _leaf_blobs(repo, store, [leaf.generation_key for leaf in leaves])
    for leaf in sorted(leaves, key=lambda item: item.leaf):
        blob = blobs[leaf.generation_key]
        entries[f"leaves/{leaf.leaf}.jsonl"] = blob
        count = store.count(leaf.generation_key)
        manifest[leaf.leaf] = ManifestEntry(leaf.kind, leaf.generation_key, count, blob, dict(leaf.provenance))
    entries[MANIFEST] = repo.write_blob(Manifest(taxonomy_commit, manifest).to_json().encode())
    tree = repo.write_tree(entries, repo.git_dir() / f"lab-index-{os.getpid()}")
    parent = repo.ref(DATASETS_REF)
    if parent is not None and repo.tree_of(parent) == tree:
        snapshot = parent  # the same commit with the same data: recorded already (its note perhaps not)
    else:
        message = (
            f"lab dataset of {taxonomy_commit[:12]}: {len(leaves)} leaves\n\n{TAXONOMY_TRAILER}: {taxonomy_commit}\n"
        )
        snapshot = repo.commit_tree(tree, parent, message)
        repo.update_ref(DATASETS_REF, snapshot, parent)
        crash_point("snapshot-after-ref")
    note_snapshot(repo, taxonomy_commit, snapshot)  # idempotent: a run killed before it is completed by the next
    return snapshot


def note_snapshot(repo: GitRepo, taxonomy_commit: str, snapshot: str) -> None:
    """Make the note on ``taxonomy_commit`` name ``snapshot`` (untouched when it does already)."""
    note = f"lab-dataset: {snapshot}"
    if (repo.note(NOTES_REF, taxonomy_commit) or "").strip() != note:
        repo.set_note(NOTES_REF, taxonomy_commit, note)


def import_snapshot(repo: GitRepo, store: DirectoryStore, snapshot: str) -> int:
    """Fill ``store`` with the samples of every key of ``snapshot`` it lacks (a clone that fetched the snapshot
    then reuses those leaves instead of generating them again); the keys written."""
    entries = read_manifest(repo, snapshot).leaves.values()
    wanted = {entry.generation_key: entry.blob for entry in entries if not store.is_complete(entry.generation_key)}
    contents = repo.read_blobs(sorted(set(wanted.values())))
    for key, blob in sorted(wanted.items()):
        with store.locked(key):  # a local run storing the key at this moment finishes first
            if store.is_complete(key):
                continue
            store.remove(key)  # a key some local run left unfinished: the snapshot's samples replace it
            store.append(key, _samples(contents[blob]))
            store.mark_complete(key)
            remember_blob(store, key, blob)
    return len(wanted)


def read_manifest(repo: GitRepo, snapshot: str) -> Manifest:
    """The manifest of a snapshot commit; ``LabError`` naming it when it is damaged (not JSON, or without the
    fields every reader relies on)."""
    try:
        return parse_manifest(repo.read_file_at(snapshot, MANIFEST))
    except ManifestDamaged as problem:
        raise LabError(
            f"{MANIFEST} of dataset snapshot {snapshot[:12]} is damaged ({problem}); fetch the snapshots again "
            "(lab data pull) or record this commit's again (lab generate)"
        ) from problem


def snapshot_of(repo: GitRepo, revision: str) -> str:
    """The snapshot commit for a revision: a snapshot itself, or a taxonomy commit that has one."""
    commit = repo.resolve(revision)
    try:
        repo.read_file_at(commit, MANIFEST)
        return commit
    except GitError:
        pass
    note = repo.note(NOTES_REF, commit)
    if note is None:
        raise LabError(f"{revision} has no dataset snapshot; run lab generate on it first")
    for line in note.splitlines():
        if line.startswith("lab-dataset: "):
            return line.split(": ", 1)[1].strip()
    raise LabError(f"the lab note on {revision} names no dataset snapshot")


def snapshot_history(repo: GitRepo) -> list[str]:
    """Snapshot commits, newest first."""
    if repo.ref(DATASETS_REF) is None:
        return []
    return repo.history(DATASETS_REF)


@dataclass(frozen=True)
class SnapshotDiff:
    """Leaves added, changed (another generation key) and removed between two snapshots."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]

    def as_dict(self) -> dict[str, list[str]]:
        """JSON form."""
        return {"added": self.added, "changed": self.changed, "removed": self.removed, "unchanged": self.unchanged}


def diff_manifests(old: Manifest, new: Manifest) -> SnapshotDiff:
    """How the leaves of two manifests differ."""
    before, after = old.leaves, new.leaves
    both = set(after) & set(before)
    return SnapshotDiff(
        added=sorted(set(after) - set(before)),
        changed=sorted(leaf for leaf in both if after[leaf].generation_key != before[leaf].generation_key),
        removed=sorted(set(before) - set(after)),
        unchanged=sorted(leaf for leaf in both if after[leaf].generation_key == before[leaf].generation_key),
    )


def leaf_samples(repo: GitRepo, snapshot: str, leaf: str) -> list[dict]:
    """The samples of one leaf as stored in a snapshot."""
    return _samples(repo.read_file_at(snapshot, f"leaves/{leaf}.jsonl"))


def snapshot_samples(repo: GitRepo, snapshot: str) -> Iterator[tuple[str, ManifestEntry, dict]]:
    """``(leaf, manifest entry, sample)`` for every sample of a snapshot, in leaf order (one batched read)."""
    leaves = read_manifest(repo, snapshot).leaves
    blobs = repo.read_blobs(sorted({entry.blob for entry in leaves.values()}))
    for leaf, entry in sorted(leaves.items()):
        for sample in _samples(blobs[entry.blob]):
            yield leaf, entry, sample


def _samples(data: bytes) -> list[dict]:
    """The samples of a leaf's JSON Lines blob."""
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line]
