"""``python -m lab_cli.serve.die_with_parent PARENT_PID COMMAND...``: run COMMAND so that it gets SIGTERM when
the process that started it dies, however it dies (SIGKILL included), then ``exec`` it in place (same pid).

Linux only: ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` survives ``exec`` and fires when the parent's *thread* that
started the child exits — lab starts its local teacher from the main thread, so that is when lab exits. If the
parent died before the ``prctl`` took effect (the child then has another parent), the command is not run at all.
On other platforms the command runs as is: lab stops it on any exit it lives through, not after a SIGKILL.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def arm(parent: int) -> bool:
    """Ask the kernel to SIGTERM this process when ``parent`` dies; False when it already has (or isn't Linux)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    return os.getppid() == parent


def main(argv: list[str]) -> int:
    """Arm the parent-death signal, then become the command (exit 1 without running it if the parent is gone)."""
    parent, command = int(argv[0]), argv[1:]
    if not arm(parent):
        return 1
    os.execvp(command[0], command)
    return 1  # unreachable: execvp returns only by raising


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
