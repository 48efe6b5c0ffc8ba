"""new-line-at-end-of-file (error): the last line ends with a line break, as POSIX tools expect.

``lab validate --fix`` adds it.
"""

from __future__ import annotations

from collections.abc import Iterator

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem

ID = "new-line-at-end-of-file"
SEVERITY = Severity.ERROR
FIXABLE = True


def check(source: LintSource) -> Iterator[Problem]:
    if source.text and not source.text.endswith("\n"):
        last = source.lines[-1]
        yield Problem(len(source.lines), len(last) + 1, "no new line character at the end of file")
