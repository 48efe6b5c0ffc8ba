"""``lab train`` and ``lab model log``: phased incremental training with replay, and a checkpoint's lineage."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from lab_cli.cli.options import REPO, REPORT_FORMAT
from lab_cli.output import ReportFormat

EPILOG = """Examples:

  lab train --data HEAD --out models/c1                       # from the bundled default model

  lab train --parent models/c1 --data HEAD --out models/c2    # only what is new since models/c1, with replay

  lab train --parent models/c1 --out models/c2 --resume       # continue a killed run at its last finished phase

  lab train --model ./base --preset tiny --epochs 20 --settings phases.json

Phases: 1 knowledge short, 2 knowledge long, 3 skills; one with nothing new is skipped.
Disk: once the run completes OUT holds one copy of the weights (the phase checkpoints in OUT/phases/ keep
only their lab_seen.json; --keep-phases keeps them whole). A killed run keeps its finished phases: --resume.
Multi-GPU: accelerate launch -m lab_cli train ... (see docs/training.md for FSDP and DeepSpeed configs)."""


def train(
    data: Annotated[str, typer.Option("--data", help="Taxonomy commit (or snapshot) to train on.")] = "HEAD",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the checkpoint, phases and journal.")] = Path(
        "model"
    ),
    model: Annotated[str, typer.Option("--model", help="Base model folder, or 'default'.")] = "default",
    parent: Annotated[Path | None, typer.Option("--parent", help="A checkpoint lab trained; train what's new.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out.")] = False,
    preset: Annotated[str, typer.Option("--preset", help="default (pretrained models) or tiny.")] = "default",
    settings_file: Annotated[Path | None, typer.Option("--settings", help="JSON overlay of the preset.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Epochs of every phase.")] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Peak learning rate of every phase.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Effective batch (samples) of every phase.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Longest sample in tokens.")] = None,
    replay_ratio: Annotated[float | None, typer.Option(help="Share of each old leaf replayed per epoch.")] = None,
    replay_min_per_leaf: Annotated[int | None, typer.Option(help="Least samples per old leaf per epoch.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of training and replay draws.")] = None,
    leaf_floor: Annotated[int | None, typer.Option(help="Least samples per new leaf per epoch.")] = None,
    replay_data: Annotated[
        list[Path] | None,
        typer.Option("--replay-data", help="General conversations to rehearse (JSON lines, messages format)."),
    ] = None,
    rehearsal_ratio: Annotated[
        float | None, typer.Option(help="Rehearsal samples per epoch, as a share of its new samples.")
    ] = None,
    self_rehearsal: Annotated[
        bool | None,
        typer.Option("--self-rehearsal/--no-self-rehearsal", help="Rehearse the starting model's own answers."),
    ] = None,
    rehearsal_temperature: Annotated[
        float | None, typer.Option(help="Temperature of the self-rehearsal answers (0: greedy).")
    ] = None,
    document_samples: Annotated[
        bool | None, typer.Option("--document-samples/--no-document-samples", help="Train on document samples.")
    ] = None,
    system_prompt: Annotated[
        str | None, typer.Option(help="System prompt of every sample (default: .lab.toml's, else lab's).")
    ] = None,
    keep_phases: Annotated[
        bool,
        typer.Option(
            "--keep-phases", help="Keep each phase's checkpoint in OUT/phases/ (a full copy of the weights each)."
        ),
    ] = False,
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Train a model of a taxonomy commit: new samples since the parent, replaying old ones per leaf."""
    from lab_cli.output.progress import progress_to, wanted
    from lab_cli.train.config import run_settings
    from lab_cli.train.recipe import TrainRequest
    from lab_cli.train.recipe import train as run

    options = {
        "replay_ratio": replay_ratio,
        "replay_min_per_leaf": replay_min_per_leaf,
        "seed": seed,
        "leaf_floor": leaf_floor,
        "rehearsal_ratio": rehearsal_ratio,
        "self_rehearsal": self_rehearsal,
        "rehearsal_temperature": rehearsal_temperature,
        "document_samples": document_samples,
        "system_prompt": system_prompt,
    }
    every_phase = {"epochs": epochs, "learning_rate": lr, "batch_size": batch_size, "max_length": max_length}
    settings = run_settings(preset, settings_file, repo_path, options, every_phase)
    request = TrainRequest(repo_path, data, out, settings, model, parent, resume, tuple(replay_data or ()), keep_phases)
    say = (lambda text: print(text, file=sys.stderr)) if output_format == "json" else print
    with progress_to("training steps", wanted(), transient=False, eta=True) as say_step:
        result = run(request, say, say_step)
    if output_format == "json":
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(
            f"checkpoint {result.checkpoint} ({len(result.lineage.new_keys)} new leaves, lineage in lab_lineage.json)"
        )
    return 0
