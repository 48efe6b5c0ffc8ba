"""commas (warning): in flow collections, no space before a comma and exactly one after (``[a, b]``).

Fails: ``[a ,b]`` and ``[a,  b]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import neighbours, spaces_after, spaces_before

ID = "commas"
SEVERITY = Severity.WARNING
FIXABLE = False


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    for previous, token, following in neighbours(source, yaml.FlowEntryToken):
        mark = token.start_mark
        if previous is not None and previous.end_mark.line < mark.line:
            yield Problem(mark.line + 1, max(1, mark.column), "too many spaces before comma")
        else:
            problem = spaces_before(text, token, previous, most=0, too_many="too many spaces before comma")
            if problem:
                yield problem
        problem = spaces_after(
            token,
            following,
            least=1,
            most=1,
            too_few="too few spaces after comma",
            too_many="too many spaces after comma",
        )
        if problem:
            yield problem
