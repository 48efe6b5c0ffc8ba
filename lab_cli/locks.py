"""Advisory file locks between lab processes: ``fcntl.flock`` on a lock file (Linux and macOS; on platforms
without ``fcntl``, such as Windows, ``file_lock`` holds nothing: one lab run at a time works as before, but runs
side by side on one repository are not protected there).

The kernel drops a lock when its holder's file closes, however the process ends (``kill -9`` included), so
a crashed run never leaves a stale lock behind. Lock files are empty and kept: deleting one while another
process waits on it would let two holders in.

    with file_lock(folder / "x.lock"):            # exclusive, waits
        ...
    with file_lock(path, shared=True):            # many holders at once, none while an exclusive one holds it
        ...
    with file_lock(path, wait=False):             # LockBusy at once when another process holds it
        ...
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lab_cli.errors import LabError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class LockBusy(LabError):
    """Another process holds the lock and the caller chose not to wait."""


@contextmanager
def file_lock(path: Path, *, shared: bool = False, wait: bool = True) -> Iterator[None]:
    """Hold the lock of ``path`` (created if missing) for the ``with`` block; ``LockBusy`` when ``wait`` is
    false and another process holds it."""
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(descriptor, mode)
        except BlockingIOError as exc:
            raise LockBusy(f"{path} is held by another lab process") from exc
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
