"""colons (warning): no space before a colon, at most one after it (``key: value``).

Fails: ``key : value`` and ``key:   value``.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import neighbours, spaces_after, spaces_before

ID = "colons"
SEVERITY = Severity.WARNING
FIXABLE = False


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    kinds = (yaml.ValueToken, yaml.KeyToken) if "?" in text else (yaml.ValueToken,)  # explicit keys need a "?"
    for previous, token, following in neighbours(source, *kinds):
        start, end = token.start_mark.index, token.end_mark.index
        if isinstance(token, yaml.KeyToken):
            if start < end and text[start] == "?" and text[end : end + 2].isspace():
                problem = spaces_after(token, following, most=1, too_many="too many spaces after question mark")
                if problem:
                    yield problem
            continue
        if text[start - 1 : start] not in (" ", "\t") and not text[end : end + 2].isspace():
            continue  # "key: value": nothing to measure (the common case, decided without the helpers)
        # "*alias :" needs the space, or the colon would be part of the alias name
        if isinstance(previous, yaml.AliasToken) and start - previous.end_mark.index == 1:
            continue
        for problem in (
            spaces_before(text, token, previous, most=0, too_many="too many spaces before colon"),
            spaces_after(token, following, most=1, too_many="too many spaces after colon"),
        ):
            if problem:
                yield problem
