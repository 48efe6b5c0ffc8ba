"""lm-evaluation-harness on a tiny real model, offline: a multiple-choice task the test writes, scored through
``lab eval --lm-eval`` and recorded in the checkpoint's lineage; its accuracy is the one lab's own
log-likelihoods give, so the harness ran on this checkpoint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lab_cli.train.lineage import Lineage, read_lineage, write_lineage

pytest.importorskip("lm_eval", reason="the lmeval extra (lm-evaluation-harness) is not installed")

QUESTIONS = [
    ("What colour is the sky?", ["blue", "green", "red"], 0),
    ("What does the fox jump over?", ["the moon", "the lazy dog", "a fence"], 1),
    ("What grows leaf by leaf?", ["a tree", "a river", "knowledge"], 2),
    ("What keeps old facts alive?", ["replay", "sleep", "noise"], 0),
    ("What do seed examples teach?", ["the teacher", "the dog", "the sky"], 0),
    ("How quick is the fox?", ["slow", "quick", "lazy"], 1),
    ("What is lazy?", ["the fox", "the sky", "the dog"], 2),
    ("What is in a taxonomy?", ["skills and facts", "foxes", "colours"], 0),
    ("Which is brown?", ["the sky", "the fox", "the answer"], 1),
    ("What does replay keep?", ["dogs", "skies", "old facts"], 2),
    ("Who writes from seed examples?", ["the teacher", "the fox", "nobody"], 0),
    ("What jumps?", ["the dog", "the fox", "the leaf"], 1),
]


def write_task(folder: Path) -> Path:
    """A local multiple-choice lm-eval task over ``QUESTIONS`` (``dataset_path: json``, local data file)."""
    folder.mkdir(parents=True, exist_ok=True)
    items = folder / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"question": q, "choices": c, "answer": a}) + "\n" for q, c, a in QUESTIONS), "utf-8"
    )
    (folder / "tiny_mc.yaml").write_text(
        "task: tiny_mc\n"
        "dataset_path: json\n"
        f"dataset_kwargs:\n  data_files:\n    test: {items}\n"
        "test_split: test\n"
        "output_type: multiple_choice\n"
        'doc_to_text: "Question: {{question}}\\nAnswer:"\n'
        'doc_to_choice: "{{choices}}"\n'
        "doc_to_target: answer\n"
        "metric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n",
        "utf-8",
    )
    return folder


def own_accuracy(checkpoint: Path) -> float:
    """The task's accuracy from lab's own forward passes: the choice whose tokens after the context are most
    likely (the context encoded alone, the choice as the rest of the encoded whole, as the harness does)."""
    import torch

    from lab_cli.evaluate.answers import load

    model, tokenizer = load(checkpoint)
    right = 0
    for question, choices, answer in QUESTIONS:
        context = f"Question: {question}\nAnswer:"
        context_ids = tokenizer(context, add_special_tokens=False)["input_ids"]
        scores = []
        for choice in choices:
            whole = tokenizer(f"{context} {choice}", add_special_tokens=False)["input_ids"]
            with torch.no_grad():
                logits = model(torch.tensor([whole])).logits[0].log_softmax(-1)
            scores.append(sum(logits[i - 1, whole[i]].item() for i in range(len(context_ids), len(whole))))
        right += int(max(range(len(choices)), key=scores.__getitem__) == answer)
    return right / len(QUESTIONS)


def lab_checkpoint(tiny_model: Path, out: Path) -> Path:
    """A copy of the tiny model with a lineage, as lab train leaves one."""
    folder = shutil.copytree(tiny_model, out)
    write_lineage(folder, Lineage(str(tiny_model), None, str(out.parent), "0" * 40, "0" * 40, (), {}, (), {}))
    return folder


def offline_lab(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lab_cli", *args], capture_output=True, text=True, timeout=600, env=environment
    )


def test_an_lm_eval_task_runs_offline_on_a_checkpoint_and_lands_in_its_lineage(
    tiny_model: Path, tmp_path: Path
) -> None:
    checkpoint = lab_checkpoint(tiny_model, tmp_path / "c1")
    tasks = write_task(tmp_path / "tasks")
    found = offline_lab("eval", "--model", str(checkpoint), "--lm-eval", "tiny_mc", "--include-path", str(tasks),
                        "--format", "json")  # fmt: skip
    assert found.returncode == 0, found.stderr[-3000:]
    report = json.loads(found.stdout)
    (score,) = report["scores"]
    assert score["task"] == "tiny_mc" and score["n"] == len(QUESTIONS)
    assert score["metrics"]["acc"] == pytest.approx(own_accuracy(checkpoint))
    assert 0.0 < score["stderr"]["acc"] < 0.5
    assert report["recorded_in_lineage"] is True
    recorded = read_lineage(checkpoint).benchmarks["tiny_mc"]
    assert recorded["metrics"] == score["metrics"] and recorded["lm_eval_version"].startswith("0.4")
    log = offline_lab("model", "log", str(checkpoint))
    assert log.returncode == 0 and f"lm-eval tiny_mc (n {len(QUESTIONS)}): acc " in log.stdout


def test_an_unknown_task_or_folder_is_one_clear_line_before_any_model_loads(tiny_model: Path, tmp_path: Path) -> None:
    tasks = write_task(tmp_path / "tasks")
    typo = offline_lab("eval", "--model", str(tiny_model), "--lm-eval", "tiny_mcc", "--include-path", str(tasks))
    assert typo.returncode == 2 and "Traceback" not in typo.stderr
    assert "no task 'tiny_mcc'" in typo.stderr and "did you mean tiny_mc" in typo.stderr
    missing = offline_lab("eval", "--model", str(tiny_model), "--lm-eval", "tiny_mc", "--include-path", "/nonexistent")
    assert missing.returncode == 2 and "no such folder of task definitions" in missing.stderr
