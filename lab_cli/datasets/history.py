"""Reports over dataset snapshots: the log, one snapshot's leaves, the difference between two."""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
        previous = manifests[index + 1] if index + 1 < len(manifests) else {"leaves": {}}
        change = diff_manifests(previous, manifest)
        entries.append(
            LogEntry(
                snapshot,
                manifest["taxonomy_commit"],
                len(manifest["leaves"]),
                sum(leaf["samples"] for leaf in manifest["leaves"].values()),
                len(change.added),
                len(change.changed),
                len(change.unchanged),
                len(change.removed),
            )
        )
    return entries


def dataset_show(repo: GitRepo, revision: str) -> dict:
    """The manifest of the snapshot a revision names, with the snapshot id."""
    snapshot = snapshot_of(repo, revision)
    return {"snapshot": snapshot, **read_manifest(repo, snapshot)}


def dataset_diff(repo: GitRepo, first: str, second: str) -> dict:
    """Leaves added, changed and removed from one snapshot to another."""
    old, new = snapshot_of(repo, first), snapshot_of(repo, second)
    return {"from": old, "to": new, **diff_manifests(read_manifest(repo, old), read_manifest(repo, new)).as_dict()}
