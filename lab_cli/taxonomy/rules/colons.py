"""colons (warning): no space before a colon, at most one after it (``key: value``).

Fails: ``key : value`` and ``key:   value``.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import is_explicit_key, neighbours, spaces_after, spaces_before

ID = "colons"
SEVERITY = Severity.WARNING
FIXABLE = False


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    for previous, token, following in neighbours(source, yaml.ValueToken, yaml.KeyToken):
        if isinstance(token, yaml.KeyToken):
            if is_explicit_key(token, text):
                problem = spaces_after(token, following, most=1, too_many="too many spaces after question mark")
                if problem:
                    yield problem
            continue
        # "*alias :" needs the space, or the colon would be part of the alias name
        if isinstance(previous, yaml.AliasToken) and token.start_mark.index - previous.end_mark.index == 1:
            continue
        for problem in (
            spaces_before(text, token, previous, most=0, too_many="too many spaces before colon"),
            spaces_after(token, following, most=1, too_many="too many spaces after colon"),
        ):
            if problem:
                yield problem
