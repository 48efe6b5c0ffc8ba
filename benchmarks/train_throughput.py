"""Training throughput on CPU: lab's phase trainer against a plain Hugging Face Trainer on the same packed data.

    python benchmarks/train_throughput.py [--epochs 3] [--repeats 3] [--threads 2]

Both train the forgetting benchmark's tiny model (2 layers, width 128) on the same tokenized samples with the
same arguments; the plain run packs with transformers' own ``DataCollatorWithFlattening``. lab runs twice:
as it ships (a checkpoint each epoch, so --resume can continue inside a phase) and without those saves.
Prints tokens/s of each (median of the repeats, runs interleaved) and the ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks" / "forgetting")]

from tasks import corpus, suite  # noqa: E402

from lab_cli.train.config import preset_settings  # noqa: E402
from lab_cli.train.mixing import Example, PhasePlan  # noqa: E402


def examples() -> list[Example]:
    """Every training question of the forgetting suite as knowledge samples."""
    leaves = {leaf: qas for commit in suite() for leaf, qas in commit.items()}
    return [
        Example(
            leaf,
            "knowledge",
            "short",
            leaf,
            ({"role": "user", "content": qa.question}, {"role": "assistant", "content": qa.answer}),
        )
        for leaf, qas in leaves.items()
        for qa in qas
        if qa.split == "train"
    ]


def lab_run(model: Path, plan: PhasePlan, settings, work: Path) -> float:
    """Tokens per second of lab's phase trainer."""
    from lab_cli.train.trainer import run_phase

    metrics = run_phase(model, plan, settings, work / f"lab-{time.monotonic_ns()}")
    return metrics.tokens_per_second


def plain_run(model_dir: Path, plan: PhasePlan, settings, work: Path) -> float:
    """Tokens per second of a plain Trainer with DataCollatorWithFlattening on the same encodings."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorWithFlattening, Trainer

    from lab_cli.train.tokenize import encode_all
    from lab_cli.train.trainer import training_arguments

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    phase = dataclasses.replace(settings.phases["knowledge_short"], save_every_epoch=False)
    encoded, _ = encode_all(tokenizer, [e.messages for e in plan.new], phase.max_length)
    dataset = [{"input_ids": e.input_ids, "labels": e.labels} for e in encoded if e is not None]
    trainer = Trainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir),
        args=training_arguments(phase, settings.seed, work / f"plain-{time.monotonic_ns()}"),
        train_dataset=dataset,
        data_collator=DataCollatorWithFlattening(),
    )
    began = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - began
    return sum(len(row["input_ids"]) for row in dataset) * phase.epochs / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch
    from transformers.utils import logging

    from tests.helpers.tiny_model import build_tiny_model

    torch.set_num_threads(args.threads)
    logging.set_verbosity_error()
    work = Path(tempfile.mkdtemp(prefix="throughput-"))
    model = build_tiny_model(work / "model", vocab_size=1000, hidden=128, layers=2, corpus=corpus(suite()))
    plan = PhasePlan("knowledge_short", tuple(examples()), ())
    shipped = preset_settings("tiny", epochs=args.epochs)
    unsaved = preset_settings("tiny", {"phases": {"knowledge_short": {"save_every_epoch": False}}}, epochs=args.epochs)
    runs = {"plain HF Trainer": [], "lab (no epoch saves)": [], "lab (as shipped)": []}
    for _ in range(args.repeats):
        runs["plain HF Trainer"].append(plain_run(model, plan, shipped, work))
        runs["lab (no epoch saves)"].append(lab_run(model, plan, unsaved, work))
        runs["lab (as shipped)"].append(lab_run(model, plan, shipped, work))
    medians = {name: statistics.median(values) for name, values in runs.items()}
    print(f"{len(plan.new)} samples × {args.epochs} epochs, {args.threads} threads, median of {args.repeats}")
    for name, value in medians.items():
        ratio = value / medians["plain HF Trainer"]
        print(f"  {name:22} {value:9.0f} tokens/s  ratio {ratio:.3f}  runs {[round(v) for v in runs[name]]}")


if __name__ == "__main__":
    main()
