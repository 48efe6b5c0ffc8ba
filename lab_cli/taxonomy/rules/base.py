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
    checked: int | None = None  # lint only the first ``checked`` tokens; the rest are look-ahead context
    _kinds: list[type] | None = field(default=None, repr=False)
    _present: frozenset[type] | None = field(default=None, repr=False)

    @property
    def checked_count(self) -> int:
        """How many leading tokens rules judge (all of them unless a syntax error cut the stream short)."""
        return len(self.tokens) if self.checked is None else self.checked

    @property
    def kinds(self) -> list[type]:
        """The type of each token, computed once per file."""
        if self._kinds is None:
            self._kinds = list(map(type, self.tokens))
        return self._kinds

    def indices(self, *kinds: type) -> list[int]:
        """Positions in ``tokens`` of the tokens of the given types, in order."""
        if self._present is None:
            self._present = frozenset(self.kinds)
        if self._present.isdisjoint(kinds):
            return []  # most rules look for token types a file does not have
        judged = self.kinds if self.checked is None else self.kinds[: self.checked]
        if len(kinds) == 1:
            wanted = kinds[0]
            return [index for index, kind in enumerate(judged) if kind is wanted]
        wanted_set = frozenset(kinds)
        return [index for index, kind in enumerate(judged) if kind in wanted_set]
