"""What every lint rule takes and yields."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    _by_kind: dict[type, list[int]] | None = field(default=None, repr=False)

    def indices(self, *kinds: type) -> list[int]:
        """Positions in ``tokens`` of the tokens of the given types, in order (indexed once per file)."""
        if self._by_kind is None:
            self._by_kind = {}
            for index, token in enumerate(self.tokens):
                self._by_kind.setdefault(type(token), []).append(index)
        if len(kinds) == 1:
            return self._by_kind.get(kinds[0], [])
        return sorted(index for kind in kinds for index in self._by_kind.get(kind, ()))
