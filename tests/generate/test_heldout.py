"""Human eval items and document samples: a fixed share of every leaf's seed pairs is held out (stable, never
shown to the teacher, never trained on), and a knowledge leaf's document samples come from its own chunks."""

from __future__ import annotations

import json

from lab_cli.datasets.snapshot import leaf_samples
from lab_cli.generate.heldout import held_out, held_out_count, teacher_examples
from lab_cli.gitrepo import GitRepo
from tests.generate.conftest import DOCUMENT
from tests.generate.test_incremental import run
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher

LEAF = "knowledge/history/lighthouses_0"


def test_a_share_of_seed_pairs_is_held_out_whatever_their_order() -> None:
    assert [held_out_count(n) for n in (1, 2, 5, 10, 15, 30)] == [0, 1, 2, 3, 3, 6]
    pairs = [(f"question {i}?", f"answer {i}.") for i in range(15)]
    chosen = held_out(pairs)
    assert len(chosen) == 3 and held_out(list(reversed(pairs))) == chosen


def test_the_teacher_sees_every_seed_example_but_the_held_out_pairs() -> None:
    data = {
        "seed_examples": [
            {
                "context": f"c{i}",
                "questions_and_answers": [{"question": f"q{i}.{k}", "answer": f"a{i}.{k}"} for k in range(3)],
            }
            for i in range(5)
        ]
    }
    hidden = held_out([(f"q{i}.{k}", f"a{i}.{k}") for i in range(5) for k in range(3)])
    shown = {
        (qa["question"], qa["answer"]) for e in teacher_examples("knowledge", data) for qa in e["questions_and_answers"]
    }
    assert len(shown) == 12 and not shown & hidden


def test_held_out_seeds_are_eval_items_the_teacher_never_saw(
    twenty_leaves: Repo, scripted_teacher: FakeTeacher
) -> None:
    report, _ = run(twenty_leaves, scripted_teacher)
    samples = leaf_samples(GitRepo(twenty_leaves.top), report.snapshot, LEAF)
    human_eval = [s for s in samples if s["metadata"]["origin"] == "seed" and s["metadata"]["split"] == "eval"]
    assert len(human_eval) == 3 and sum(s["metadata"]["origin"] == "seed" for s in samples) == 15
    asked = json.dumps(scripted_teacher.requests)
    trained = json.dumps([s["messages"] for s in samples if s["metadata"]["split"] == "train"])
    for item in human_eval:
        question, answer = item["messages"][0]["content"], item["messages"][-1]["content"]
        assert question not in asked and answer not in asked  # never a demonstration
        assert question not in trained  # nor in any training sample, document samples included


def test_document_samples_come_from_the_leaf_s_own_chunks(twenty_leaves: Repo, scripted_teacher: FakeTeacher) -> None:
    report, _ = run(twenty_leaves, scripted_teacher)
    samples = leaf_samples(GitRepo(twenty_leaves.top), report.snapshot, LEAF)
    documents = [s for s in samples if s["metadata"]["origin"] == "document"]
    recitals = [
        s for s in documents if len(s["messages"]) == 2 and "write out the passage" in s["messages"][0]["content"]
    ]
    grounded = [s for s in documents if s not in recitals]
    chunks = [s["messages"][1]["content"] for s in recitals]
    assert chunks and " ".join(" ".join(chunks).split()) == " ".join(DOCUMENT.split())  # every chunk, in order
    assert all(s["metadata"]["split"] == "train" for s in documents)
    generated_eval = {
        s["messages"][0]["content"]
        for s in samples
        if s["metadata"]["origin"] == "generated" and s["metadata"]["split"] == "eval"
    }
    for sample in grounded:
        index = sample["metadata"]["chunk"]
        assert sample["messages"][0]["content"].startswith(chunks[index])
        questions = [m["content"] for m in sample["messages"] if m["role"] == "user"]
        assert not set(questions) & generated_eval and len(questions) >= 1
    assert grounded
    assert report.results[-2].documents == len(documents)
