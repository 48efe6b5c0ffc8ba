"""Answer metrics on strings whose scores are known by hand."""

from __future__ import annotations

import pytest

from lab_cli.evaluate.metrics import exact_match, normalize, rouge_l, token_f1


def test_normalisation_ignores_case_punctuation_articles_and_spacing() -> None:
    assert normalize("  The Sky, is   BLUE! ") == "sky is blue"
    assert exact_match("the sky is blue.", "Sky is blue") == 1.0
    assert exact_match("sky is blue", "sky is red") == 0.0


def test_token_f1_counts_shared_tokens_as_bags() -> None:
    # prediction "blue sky today": 2 of 3 tokens shared with "sky is blue" → P = R = 2/3
    assert token_f1("blue sky today", "sky is blue") == pytest.approx(2 / 3)
    assert token_f1("sky sky", "sky") == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert token_f1("", "") == 1.0 and token_f1("", "sky") == 0.0 and token_f1("red", "blue") == 0.0


def test_rouge_l_uses_the_longest_common_subsequence() -> None:
    # LCS("a b c d e", "a c e x") = "a c e" → P = 3/4, R = 3/5 (articles "a" dropped: use other words)
    assert rouge_l("one three five seven", "one two three four five") == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert rouge_l("blue sky", "sky blue") == pytest.approx(0.5)  # order matters, unlike token F1
    assert token_f1("blue sky", "sky blue") == 1.0
    assert rouge_l("The sky is blue.", "sky is blue") == 1.0 and rouge_l("", "x") == 0.0
