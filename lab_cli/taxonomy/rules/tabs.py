"""tabs (warning): no tab characters in a line's indentation.

YAML forbids tabs for indentation, so outside block scalars they are syntax errors already; inside a block
scalar they silently become part of the text. ``lab validate --fix`` turns each indenting tab into two spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem

ID = "tabs"
SEVERITY = Severity.WARNING
FIXABLE = True

_INDENT_TAB = re.compile(r"^[ ]*\t", re.MULTILINE)


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    if "\t" not in text:
        return
    for match in _INDENT_TAB.finditer(text):
        start = match.start()
        yield Problem(text.count("\n", 0, start) + 1, match.end() - start, "tab character used for indentation")
