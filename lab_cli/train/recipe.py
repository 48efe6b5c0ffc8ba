"""``lab train`` top to bottom: inputs → what is new → the three phases (journalled) → checkpoint + lineage."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from lab_cli.datasets.snapshot import read_manifest, snapshot_of
from lab_cli.errors import TrainError, UsageError
from lab_cli.gitrepo import GitRepo
from lab_cli.train.config import TrainSettings
from lab_cli.train.journal import Journal, PhaseRecord, start_or_resume, write_journal
from lab_cli.train.lineage import LINEAGE, Lineage, read_lineage, write_lineage
from lab_cli.train.mixing import PhasePlan, plan_phases, snapshot_examples
from lab_cli.train.rehearsal import RehearsalSource, SelfRehearsal, read_replay_data, self_rehearsal

Say = Callable[[str], None]


@dataclass(frozen=True)
class TrainRequest:
    """What ``lab train`` was asked to do."""

    repo: Path
    revision: str
    out: Path
    settings: TrainSettings
    model: str = "default"  # a base model folder or "default"; ignored when a parent is given
    parent: Path | None = None
    resume: bool = False
    replay_data: tuple[Path, ...] = ()  # users' general conversations to rehearse (InstructLab's messages format)
    keep_phases: bool = False  # keep OUT/phases/ (a full copy of the weights per phase) once the run completes


@dataclass(frozen=True)
class TrainResult:
    """The trained checkpoint, its lineage and the phases run."""

    checkpoint: Path
    lineage: Lineage
    phases: tuple[PhaseRecord, ...]

    def as_dict(self) -> dict:
        """JSON form of the summary."""
        return {
            "checkpoint": str(self.checkpoint),
            "phases": [asdict(p) for p in self.phases],
            "lineage": asdict(self.lineage),
        }


def _start(request: TrainRequest) -> tuple[Path, str, set[str]]:
    """The weights to start from, the base model they descend from, and the keys they were trained on."""
    if request.parent is None:
        from lab_cli.teacher.local_model import resolve_model

        base = resolve_model(request.model)
        return base, str(base.resolve()), set()
    lineage = read_lineage(request.parent)
    if lineage is None:
        raise UsageError(f"{request.parent} has no {LINEAGE}; pass a base model with --model instead of --parent")
    return request.parent, lineage.base_model, set(lineage.trained_keys)


def _self_rehearsal(taxonomy: Path, starting_model: Path, settings: TrainSettings, say: Say) -> RehearsalSource:
    """The starting model's answers to lab's rehearsal prompts, never to a probe prompt (shipped, the taxonomy's):
    drift is measured against the starting model, so rehearsing a parent's answers would carry its drift on."""
    from lab_cli.general.probes import probe_set, rehearsal_prompts

    prompts = rehearsal_prompts(excluding=probe_set(taxonomy))
    how = SelfRehearsal(settings.rehearsal_answers, settings.rehearsal_temperature)
    return self_rehearsal(starting_model, prompts, settings.system_prompt, how, say)


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


PHASES_FOLDER = "phases"
"""Where each phase's checkpoint goes inside ``--out``; pruned once the run completes unless ``keep_phases``."""
KEPT_RECORDS = ("lab_seen.json",)
"""What a pruned phase folder keeps: the record of which samples its batches held (a few KB), not its weights."""


def _publish(checkpoint: Path, out: Path, keep_phases: bool) -> None:
    """Put the last phase's checkpoint files into ``out``, the folder users load: moved when the phase folders
    are to be pruned (one copy of the weights on disk), copied when they are kept. File by file, so a run killed
    halfway publishes the rest on ``--resume``; a phase folder already pruned was published before."""
    if not (checkpoint / "config.json").is_file() and checkpoint.is_relative_to(out / PHASES_FOLDER):
        if not (out / "config.json").is_file():
            raise TrainError(f"{checkpoint} holds no model and {out} none either; train again into a new --out")
        return
    move = not keep_phases and checkpoint.is_relative_to(out / PHASES_FOLDER)  # never move a parent's files
    for path in checkpoint.iterdir():
        if path.is_file() and path.name != "config.json":
            (os.replace if move and path.name not in KEPT_RECORDS else shutil.copy2)(path, out / path.name)
    (os.replace if move else shutil.copy2)(checkpoint / "config.json", out / "config.json")  # last: published


def prune_phases(out: Path) -> None:
    """Remove the weights of a completed run's phase checkpoints (``out`` holds the final ones), keeping each
    phase's record of the samples it saw."""
    for phase in (out / PHASES_FOLDER).glob("*"):
        for path in phase.iterdir() if phase.is_dir() else ():
            if path.name not in KEPT_RECORDS:
                shutil.rmtree(path) if path.is_dir() else path.unlink()


def train(request: TrainRequest, say: Say = print, say_step: Callable[[int, int], None] | None = None) -> TrainResult:
    """Train a model of the snapshot at ``request.revision`` from its parent (or base) and record its lineage."""
    git = GitRepo.find(request.repo.resolve())
    snapshot = snapshot_of(git, request.revision)
    manifest = read_manifest(git, snapshot)
    start, base, trained = _start(request)
    examples = snapshot_examples(git, snapshot, documents=request.settings.document_samples)
    plans = plan_phases(examples, trained)
    if not any(plan.new for plan in plans):
        raise TrainError(
            f"nothing new to train: {start} was already trained on every generation key of {request.revision}"
        )
    sources = [read_replay_data(path) for path in request.replay_data]  # a bad line fails before anything trains
    if request.settings.self_rehearsal:
        sources.append(_self_rehearsal(git.top, Path(base) if Path(base).is_dir() else start, request.settings, say))
    rehearsal = tuple(example for source in sources for example in source.examples)
    plans = [replace(plan, rehearsal=rehearsal) for plan in plans]
    identity = {
        "base_model": base,
        "parent": str(request.parent.resolve()) if request.parent else None,
        "dataset_snapshot": snapshot,
        "settings": request.settings.as_dict(),
    }
    if sources:  # absent otherwise, so a run journalled before rehearsal existed still resumes
        identity["rehearsal"] = [source.record for source in sources]
    request.out.mkdir(parents=True, exist_ok=True)
    journal = start_or_resume(request.out, identity, request.resume)
    journal, final = _run_phases(request, plans, journal, start, say, say_step)
    keys = {leaf: entry.generation_key for leaf, entry in manifest.leaves.items()}
    lineage = Lineage(
        base_model=base,
        parent=identity["parent"],
        taxonomy_repo=str(git.top),
        taxonomy_commit=manifest.taxonomy_commit,
        dataset_snapshot=snapshot,
        trained_keys=tuple(sorted(trained | set(keys.values()))),
        new_keys={leaf: key for leaf, key in sorted(keys.items()) if key not in trained},
        phases=tuple(asdict(record) for record in journal.phases),
        settings=request.settings.as_dict(),
        system_prompt=request.settings.system_prompt,
        rehearsal=tuple(source.record for source in sources),
    )
    if _is_main_process():
        _publish(final, request.out, request.keep_phases)
        write_lineage(request.out, lineage)
        if not request.keep_phases:
            prune_phases(request.out)
    return TrainResult(request.out, lineage, journal.phases)


def _run_phases(
    request: TrainRequest,
    plans: list[PhasePlan],
    journal: Journal,
    current: Path,
    say: Say,
    say_step: Callable[[int, int], None] | None,
) -> tuple[Journal, Path]:
    """Run (or skip) each phase not finished in the journal, journalling each; the journal and last checkpoint."""
    from lab_cli.train.trainer import run_phase

    for number, plan in enumerate(plans, start=1):
        if (done := journal.finished(plan.name)) is not None:
            say(f"phase {number} {plan.name}: already {done.status} (resumed)")
            current = Path(done.checkpoint) if done.checkpoint else current
            continue
        if not plan.new:
            say(f"phase {number} {plan.name}: nothing new, skipped")
            record = PhaseRecord(plan.name, "skipped", None)
        else:
            say(f"phase {number} {plan.name}: {len(plan.new)} new samples, replay from {len(plan.replay)} old")
            checkpoint = request.out / PHASES_FOLDER / f"{number}-{plan.name}"
            metrics = run_phase(current, plan, request.settings, checkpoint, say_step)
            say(
                f"phase {number} {plan.name}: done in {metrics.seconds:.1f} s, loss {metrics.train_loss}, "
                f"{metrics.tokens_per_second:.0f} tokens/s, non-pad share {metrics.non_pad_share:.2f} "
                f"(padding would keep {metrics.padded_non_pad_share:.2f})"
            )
            if metrics.learned:
                worst = min(metrics.learned[-1].values())
                how = "epoch cap reached before every new leaf was learned"
                if metrics.learned_after is not None:
                    how = f"every new leaf learned after epoch {metrics.learned_after}"
                    how += ", then the rate decayed" if metrics.stopped_early else ", at the epoch cap"
                say(
                    f"phase {number} {plan.name}: {metrics.epochs_run} epochs ({how}; lowest leaf accuracy {worst:.3f})"
                )
            record = PhaseRecord(
                plan.name, "done", str(checkpoint), len(plan.new), metrics.replay_per_epoch, asdict(metrics)
            )
            current = checkpoint
        journal = journal.with_phase(record)
        if _is_main_process():
            write_journal(request.out, journal)
    return journal, current
