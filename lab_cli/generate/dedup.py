"""Near-duplicate removal by ROUGE-L, as Self-Instruct does: a candidate too similar to a kept one is dropped.

Texts are normalised (lower case, punctuation removed, whitespace collapsed) and compared by the F-measure of
their longest common subsequence of words. The default threshold, 0.7, is Self-Instruct's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from lab_cli.overlap import rouge_l_words

DEFAULT_THRESHOLD = 0.7
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> list[str]:
    """The words of ``text``, lower-cased, without punctuation."""
    return _WORD.findall(text.lower())


def rouge_l(first: str | list[str], second: str | list[str]) -> float:
    """ROUGE-L F-measure of two texts (or word lists), 0.0 to 1.0."""
    a = normalise(first) if isinstance(first, str) else first
    b = normalise(second) if isinstance(second, str) else second
    return rouge_l_words(a, b)


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
