"""anchors (error): no anchors (``&name``) or aliases (``*name``) in taxonomy files.

Aliases let a small file expand into a huge document (the "billion laughs" attack) and hide content from
reviewers of a pull request. A seed example is short enough to write out. (yamllint only rejects undeclared
aliases; lab rejects all of them.)
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem

ID = "anchors"
SEVERITY = Severity.ERROR
FIXABLE = False


def check(source: LintSource) -> Iterator[Problem]:
    for index in source.indices(yaml.AnchorToken, yaml.AliasToken):
        token = source.tokens[index]
        what = f'anchor "&{token.value}"' if isinstance(token, yaml.AnchorToken) else f'alias "*{token.value}"'
        mark = token.start_mark
        yield Problem(mark.line + 1, mark.column + 1, f"{what}: anchors and aliases are not allowed in taxonomy files")
