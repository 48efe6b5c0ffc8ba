"""Test-only fault injection: a process killed with SIGKILL at a named moment, to prove crash safety.

Setting ``LAB_TEST_KILL_AT=<point>`` makes the process kill itself with SIGKILL when it reaches
``crash_point("<point>")`` — no cleanup, no ``finally``, exactly as ``kill -9`` would at that instant. The
points are the dangerous moments of lab's multi-step writes:

- ``snapshot-after-ref``: ``refs/lab/datasets`` moved, the note on the taxonomy commit not yet written.
- ``store-after-append``: a key's samples stored, the key not yet marked complete.

Tests set the variable on a subprocess; nobody else should. Unset (always, outside tests) it costs one
dictionary lookup.
"""

from __future__ import annotations

import os
import signal

KILL_AT = "LAB_TEST_KILL_AT"


def crash_point(name: str) -> None:
    """Die by SIGKILL here when ``$LAB_TEST_KILL_AT`` names this point (tests only)."""
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
