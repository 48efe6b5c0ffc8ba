"""``lab validate --fix``: rewrite the lint problems that have one right answer, keeping everything else.

Fixed: trailing spaces, a missing final line break, ``\\r\\n`` line breaks, tabs in indentation (two spaces
each) and a UTF-8 byte-order mark. Edits are line-based, so comments, key order and quoting stay as written.
Lines inside a block scalar (``|``, ``>``) keep their blanks and tabs, which are part of the value there; a fix
that would still change the file's data (or make it unparsable) is not written. The file is replaced atomically
(temporary file, then rename) and only when something changed.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import yaml

from lab_cli.taxonomy.yamltext import parse, scan_tokens

_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def fixed_text(text: str) -> str:
    """``text`` with every auto-fixable lint problem repaired, except blanks that belong to a block scalar."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = block_scalar_lines(text)
    if kept is None:  # tab indentation stops the scanner: find the block scalars once the tabs are gone
        kept = block_scalar_lines(_INDENT.sub(_untabbed, text)) or set()
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index not in kept:
            lines[index] = _TRAILING.sub("", _INDENT.sub(_untabbed, line))
    text = "\n".join(lines)
    if text and not text.endswith("\n"):
        text += "\n"
    return text


def _untabbed(indentation: re.Match[str]) -> str:
    return indentation.group().replace("\t", "  ")


def block_scalar_lines(text: str) -> set[int] | None:
    """The 0-based lines holding the content of a block scalar (``|`` or ``>``), whose blanks are data; None when
    the text does not scan."""
    tokens, error = scan_tokens(text)
    if error is not None:
        return None
    lines: set[int] = set()
    for token in tokens:
        if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
            end = token.end_mark  # at column 0 of the line after the content, unless the file ends in it
            lines.update(range(token.start_mark.line + 1, end.line + (1 if end.column else 0)))
    return lines


def same_data(before: str, after: str) -> bool:
    """Whether ``after`` parses to the data ``before`` does (True when ``before`` does not parse: nothing to keep)."""
    old = parse(before)
    if not old.ok:
        return True
    new = parse(after)
    return new.ok and new.data == old.data


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
    """Rewrite ``path`` (whose decoded text, BOM dropped, is ``text``) if fixing changes it and keeps its data; True
    if it did."""
    new = fixed_text(text)
    if new == text and not path.read_bytes().startswith(b"\xef\xbb\xbf"):
        return False
    if not same_data(text, new):
        return False
    write_atomic(path, new.encode("utf-8"))
    return True
