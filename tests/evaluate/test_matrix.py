"""ACC, BWT and forgetting of known matrices, and batched greedy answers equal to one-by-one answers."""

from __future__ import annotations

import pytest

from lab_cli.evaluate.matrix import report, summarize


def test_summary_of_a_known_matrix() -> None:
    matrix = [
        [0.9, 0.1, 0.0],
        [0.5, 1.0, 0.2],
        [0.3, 0.8, 0.7],
    ]
    acc, bwt, forgetting = summarize(matrix)
    assert acc == pytest.approx((0.3 + 0.8 + 0.7) / 3)
    assert bwt == pytest.approx(((0.3 - 0.9) + (0.8 - 1.0)) / 2)
    assert forgetting == pytest.approx(((0.9 - 0.3) + (1.0 - 0.8)) / 2)
    assert summarize([[0.4]]) == (0.4, 0.0, 0.0)


def test_an_unlearned_group_shows_in_the_diagonal_not_as_zero_forgetting() -> None:
    never_learned = report("rouge_l", ["c1", "c2"], [["a"], ["b"]], [[0.0, 0.0], [0.0, 1.0]])
    assert never_learned.bwt == 0.0 and never_learned.forgetting == 0.0
    assert never_learned.learned == [0.0, 1.0]


def test_batched_left_padded_answers_equal_single_answers() -> None:
    from lab_cli.evaluate.generate import greedy_answers, load
    from tests.train.test_tokenize import smollm2

    model, tokenizer = load(smollm2())  # a real model says real, different things (a random one says nothing)
    prompts = [
        [{"role": "user", "content": "What colour is the sky?"}],
        [{"role": "user", "content": "Seed examples teach the teacher what to write; what do they teach?"}],
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "fox"}],
    ]
    batched = greedy_answers(model, tokenizer, prompts, batch_size=3, max_new_tokens=8)
    alone = [greedy_answers(model, tokenizer, [prompt], batch_size=1, max_new_tokens=8)[0] for prompt in prompts]
    assert batched == alone and all(isinstance(answer, str) for answer in batched)
    assert len(set(batched)) == 3 and all(batched)
