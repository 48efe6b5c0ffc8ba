"""Reading a taxonomy file safely: size-limited, never through a symlink that leaves the root, UTF-8 only."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from lab_cli.taxonomy.diagnostics import Diagnostic

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
"""Largest file lab reads (2 MiB): real qna.yaml files are under 200 KB; anything bigger is a mistake or an attack."""

UTF8_BOM = b"\xef\xbb\xbf"
_FOREIGN_BOMS = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16", b"\x00\x00\xfe\xff": "UTF-32"}


@dataclass(frozen=True)
class SourceText:
    """The decoded text of a file, or the one problem that kept lab from reading it."""

    text: str | None
    problem: Diagnostic | None = None
    had_bom: bool = False


def _fail(message: str, rule: str, line: int = 1, column: int = 1) -> SourceText:
    return SourceText(None, Diagnostic(line, column, rule, message))


def is_within(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symlink resolved, stays inside ``root``."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def read_source(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES, follow_symlinks: bool = True) -> SourceText:
    """Read ``path`` as UTF-8 text, refusing symlinks out of ``root`` (any symlink without ``follow_symlinks``),
    non-regular files and huge files."""
    try:
        fd = _open_inside(path, root) if follow_symlinks else _open_unlinked(path, root)
    except _Refused as refused:
        return refused.source
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            return _fail(f"{path.name} is {kind}; a leaf needs a regular qna.yaml file", "not-a-file")
        if info.st_size > max_bytes:
            return _fail(f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit", "file-too-large")
        data = _read_up_to(fd, min(info.st_size, max_bytes) + 1)
        if len(data) > info.st_size:  # the file grew since fstat: read on, still within the limit
            data += _read_up_to(fd, max_bytes + 1 - len(data))
    except OSError as exc:
        return _fail(f"cannot read file: {exc.strerror}", "unreadable")
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        return _fail(f"file grew past the {max_bytes:,}-byte limit while being read", "file-too-large")
    return decode(data)


class _Refused(Exception):
    def __init__(self, source: SourceText) -> None:
        self.source = source


def _open_inside(path: Path, root: Path) -> int:
    """Open for reading without blocking; a symlink is followed only when it stays inside ``root``."""
    flags = os.O_RDONLY | os.O_NONBLOCK
    try:
        return os.open(path, flags | os.O_NOFOLLOW)  # one syscall in the common case: no lstat first
    except OSError as exc:
        if exc.errno != errno.ELOOP:  # ELOOP: the file is a symlink
            raise _Refused(_open_failure(exc)) from exc
    if not is_within(path, root):
        raise _Refused(_fail("symlink points outside the taxonomy root; lab does not follow it", "unsafe-path"))
    try:
        return os.open(path, flags)
    except OSError as exc:
        raise _Refused(_open_failure(exc)) from exc


def _open_unlinked(path: Path, root: Path) -> int:
    """Open for reading without blocking, refusing a symlink anywhere between ``root`` and the file."""
    relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    folder = Path(root)
    for part in relative.parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise _Refused(_fail(f"{part}/ is a symlink; pull requests may not add them", "unsafe-path"))
    try:
        return os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Refused(_fail(f"{path.name} is a symlink; pull requests may not add them", "unsafe-path")) from exc
        raise _Refused(_open_failure(exc)) from exc


def _open_failure(exc: OSError) -> SourceText:
    if exc.errno == errno.ENOENT:
        return _fail("file does not exist (or is a broken symlink)", "unreadable")
    return _fail(f"cannot open file: {exc.strerror}", "unreadable")


def _read_up_to(fd: int, limit: int) -> bytes:
    """Read at most ``limit`` bytes (sized to the file, not to the limit: no 2 MiB buffer per small file)."""
    chunks, remaining = [], limit
    while remaining > 0:
        chunk = os.read(fd, remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def decode(data: bytes) -> SourceText:
    """Decode bytes as UTF-8; a UTF-8 BOM is dropped and remembered, anything else non-UTF-8 is an error."""
    for bom, name in _FOREIGN_BOMS.items():
        if data.startswith(bom):
            return _fail(f"file is encoded as {name}; save it as UTF-8", "encoding")
    had_bom = data.startswith(UTF8_BOM)
    if had_bom:
        data = data[len(UTF8_BOM) :]
    try:
        return SourceText(data.decode("utf-8"), had_bom=had_bom)
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return _fail(f"invalid UTF-8 byte 0x{data[exc.start]:02x}; save the file as UTF-8", "encoding", line, column)
