"""``lab validate --fix``: rewrite the lint problems that have one right answer, keeping everything else.

Fixed: trailing spaces, a missing final line break, ``\\r\\n`` line breaks, tabs in indentation (two spaces
each) and a UTF-8 byte-order mark. Edits are line-based, so comments, key order and quoting stay as written;
the file is replaced atomically (temporary file, then rename) and only when something changed.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def fixed_text(text: str) -> str:
    """``text`` with every auto-fixable lint problem repaired."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INDENT.sub(lambda m: m.group().replace("\t", "  "), text)
    text = _TRAILING.sub("", text)
    if text and not text.endswith("\n"):
        text += "\n"
    return text


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once, keeping its permissions."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fix_file(path: Path, text: str) -> bool:
    """Rewrite ``path`` (whose decoded text, BOM dropped, is ``text``) if fixing changes it; True if it did."""
    new = fixed_text(text)
    if new == text and not path.read_bytes().startswith(b"\xef\xbb\xbf"):
        return False
    write_atomic(path, new.encode("utf-8"))
    return True
