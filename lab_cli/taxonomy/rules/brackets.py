"""brackets (warning): at most one space inside flow-sequence brackets (``[a, b]`` or ``[ a, b ]``).

Fails: ``[  a, b]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import inside_spacing

ID = "brackets"
SEVERITY = Severity.WARNING
FIXABLE = False


def check(source: LintSource) -> Iterator[Problem]:
    yield from inside_spacing(source, yaml.FlowSequenceStartToken, yaml.FlowSequenceEndToken, "brackets")
