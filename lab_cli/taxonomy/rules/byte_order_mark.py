"""byte-order-mark (warning): a UTF-8 file needs no byte-order mark, and some tools choke on it.

``lab validate --fix`` removes it.
"""

from __future__ import annotations

from collections.abc import Iterator

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem

ID = "byte-order-mark"
SEVERITY = Severity.WARNING
FIXABLE = True


def check(source: LintSource) -> Iterator[Problem]:
    if source.had_bom:
        yield Problem(1, 1, "file starts with a UTF-8 byte-order mark")
