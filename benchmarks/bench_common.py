"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def child_stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null: the reference's ``yq`` calls print there when they fail."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as sink:
        os.dup2(sink.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
