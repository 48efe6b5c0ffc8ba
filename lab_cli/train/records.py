"""Schema-versioned JSON records lab writes beside checkpoints (journal, lineage): written atomically, read
back with a clear error when damaged or from another version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lab_cli.datasets.store import write_atomic_text
from lab_cli.errors import TrainError


def write_record(path: Path, version: int, content: dict[str, Any]) -> None:
    """Save ``content`` with its ``schema_version`` atomically (temporary file, then rename)."""
    write_atomic_text(path, json.dumps({"schema_version": version, **content}, indent=2) + "\n")


def read_record(path: Path, version: int) -> dict[str, Any] | None:
    """The content of a record (without ``schema_version``), or ``None`` when the file does not exist."""
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrainError(f"{path} is damaged ({exc}); restore it or train again into another --out") from None
    found = document.pop("schema_version", None) if isinstance(document, dict) else None
    if found != version:
        raise TrainError(f"{path} has schema version {found}; this lab reads version {version}")
    return document


@contextmanager
def shaped(path: Path) -> Iterator[None]:
    """Turn a record that parses but holds the wrong fields (missing, unknown, of another type) into a
    ``TrainError`` naming the file, as ``read_record`` does for one that does not parse."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        message = f"{path} is damaged (unexpected content: {exc}); restore it or train again into another --out"
        raise TrainError(message) from None
