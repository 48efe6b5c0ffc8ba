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
    text, lines = source.text, source.lines
    real = lines[:-1] if text.endswith("\n") else lines  # the last element after a final break is no line
    if text == "\n" or ("" not in real and "\r" not in real):
        return  # no blank line at all: the common case, decided by list membership in C
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
