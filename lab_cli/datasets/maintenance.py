"""What lab has stored, checked and cleaned: ``lab data verify`` re-hashes snapshots' blobs and checks their
samples; ``lab data gc`` removes keys and response logs no snapshot needs.

Garbage collection never runs beside a generation run: each run holds ``.git/lab/run.lock`` shared for its
whole length (``generation_lease``) and gc needs it alone, so a key planned for reuse is still there when the
run's snapshot records it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lab_cli.datasets.manifest import ManifestEntry
from lab_cli.datasets.snapshot import read_manifest, snapshot_history, snapshot_of
from lab_cli.datasets.store import DirectoryStore
from lab_cli.errors import GitError, LabError
from lab_cli.gitrepo import GitRepo
from lab_cli.locks import LockBusy, file_lock


@dataclass
class VerifyReport:
    """What verification checked and what it found wrong."""

    snapshots: int = 0
    blobs: int = 0
    samples: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"snapshots": self.snapshots, "blobs": self.blobs, "samples": self.samples, "problems": self.problems}


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def verify(repo: GitRepo, revision: str | None = None) -> VerifyReport:
    """Re-hash every blob of one snapshot (or all) and check its samples against the manifest."""
    snapshots = [snapshot_of(repo, revision)] if revision else snapshot_history(repo)
    report = VerifyReport(snapshots=len(snapshots))
    checked: set[str] = set()
    for snapshot in snapshots:
        for leaf, entry in read_manifest(repo, snapshot).leaves.items():
            if entry.blob in checked:
                continue
            checked.add(entry.blob)
            report.blobs += 1
            try:
                data = repo.read_blob(entry.blob)
            except GitError as exc:
                report.problems.append(f"{leaf}: blob {entry.blob[:12]} unreadable ({exc})")
                continue
            if _git_blob_id(data) != entry.blob:
                report.problems.append(f"{leaf}: blob {entry.blob[:12]} does not hash to its id (corrupted)")
                continue
            report.problems.extend(_check_samples(leaf, entry, data))
            report.samples += entry.samples
    return report


def _check_samples(leaf: str, entry: ManifestEntry, data: bytes) -> list[str]:
    lines = data.decode("utf-8", "replace").splitlines()
    problems = [] if len(lines) == entry.samples else [f"{leaf}: {len(lines)} samples, manifest says {entry.samples}"]
    for number, line in enumerate(lines, start=1):
        try:
            sample = json.loads(line)
        except ValueError:
            problems.append(f"{leaf}: sample {number} is not JSON")
            continue
        if sample.get("metadata", {}).get("generation_key") not in (None, entry.generation_key):
            problems.append(f"{leaf}: sample {number} belongs to another generation key")
    return problems


def referenced_keys(repo: GitRepo) -> set[str]:
    """Every generation key some snapshot holds."""
    return {
        entry.generation_key
        for snapshot in snapshot_history(repo)
        for entry in read_manifest(repo, snapshot).leaves.values()
    }


@contextmanager
def generation_lease(repo: GitRepo) -> Iterator[None]:
    """Hold the repository's samples for a generation run (shared: runs side by side), so ``lab data gc``
    does not delete a key the run planned to reuse before its snapshot records it."""
    with file_lock(_lease_path(repo), shared=True):
        yield


def _lease_path(repo: GitRepo) -> Path:
    return repo.git_dir() / "lab" / "run.lock"


def garbage_collect(repo: GitRepo, store: DirectoryStore, responses: Path) -> tuple[list[str], list[str]]:
    """``lab data gc``: the unreferenced keys removed and the finished response logs pruned; ``LabError`` at
    once while a generation run holds the repository (it may be about to snapshot a key no snapshot holds yet)."""
    try:
        with file_lock(_lease_path(repo), wait=False):
            return collect_garbage(repo, store), prune_responses(repo, responses)
    except LockBusy as exc:
        raise LabError("a lab generate run is using this repository; run lab data gc after it ends") from exc


def collect_garbage(repo: GitRepo, store: DirectoryStore) -> list[str]:
    """Delete stored keys no snapshot references (unfinished generations are kept); the keys removed."""
    referenced = referenced_keys(repo)
    removed = [key for key in store.stored_keys() if key not in referenced and store.is_complete(key)]
    for key in removed:
        store.remove(key)
    return removed


def prune_responses(repo: GitRepo, responses: Path) -> list[str]:
    """Delete the response logs (``<key>.jsonl`` in ``responses``) of keys a snapshot holds: their samples are
    in git and the key is never generated again. Logs of unfinished or unrecorded keys stay; the keys pruned."""
    referenced = referenced_keys(repo)
    pruned = (
        sorted(log.stem for log in responses.glob("*.jsonl") if log.stem in referenced) if responses.is_dir() else []
    )
    for key in pruned:
        (responses / f"{key}.jsonl").unlink()
    return pruned
