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


def test_learned_is_the_score_after_the_adding_step_and_only_learned_groups_count_as_forgotten() -> None:
    matrix = [
        [0.4, 0.0, 0.0],  # step 1 adds group a: 0.4
        [0.9, 0.0, 0.0],  # step 2 adds group b, never learned; a peaks at 0.9
        [0.2, 0.0, 1.0],  # step 3 adds group c; a has fallen to 0.2
    ]
    shown = report("rouge_l", ["c1", "c2", "c3"], [["a"], ["b"], ["c"]], matrix)
    assert shown.learned == [0.4, 0.0, 1.0]  # neither a's peak (0.9) nor its final score (0.2)
    assert shown.forgetting == pytest.approx((0.9 - 0.2 + 0.0) / 2)  # from a's peak; b had nothing to forget
    assert shown.bwt == pytest.approx((0.2 - 0.4 + 0.0) / 2)
    never = report("rouge_l", ["c1", "c2"], [["a"], ["b"]], [[0.0, 0.0], [0.0, 1.0]])
    kept = report("rouge_l", ["c1", "c2"], [["a"], ["b"]], [[1.0, 0.0], [1.0, 1.0]])
    assert never.forgetting == kept.forgetting == 0.0  # the same zero forgetting…
    assert (never.learned[0], kept.learned[0], never.acc, kept.acc) == (0.0, 1.0, 0.5, 1.0)  # …told apart here


def test_batched_left_padded_answers_equal_single_answers() -> None:
    from lab_cli.evaluate.answers import greedy_answers, load
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


def test_each_answer_keeps_its_own_budget_whatever_shares_its_batch() -> None:
    from lab_cli.evaluate.answers import greedy_answers, load
    from tests.train.test_tokenize import smollm2

    model, tokenizer = load(smollm2())
    prompts = [
        [{"role": "user", "content": "Write a long story about a lighthouse keeper."}],
        [{"role": "user", "content": "Write a long poem about the sea."}],
    ]
    together = greedy_answers(model, tokenizer, prompts, batch_size=2, max_new_tokens=[3, 12])
    alone = [
        greedy_answers(model, tokenizer, [p], batch_size=1, max_new_tokens=[n])[0]
        for p, n in zip(prompts, [3, 12], strict=True)
    ]
    assert together == alone
    lengths = [len(tokenizer(answer, add_special_tokens=False)["input_ids"]) for answer in together]
    assert lengths[0] <= 3 < lengths[1]  # the short budget binds in a batch that runs to 12 tokens
