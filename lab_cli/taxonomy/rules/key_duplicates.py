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

_MAPPING_START = (yaml.BlockMappingStartToken, yaml.FlowMappingStartToken)
_SEQUENCE_START = (yaml.BlockSequenceStartToken, yaml.FlowSequenceStartToken)
_END = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


_STRUCTURE = (*_MAPPING_START, *_SEQUENCE_START, *_END, yaml.KeyToken)


def check(source: LintSource) -> Iterator[Problem]:
    stack: list[set[str] | None] = []  # one entry per open collection: its keys, or None for a sequence
    tokens = source.tokens
    for index in source.indices(*_STRUCTURE):
        token = tokens[index]
        kind = type(token)
        if kind in _MAPPING_START:
            stack.append(set())
        elif kind in _SEQUENCE_START:
            stack.append(None)
        elif kind in _END:
            if stack:
                stack.pop()
        elif stack and stack[-1] is not None:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if type(following) is not yaml.ScalarToken:
                continue
            key = following.value
            if key in stack[-1] and key != "<<":
                mark = following.start_mark
                yield Problem(mark.line + 1, mark.column + 1, f'duplication of key "{key}" in mapping')
            else:
                stack[-1].add(key)
