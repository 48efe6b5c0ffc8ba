"""hyphens (warning): at most one space after a list item's hyphen (``- item``).

Fails: ``-   item``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import neighbours, spaces_after

ID = "hyphens"
SEVERITY = Severity.WARNING
FIXABLE = False

_TWO_BLANKS_AFTER_HYPHEN = re.compile(r"-(?=[ \t]{2})")  # a literal first: found at memchr speed


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    if _TWO_BLANKS_AFTER_HYPHEN.search(text) is None:
        return  # never two blanks after a hyphen: nothing to measure
    for _, token, following in neighbours(source, yaml.BlockEntryToken):
        end = token.end_mark.index
        if not text[end : end + 2].isspace():
            continue  # "- item": at most one space, decided without the helper
        problem = spaces_after(token, following, most=1, too_many="too many spaces after hyphen")
        if problem:
            yield problem
