"""Reports over dataset snapshots: the log, one snapshot's leaves, the difference between two."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lab_cli.datasets.manifest import EMPTY, Manifest
from lab_cli.datasets.snapshot import diff_manifests, read_manifest, snapshot_history, snapshot_of
from lab_cli.gitrepo import GitRepo


@dataclass(frozen=True)
class LogEntry:
    """One snapshot in the log, with what changed since the one before it."""

    snapshot: str
    taxonomy_commit: str
    leaves: int
    samples: int
    new: int
    changed: int
    reused: int
    removed: int

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return asdict(self)


def dataset_log(repo: GitRepo) -> list[LogEntry]:
    """Every snapshot, newest first."""
    snapshots = snapshot_history(repo)
    manifests = [read_manifest(repo, snapshot) for snapshot in snapshots]
    entries = []
    for index, (snapshot, manifest) in enumerate(zip(snapshots, manifests, strict=True)):
        previous = manifests[index + 1] if index + 1 < len(manifests) else EMPTY
        change = diff_manifests(previous, manifest)
        entries.append(
            LogEntry(
                snapshot,
                manifest.taxonomy_commit,
                len(manifest.leaves),
                manifest.samples,
                len(change.added),
                len(change.changed),
                len(change.unchanged),
                len(change.removed),
            )
        )
    return entries


@dataclass(frozen=True)
class ShownSnapshot:
    """One snapshot and its manifest."""

    snapshot: str
    manifest: Manifest

    def as_dict(self) -> dict:
        """JSON form: the manifest's, with the snapshot id."""
        return {"snapshot": self.snapshot, **self.manifest.as_dict()}


def dataset_show(repo: GitRepo, revision: str) -> ShownSnapshot:
    """The snapshot a revision names, with its manifest."""
    snapshot = snapshot_of(repo, revision)
    return ShownSnapshot(snapshot, read_manifest(repo, snapshot))


def dataset_diff(repo: GitRepo, first: str, second: str) -> dict:
    """Leaves added, changed and removed from one snapshot to another."""
    old, new = snapshot_of(repo, first), snapshot_of(repo, second)
    return {"from": old, "to": new, **diff_manifests(read_manifest(repo, old), read_manifest(repo, new)).as_dict()}
