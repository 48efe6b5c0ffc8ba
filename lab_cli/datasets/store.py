"""The sample store: samples kept under their generation key, written append-only in atomic batches.

``SampleStore`` is the small interface generation and snapshots use; ``DirectoryStore`` keeps each key in a
folder of part files (``part-000001.jsonl``…), each written to a temporary file and renamed into place, and a
``COMPLETE`` marker once generation of the key has finished. A crash can lose at most the batch being
written, never corrupt what is stored, and ``count`` tells a restarted run where to continue.

Two processes appending to one key never share a part name: a part is hard-linked into place, which fails
rather than overwrites when another writer took that number first, and the batch takes the next one. A
writer that checks, rewrites and completes a key holds the key's lock (``locked``, a file under ``.locks/``).

A store for datasets too large for git would implement the same five methods over an object store (fsspec
paths instead of folders; renames become conditional puts), and snapshots would then record keys and
content digests instead of git blobs.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from lab_cli.locks import file_lock

Sample = dict[str, Any]


class SampleStore(Protocol):
    """Where generated samples live, by generation key."""

    def count(self, key: str) -> int:
        """How many samples are stored under ``key`` (0 if none)."""

    def append(self, key: str, samples: list[Sample]) -> None:
        """Store a batch of samples under ``key`` all at once, after those already there."""

    def mark_complete(self, key: str) -> None:
        """Record that generation for ``key`` has finished."""

    def is_complete(self, key: str) -> bool:
        """Whether generation for ``key`` finished (then it is never generated again)."""

    def read(self, key: str) -> Iterator[Sample]:
        """The samples of ``key`` in the order they were stored."""


def canonical_line(sample: Sample) -> str:
    """One JSON line, keys sorted, so equal samples are equal bytes (and equal git blobs)."""
    return json.dumps(sample, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def new_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file (0666 less the umask), not mkstemp's 0600."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic_text(path: Path, text: str, replace: bool = True) -> None:
    """Write ``path`` through a temporary file and a rename: readers see all of it or none. The file keeps its
    mode, or gets the one ``open`` would give a new file. ``replace=False``: ``FileExistsError`` instead of
    overwriting a file that exists (a hard link, which fails rather than replaces, puts it in place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else new_file_mode()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if replace:
            os.replace(temporary, path)
        else:
            _place_new(Path(temporary), path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _place_new(temporary: Path, path: Path) -> None:
    """Move ``temporary`` to ``path`` unless ``path`` exists (``FileExistsError``): by a hard link, or, on a
    filesystem without them, by creating ``path`` exclusively (empty for an instant) and renaming over it."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some network and FAT filesystems)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        os.replace(temporary, path)
        return
    temporary.unlink()


class DirectoryStore:
    """A ``SampleStore`` in a local folder (by default ``.git/lab/samples`` of the taxonomy repository)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def _parts(self, key: str) -> list[Path]:
        folder = self._folder(key)
        return sorted(folder.glob("part-*.jsonl")) if folder.is_dir() else []

    def count(self, key: str) -> int:
        marker = self._folder(key) / "COMPLETE"
        if marker.is_file():  # a finished key records its count: snapshots of 1,000 leaves read 1,000 small files
            return int(marker.read_text())
        return sum(part.read_bytes().count(b"\n") for part in self._parts(key))

    def append(self, key: str, samples: list[Sample]) -> None:
        if not samples:
            return
        text = "".join(map(canonical_line, samples))
        while True:  # another process may take the next number between listing and linking: take the one after
            parts = self._parts(key)
            number = int(parts[-1].stem.split("-")[1]) + 1 if parts else 1
            try:
                write_atomic_text(self._folder(key) / f"part-{number:06d}.jsonl", text, replace=False)
                return
            except FileExistsError:
                continue

    def locked(self, key: str) -> AbstractContextManager[None]:
        """Hold ``key``'s lock (exclusive, waits): one process at a time checks, rewrites and completes a key."""
        return file_lock(self.root / ".locks" / f"{key}.lock")

    def mark_complete(self, key: str) -> None:
        write_atomic_text(self._folder(key) / "COMPLETE", f"{self.count(key)}\n")

    def is_complete(self, key: str) -> bool:
        return (self._folder(key) / "COMPLETE").is_file()

    def read(self, key: str) -> Iterator[Sample]:
        for part in self._parts(key):
            with open(part, encoding="utf-8") as stream:
                for line in stream:
                    yield json.loads(line)

    def stored_keys(self) -> Iterable[str]:
        """Every key with stored samples."""
        return sorted(folder.name for folder in self.root.glob("??/*") if folder.is_dir())

    def remove(self, key: str) -> None:
        """Delete a key's samples (garbage collection of unreferenced keys)."""
        import shutil

        shutil.rmtree(self._folder(key), ignore_errors=True)
