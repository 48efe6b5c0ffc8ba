"""trailing-spaces (error): no spaces or tabs at the end of a line.

Passes: ``key: value⏎``. Fails: ``key: value␠␠⏎``. ``lab validate --fix`` removes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem

ID = "trailing-spaces"
SEVERITY = Severity.ERROR
FIXABLE = True

_BLANKS = frozenset({" ", "\t"})
_TRAILING = re.compile(r"[^\S\n]+$", re.MULTILINE)


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    last_characters = {line[-1:] for line in source.lines}
    if "\r" in last_characters:  # CRLF lines: look before the carriage return
        last_characters |= {line[-2:-1] for line in source.lines if line.endswith("\r")}
    if last_characters.isdisjoint(_BLANKS):
        return  # the common case, decided from each line's last character
    for match in _TRAILING.finditer(text):
        run = match.group()
        if run[0] not in " \t":  # a bare "\r" is a line ending, judged by new-lines
            continue
        start = match.start()
        line_start = text.rfind("\n", 0, start) + 1
        yield Problem(text.count("\n", 0, start) + 1, start - line_start + 1, "trailing spaces")
