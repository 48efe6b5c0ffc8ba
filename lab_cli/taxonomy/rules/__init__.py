"""Lint rules, one module each, registered by id.

Each rule module has ``ID``, ``SEVERITY`` (its default level) and ``check(source)``, a generator of
``Problem``s; the engine (``lab_cli.taxonomy.lint``) stamps the rule id and severity. The module docstring is
the rule's user documentation. The set mirrors yamllint's "relaxed" preset with line-length off, which is what
the InstructLab reference runs, plus lab's own safety rules (anchors, tabs, byte-order mark).
"""

from __future__ import annotations

from types import ModuleType

from lab_cli.taxonomy.rules import (
    anchors,
    braces,
    brackets,
    byte_order_mark,
    colons,
    commas,
    empty_lines,
    hyphens,
    indentation,
    key_duplicates,
    new_line_at_end_of_file,
    new_lines,
    tabs,
    trailing_spaces,
)
from lab_cli.taxonomy.rules.base import LintSource, Problem

__all__ = ["REGISTRY", "LintSource", "Problem"]


REGISTRY: dict[str, ModuleType] = {
    rule.ID: rule
    for rule in (
        trailing_spaces,
        new_line_at_end_of_file,
        new_lines,
        empty_lines,
        tabs,
        byte_order_mark,
        key_duplicates,
        anchors,
        colons,
        commas,
        hyphens,
        braces,
        brackets,
        indentation,
    )
}
"""Every lint rule by id, in the order they run."""
