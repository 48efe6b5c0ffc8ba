"""Answer metrics: normalised exact match, token F1 and ROUGE-L F against a reference answer."""

from __future__ import annotations

import re
import string
from collections import Counter

from lab_cli.overlap import f_measure, rouge_l_words

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """Lower case, without punctuation, articles and extra spaces (SQuAD's normalisation)."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when the normalised strings are equal, else 0.0."""
    return float(normalize(prediction) == normalize(reference))


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of precision and recall of the normalised tokens (as bags)."""
    predicted, expected = normalize(prediction).split(), normalize(reference).split()
    if not predicted or not expected:
        return float(predicted == expected)
    common = sum((Counter(predicted) & Counter(expected)).values())
    return f_measure(common, len(predicted), len(expected))


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1: from the longest common subsequence of the normalised tokens."""
    return rouge_l_words(normalize(prediction).split(), normalize(reference).split())


METRICS = {"exact_match": exact_match, "token_f1": token_f1, "rouge_l": rouge_l}
