"""Near-duplicate removal by ROUGE-L, as Self-Instruct does: a candidate too similar to a kept one is dropped.

Texts are normalised (lower case, punctuation removed, whitespace collapsed) and compared by the F-measure of
their longest common subsequence of words. The default threshold, 0.7, is Self-Instruct's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

DEFAULT_THRESHOLD = 0.7
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> list[str]:
    """The words of ``text``, lower-cased, without punctuation."""
    return _WORD.findall(text.lower())


def _lcs_length(first: list[str], second: list[str]) -> int:
    if len(first) < len(second):
        first, second = second, first
    previous = [0] * (len(second) + 1)
    for word in first:
        current = [0]
        for index, other in enumerate(second, start=1):
            current.append(previous[index - 1] + 1 if word == other else max(previous[index], current[-1]))
        previous = current
    return previous[-1]


def rouge_l(first: str | list[str], second: str | list[str]) -> float:
    """ROUGE-L F-measure of two texts (or word lists), 0.0 to 1.0."""
    a = normalise(first) if isinstance(first, str) else first
    b = normalise(second) if isinstance(second, str) else second
    if not a or not b:
        return 1.0 if a == b else 0.0
    common = _lcs_length(a, b)
    if common == 0:
        return 0.0
    precision, recall = common / len(b), common / len(a)
    return 2 * precision * recall / (precision + recall)


class NearDuplicateFilter:
    """Keeps texts that are not too similar to any text kept (or seeded) before."""

    def __init__(self, seen: Iterable[str] = (), threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self.kept: list[tuple[list[str], Counter]] = []
        for text in seen:
            words = normalise(text)
            self.kept.append((words, Counter(words)))

    def admit(self, text: str) -> bool:
        """Whether ``text`` is new enough; if so it is remembered."""
        words = normalise(text)
        if not words:
            return False
        bag = Counter(words)
        if any(self._too_close(words, bag, kept, kept_bag) for kept, kept_bag in self.kept):
            return False
        self.kept.append((words, bag))
        return True

    def _too_close(self, words: list[str], bag: Counter, kept: list[str], kept_bag: Counter) -> bool:
        # The LCS is at most the shared words, so most pairs are cleared without the quadratic comparison.
        shared = sum((bag & kept_bag).values())
        if 2 * shared / (len(words) + len(kept)) < self.threshold:
            return False
        return rouge_l(words, kept) >= self.threshold
