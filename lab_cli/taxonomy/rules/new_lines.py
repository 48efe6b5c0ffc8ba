"""new-lines (error): lines end with Unix line breaks (``\\n``), never ``\\r\\n`` or ``\\r``.

Reported once, at the first line that ends otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem

ID = "new-lines"
SEVERITY = Severity.ERROR
FIXABLE = True


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    position = text.find("\r")
    if position >= 0:
        line_start = text.rfind("\n", 0, position) + 1
        yield Problem(
            text.count("\n", 0, position) + 1,
            position - line_start + 1,
            "wrong new line character: expected \\n",
        )
