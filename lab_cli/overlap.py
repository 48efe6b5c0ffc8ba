"""Word overlap between two texts, already split into words: the longest common subsequence, and the
F-measure that ROUGE-L and token F1 build from a count of shared words. Generation's near-duplicate filter
and evaluation's metrics both use it; each normalises text its own way first."""

from __future__ import annotations


def lcs_length(first: list[str], second: list[str]) -> int:
    """Length of the longest common subsequence of two word lists."""
    if len(first) < len(second):
        first, second = second, first
    row = [0] * (len(second) + 1)
    for word in first:
        diagonal = 0
        for index, other in enumerate(second, start=1):
            diagonal, row[index] = row[index], diagonal + 1 if word == other else max(row[index], row[index - 1])
    return row[-1]


def f_measure(common: int, first_length: int, second_length: int) -> float:
    """Harmonic mean of ``common / first_length`` and ``common / second_length`` (0.0 when nothing is shared)."""
    if common == 0:
        return 0.0
    precision, recall = common / first_length, common / second_length
    return 2 * precision * recall / (precision + recall)


def rouge_l_words(first: list[str], second: list[str]) -> float:
    """ROUGE-L F-measure of two word lists; two empty lists match, one empty list matches nothing."""
    if not first or not second:
        return float(first == second)
    return f_measure(lcs_length(first, second), len(first), len(second))
