"""Reading a taxonomy file safely: size-limited, never through a symlink that leaves the root, UTF-8 only."""

from __future__ import annotations

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


def read_source(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read ``path`` as UTF-8 text, refusing symlinks out of ``root``, non-regular files and huge files."""
    try:
        if path.is_symlink() and not is_within(path, root):
            return _fail("symlink points outside the taxonomy root; lab does not follow it", "unsafe-path")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return _fail("file does not exist (or is a broken symlink)", "unreadable")
    except OSError as exc:
        return _fail(f"cannot open file: {exc.strerror}", "unreadable")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            return _fail(f"{path.name} is {kind}; a leaf needs a regular qna.yaml file", "not-a-file")
        if info.st_size > max_bytes:
            return _fail(f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit", "file-too-large")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return _fail(f"cannot read file: {exc.strerror}", "unreadable")
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        return _fail(f"file grew past the {max_bytes:,}-byte limit while being read", "file-too-large")
    return decode(data)


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
