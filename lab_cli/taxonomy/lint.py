"""The lint engine: runs every registered rule over a file and stamps rule id and severity on what they find.

yamllint's inline directives work as they do for the reference (``# yamllint disable-line rule:ID``,
``# yamllint disable rule:ID`` … ``# yamllint enable``, ``# yamllint disable-file``), so files written for the
public taxonomy's CI keep their verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lab_cli.taxonomy.diagnostics import Diagnostic, Severity
from lab_cli.taxonomy.rules import REGISTRY, LintSource

SAFETY_RULES = frozenset({"anchors"})
"""Rules that protect lab itself: never demoted to warnings, never silenced by a comment."""

_DIRECTIVE = re.compile(r"#\s*yamllint\s+(disable-line|disable-file|disable|enable)((?:\s+rule:[\w-]+)*)\s*$")


def lint(source: LintSource, demote: bool = False) -> list[Diagnostic]:
    """All lint findings for ``source``; ``demote`` makes style findings warnings (for schema v1 files)."""
    found: list[Diagnostic] = []
    for rule_id, rule in REGISTRY.items():
        severity = Severity.WARNING if demote and rule_id not in SAFETY_RULES else rule.SEVERITY
        for problem in rule.check(source):
            found.append(Diagnostic(problem.line, problem.column, rule_id, problem.message, severity))
    if "yamllint" in source.text:
        found = list(_apply_directives(source.lines, found))
    return found


def _apply_directives(lines: list[str], found: list[Diagnostic]) -> Iterable[Diagnostic]:
    """Drop findings silenced by yamllint comments (safety rules are never silenced)."""
    disabled_from: dict[int, set[str] | None] = {}  # line -> rules off from that line on (None: all)
    disabled_on: dict[int, set[str] | None] = {}
    current: set[str] | None = set()
    for number, line in enumerate(lines, start=1):
        match = _DIRECTIVE.search(line)
        if match:
            action, rules = match.group(1), set(re.findall(r"rule:([\w-]+)", match.group(2))) or None
            if action == "disable-file":
                return [d for d in found if d.rule in SAFETY_RULES]
            if action == "disable-line":
                disabled_on[number] = rules
            elif action == "disable":
                current = None if rules is None or current is None else current | rules
            elif action == "enable":
                current = set() if rules is None or current is None else current - rules
        disabled_from[number] = current
    for diagnostic in found:
        if diagnostic.rule in SAFETY_RULES:
            yield diagnostic
            continue
        off = [disabled_from.get(diagnostic.line, set())]
        if diagnostic.line in disabled_on:
            off.append(disabled_on[diagnostic.line])
        if not any(rules is None or diagnostic.rule in rules for rules in off):
            yield diagnostic
