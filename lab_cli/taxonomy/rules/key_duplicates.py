"""key-duplicates (error): a key appears once per mapping.

Fails: ``created_by: a⏎created_by: b``. YAML loaders silently keep the last value, so a duplicate is lost data.
The merge key ``<<`` may repeat.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem

ID = "key-duplicates"
SEVERITY = Severity.ERROR
FIXABLE = False

_MAPPING_START = frozenset({yaml.BlockMappingStartToken, yaml.FlowMappingStartToken})
_SEQUENCE_START = frozenset({yaml.BlockSequenceStartToken, yaml.FlowSequenceStartToken})
_END = frozenset({yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken})


def check(source: LintSource) -> Iterator[Problem]:
    stack: list[set[str] | None] = []  # one entry per open collection: its keys, or None for a sequence
    tokens = source.tokens
    last = len(tokens) - 1
    for index, kind in enumerate(source.kinds[: source.checked_count]):
        if kind is yaml.KeyToken:
            keys = stack[-1] if stack else None
            following = tokens[index + 1] if index < last else None
            if keys is None or type(following) is not yaml.ScalarToken:
                continue
            key = following.value
            if key in keys and key != "<<":
                mark = following.start_mark
                yield Problem(mark.line + 1, mark.column + 1, f'duplication of key "{key}" in mapping')
            else:
                keys.add(key)
        elif kind in _MAPPING_START:
            stack.append(set())
        elif kind in _SEQUENCE_START:
            stack.append(None)
        elif kind in _END and stack:
            stack.pop()
