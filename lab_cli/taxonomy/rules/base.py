"""What every lint rule takes and yields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """What a rule found: a 1-based position and a message."""

    line: int
    column: int
    message: str


@dataclass
class LintSource:
    """What rules look at: the text, its lines (without line breaks) and its YAML tokens."""

    text: str
    lines: list[str]
    tokens: list[Any]
    had_bom: bool = False
