"""braces (warning): at most one space inside flow-mapping braces (``{a: 1}`` or ``{ a: 1 }``).

Fails: ``{  a: 1}``.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import inside_spacing

ID = "braces"
SEVERITY = Severity.WARNING
FIXABLE = False


def check(source: LintSource) -> Iterator[Problem]:
    yield from inside_spacing(source, yaml.FlowMappingStartToken, yaml.FlowMappingEndToken, "braces")
