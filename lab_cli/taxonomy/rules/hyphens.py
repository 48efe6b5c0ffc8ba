"""hyphens (warning): at most one space after a list item's hyphen (``- item``).

Fails: ``-   item``.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import neighbours, spaces_after

ID = "hyphens"
SEVERITY = Severity.WARNING
FIXABLE = False


def check(source: LintSource) -> Iterator[Problem]:
    text = source.text
    for _, token, following in neighbours(source, yaml.BlockEntryToken):
        end = token.end_mark.index
        if not text[end : end + 2].isspace():
            continue  # "- item": at most one space, decided without the helper
        problem = spaces_after(token, following, most=1, too_many="too many spaces after hyphen")
        if problem:
            yield problem
