"""Content metrics that style cannot fool: key-fact recall on hand-made answers, the conditional likelihood gain
with models whose behaviour is known (one ignores the question, one copies from it), and intervals and row-0
gains of a forgetting report built from known per-item scores."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from lab_cli.evaluate.metrics import fact_recall, key_facts, rouge_l

QUESTION = "What is the capital of Zorvia?"
REFERENCE = "The capital of Zorvia is Marn, founded in 1820."


def test_key_facts_are_the_references_content_words_and_numbers_the_question_lacks() -> None:
    assert key_facts(REFERENCE, QUESTION) == ["marn", "founded", "1820"]
    assert key_facts("Birds sing.", "") == ["bird", "sing"]  # plural endings are stemmed


def test_fact_recall_counts_stated_facts_and_ignores_an_echo_of_the_question() -> None:
    echo = "The capital of Zorvia is a capital city of Zorvia."
    assert fact_recall(echo, REFERENCE, QUESTION) == 0.0
    assert rouge_l(echo, REFERENCE) >= 0.5 > rouge_l("Marn.", REFERENCE)  # the surface metric prefers the echo
    assert fact_recall("Marn.", REFERENCE, QUESTION) == pytest.approx(1 / 3)
    assert fact_recall("It is Marn, founded in 1820!", REFERENCE, QUESTION) == 1.0
    assert fact_recall("marn was FOUNDED in 1821", REFERENCE, QUESTION) == pytest.approx(2 / 3)  # 1821 ≠ 1820
    assert fact_recall("anything", "Zorvia.", "Tell me about Zorvia") is None  # nothing to recall


class _Unigram:
    """Logits that depend on nothing: every answer is exactly as likely after any question."""

    device = "cpu"

    def __init__(self, vocabulary: int) -> None:
        import torch

        self.table = torch.randn(vocabulary, generator=torch.Generator().manual_seed(0))

    def __call__(self, input_ids, attention_mask):
        return SimpleNamespace(logits=self.table.expand(*input_ids.shape, -1).clone())


class _Copier(_Unigram):
    """Logits favouring every token seen so far: an answer whose words are in its question is likelier after it."""

    def __call__(self, input_ids, attention_mask):
        import torch

        seen = torch.nn.functional.one_hot(input_ids, len(self.table)).cumsum(dim=1).clamp(max=1).float()
        return SimpleNamespace(logits=self.table + 5.0 * seen)


def _items():
    from lab_cli.evaluate.scores import EvalItem

    asked = [
        ("What colour is the sky?", "The sky is blue."),
        ("Where does the quick fox jump?", "The fox jumps over the lazy dog."),
        ("What keeps old facts alive?", "Replay keeps old facts alive."),
    ]
    return [
        EvalItem("knowledge/x", "k", ({"role": "user", "content": q},), a, "seed", str(i))
        for i, (q, a) in enumerate(asked)
    ]


@pytest.mark.parametrize("model, positive", [(_Unigram, False), (_Copier, True)])
def test_conditional_gain_is_zero_for_a_model_that_ignores_the_question(tiny_model: Path, model, positive) -> None:
    from transformers import AutoTokenizer

    from lab_cli.evaluate.likelihood import answer_nll
    from lab_cli.evaluate.scores import _partners

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    items = _items()
    partner = _partners(items)
    assert sorted(partner) == [0, 1, 2] and all(partner[i] != i for i in partner)
    scorer = model(len(tokenizer))
    own = answer_nll(scorer, tokenizer, [(item.prompt, item.reference) for item in items])
    crossed = answer_nll(scorer, tokenizer, [(items[partner[i]].prompt, items[i].reference) for i in range(3)])
    gains = [c - o for c, o in zip(crossed, own, strict=True)]
    if positive:
        assert all(gain > 0.05 for gain in gains), gains
    else:
        assert gains == pytest.approx([0.0] * 3, abs=1e-6)


def test_likelihood_and_answers_do_not_depend_on_the_batch(tiny_model: Path) -> None:
    from lab_cli.evaluate.scores import score_items

    items = _items()
    alone = score_items(tiny_model, items, batch_size=1, system_prompt="Be brief.")["k"]
    together = score_items(tiny_model, items, batch_size=8, system_prompt="Be brief.")["k"]
    assert [i.answer for i in alone.items] == [i.answer for i in together.items]
    assert [i.cond_gain for i in alone.items] == pytest.approx([i.cond_gain for i in together.items], abs=1e-4)
    assert alone.by_origin["seed"].n == 3 and alone.system_prompt == "Be brief."


def _leaf(key: str, values: list[float]):
    from lab_cli.evaluate.scores import ItemScore, LeafScore

    items = tuple(ItemScore(str(i), "seed", "", value, value, value, value, None) for i, value in enumerate(values))
    return LeafScore(f"leaf/{key}", key, items)


def test_row_zero_gains_intervals_and_too_few_from_known_item_scores() -> None:
    from lab_cli.evaluate.matrix import scores_report

    start = {"a": _leaf("a", [0, 0, 0, 1]), "b": _leaf("b", [0, 0])}
    rows = [
        start,
        {"a": _leaf("a", [1, 1, 1, 1]), "b": _leaf("b", [0, 0])},  # step 1 learns leaf a
        {"a": _leaf("a", [1, 1, 0, 0]), "b": _leaf("b", [1, 1])},  # step 2 learns b, forgets half of a
    ]
    report = scores_report("exact_match", ["c1", "c2"], [["leaf/a"], ["leaf/b"]], rows, [["a"], ["b"]])
    assert report.base == [0.25, 0.0] and report.learned == [1.0, 1.0]
    assert report.gains == [0.75, 1.0] and report.mean_gain == 0.875
    assert report.bwt == -0.5 and report.acc == 0.75
    gains = {g.key: g for g in report.leaf_gains}
    assert (gains["a"].base, gains["a"].learned, gains["a"].final, gains["a"].gain) == (0.25, 1.0, 0.5, 0.75)
    assert not gains["a"].too_few and gains["b"].too_few  # 2 items: too few to judge
    low, high = report.intervals["bwt"]
    assert low < report.bwt < high  # leaf a's items disagree after step 2: the interval has width
    assert report.intervals["mean_gain"][0] < report.mean_gain <= report.intervals["mean_gain"][1]
    unchanged = scores_report("exact_match", ["c1"], [["leaf/b"]], [rows[0], rows[2]], [["b"]])
    assert unchanged.intervals["acc"] == (1.0, 1.0)  # every item agrees: no uncertainty to show
    half = {"a": _leaf("a", [1, 1, 0, 0]), "b": _leaf("b", [1, 1, 1])}
    kept = scores_report("exact_match", ["c1", "c2"], [["leaf/a"], ["leaf/b"]], [start, half, half], [["a"], ["b"]])
    assert kept.bwt == 0.0 and kept.intervals["bwt"] == (0.0, 0.0)  # paired: the same items in every row
