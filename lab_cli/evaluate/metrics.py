"""Answer metrics against a reference answer. Surface metrics: normalised exact match, token F1 and ROUGE-L F
(they reward wording, so a shorter answer that echoes the question can score higher without stating a fact).
Content metric: key-fact recall, the share of the reference's content words and numbers that the question does
not already give away and the answer states."""

from __future__ import annotations

import re
import string
from collections import Counter

from lab_cli.overlap import f_measure, rouge_l_words

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
# Function words carry no fact: an answer that repeats "is", "of" and "which" has recalled nothing.
_STOPWORD_TEXT = """a about above after again against all also am an and any are as at be because been before being
    below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself yourselves yes one
    known called named many much may might must shall us"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


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


def _stem(word: str) -> str:
    # Plural and possessive endings only: "birds" and "bird" state the same fact; nothing cleverer, so that a
    # different word never counts as recalled.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [_stem(word) for word in normalize(text.replace("-", " ")).split()]


def key_facts(reference: str, question: str = "") -> list[str]:
    """The reference's content words and numbers (stemmed, each once, in order) that the question lacks."""
    given = set(_words(question))
    facts = []
    for word in _words(reference):
        if word in given or word in facts or (word in STOPWORDS and not word.isdigit()):
            continue
        facts.append(word)
    return facts


def fact_recall(prediction: str, reference: str, question: str = "") -> float | None:
    """The share of the reference's key facts (see ``key_facts``) the prediction states; ``None`` when the
    reference has none beyond what the question says (nothing to recall)."""
    facts = key_facts(reference, question)
    if not facts:
        return None
    said = set(_words(prediction))
    return sum(fact in said for fact in facts) / len(facts)


METRICS = {"exact_match": exact_match, "token_f1": token_f1, "rouge_l": rouge_l}
SURFACE_METRICS = tuple(METRICS)
CONTENT_METRICS = ("fact_recall", "cond_gain")
ITEM_METRICS = (*SURFACE_METRICS, *CONTENT_METRICS)
"""Every metric scored per eval item, in the order reports list them."""
MATRIX_METRICS = ("fact_recall", *SURFACE_METRICS, "cond_gain")
"""The metrics a forgetting matrix can be built from, the default first."""
