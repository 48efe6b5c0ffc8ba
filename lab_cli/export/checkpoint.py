"""Reading a checkpoint folder for export: transformers' errors on a damaged one become one-line usage errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from lab_cli.errors import UsageError


@contextlib.contextmanager
def reading(checkpoint: Path) -> Iterator[None]:
    """Raise a ``UsageError`` naming ``checkpoint`` when loading it fails (missing weights or tokenizer files)."""
    try:
        yield
    except (OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"{checkpoint}: cannot be read as a Hugging Face checkpoint ({reason})") from None
