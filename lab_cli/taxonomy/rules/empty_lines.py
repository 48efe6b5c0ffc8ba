"""empty-lines (warning): at most 2 blank lines in a row, none at the start or the end of the file.

Fails: a file that starts with a blank line, or ends with ``value⏎⏎``.
"""

from __future__ import annotations

from collections.abc import Iterator

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem

ID = "empty-lines"
SEVERITY = Severity.WARNING
FIXABLE = False

MAX_INSIDE = 2
MAX_START = 0
MAX_END = 0


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    if text == "\n" or ("\n\n" not in text and "\n\r\n" not in text and not text.startswith(("\n", "\r\n"))):
        return
    lines = source.lines
    last = len(lines) - 1 if text.endswith("\n") else len(lines)  # the phantom line after a final break
    run_start = None
    for index in range(last + 1):
        blank = index < last and lines[index] in ("", "\r")
        if blank:
            if run_start is None:
                run_start = index
            continue
        if run_start is not None:
            count = index - run_start
            limit = MAX_START if run_start == 0 else MAX_INSIDE
            if index == last:
                limit = MAX_END
            if count > limit:
                yield Problem(index, 1, f"too many blank lines ({count} > {limit})")
            run_start = None
