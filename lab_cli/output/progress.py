"""Progress bars on standard error for long operations, shown only to a person at a terminal.

Every long command reports progress through one of two callbacks: ``(done, total)`` for work whose size is
known or learned on the way (files validated, training steps), or ``(count)`` for work that advances by pieces
(eval questions answered). Off a terminal (CI, pipes) both are no-ops, so machine output stays clean.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


def wanted() -> bool:
    """Whether a progress bar would reach a person (standard error is a terminal)."""
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_to(
    label: str, enabled: bool, transient: bool = True, eta: bool = False
) -> Iterator[Callable[[int, int], None] | None]:
    """A bar fed with ``(done, total)``; None when ``enabled`` is false. ``eta``: with a count and time left."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()) if eta else ()
    with Progress(*columns, console=Console(stderr=True), transient=transient) as progress:
        task = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


@contextlib.contextmanager
def progress_by(label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A bar advanced by counts of finished pieces; a no-op callback when ``enabled`` is false."""
    if not enabled:
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda count: progress.advance(task, count)
