"""Parsers of loose teacher output and the ROUGE-L near-duplicate filter."""

from __future__ import annotations

import pytest

from lab_cli.generate.dedup import NearDuplicateFilter, rouge_l
from lab_cli.generate.parsing import parse_list, parse_pairs, parse_score


def test_lists_in_their_usual_shapes() -> None:
    text = "Here are some:\n1. What is a haiku poem?\n2) Write a limerick about cats.\n- How do rhymes work?\n* ok\n"
    assert parse_list(text) == ["What is a haiku poem?", "Write a limerick about cats.", "How do rhymes work?"]
    assert parse_list("no list at all") == []


def test_question_answer_pairs() -> None:
    text = (
        "**Question 1:** What colour is the sky?\n**Answer 1:** Blue, on a clear day.\n\n"
        "question: How many legs has a spider?\nanswer: Eight.\nIt also has fangs.\n"
    )
    assert parse_pairs(text) == [
        ("What colour is the sky?", "Blue, on a clear day."),
        ("How many legs has a spider?", "Eight. It also has fangs."),
    ]
    assert parse_pairs("Question: only a question") == []


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("Score: 3", 3.0),
        ("The rating = 2/3.", 2.0),
        ("**2**", 2.0),
        ("I think it is fine. Score 1", 1.0),
        ("Score: 9", None),
        ("excellent!", None),
    ],
)
def test_judge_scores(text: str, score: float | None) -> None:
    assert parse_score(text, maximum=3) == score


def test_rouge_l() -> None:
    assert rouge_l("the cat sat on the mat", "the cat sat on the mat") == 1.0
    assert rouge_l("The cat sat on the mat!", "the cat sat on a mat") == pytest.approx(5 / 6)
    assert rouge_l("completely different words", "nothing in common here") == 0.0


def test_near_duplicates_are_dropped_against_seeds_and_each_other() -> None:
    keep = NearDuplicateFilter(seen=["Write a haiku about the autumn moon."])
    assert not keep.admit("Write a haiku about the autumn moon")  # a seed, re-worded by punctuation only
    assert keep.admit("Explain how volcanoes form under the ocean floor.")
    assert not keep.admit("Explain how volcanoes form under the ocean.")
    assert keep.admit("List three uses of copper in electronics.")
    assert not keep.admit("   ")
