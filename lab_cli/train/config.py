"""Phase settings and the presets lab ships: what each phase trains with, and why each default is what it is.

Settings are pure data. ``lab train --settings FILE.json`` overlays a preset, e.g.::

    {"replay_ratio": 0.5, "phases": {"skills": {"epochs": 5, "learning_rate": 1e-5}}}
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from lab_cli.errors import UsageError
from lab_cli.prompts import DEFAULT_SYSTEM_PROMPT

PHASES = ("knowledge_short", "knowledge_long", "skills")


@dataclass(frozen=True)
class PhaseSettings:
    """How one phase trains."""

    # LAB trains each phase for a few epochs; more overfits a 100M+ model on small leaves. With ``stop_accuracy``
    # set, this is the cap: the phase ends earlier once its new leaves are learned
    epochs: int = 3
    learning_rate: float = 2e-5  # full fine-tuning of a pretrained model: larger rates wipe what it knew
    # Without the stopping rule: any transformers lr_scheduler_type; cosine decays smoothly to the end of the phase.
    # With it, the rate holds at its peak until the new leaves are learned, then decays (train/schedule.py)
    schedule: str = "cosine"
    # Adam's second moments are noise for the first steps; small rates there keep them harmless (at most half of a
    # phase's steps: trainer.warmup_steps)
    warmup_steps: int = 25
    batch_size: int = 32  # effective batch in samples (micro batch × accumulation × devices)
    micro_batch_size: int = 8  # samples per device per forward pass: bounds memory, not the optimisation
    max_length: int = 2048  # tokens per sample; longer samples are dropped and counted, never silently cut
    weight_decay: float = 0.0  # new facts live in a few weights; decay pulls them back toward zero
    adam_beta2: float = 0.98  # faster-adapting second moments: steadier for the short runs of a phase
    max_grad_norm: float = 1.0  # one odd batch (a long sample) must not undo the phase
    save_every_epoch: bool = True  # lets --resume continue inside a phase; costs a checkpoint write per epoch
    # The stopping rule: after each epoch (from ``min_epochs`` on) the model predicts every assistant token of the
    # phase's new training samples; once each new leaf's share of tokens predicted right (greedy, teacher-forced)
    # reaches this, the phase stops, so a hard leaf gets more epochs (up to ``epochs``) and an easy one fewer.
    # 0.95: a leaf at 0.95 answers its trained questions word for word; None trains exactly ``epochs``.
    stop_accuracy: float | None = 0.95
    min_epochs: int = 1
    # Epochs after the leaves are learned, the rate decaying linearly to 0 (then the phase ends): phases stopped at
    # their peak rate answered trained phrasings but missed held-out ones (train/schedule.py). 0 ends at once
    decay_epochs: int = 1


@dataclass(frozen=True)
class TrainSettings:
    """Settings for a whole ``lab train`` run."""

    phases: dict[str, PhaseSettings] = field(default_factory=lambda: {name: PhaseSettings() for name in PHASES})
    replay_ratio: float = 0.3  # share of each old leaf re-drawn every epoch: 30 % kept 99 % of old facts in the pilot
    replay_min_per_leaf: int = 4  # so a small old leaf is still seen every epoch
    # Each new leaf gives at least this many samples to every epoch of a phase (its own, drawn again with
    # replacement): a leaf of 12 seed pairs would otherwise be a few steps among hundreds of another leaf's
    leaf_floor: int = 32
    # Knowledge leaves' document samples (the chunk recited; the chunk with its Q/A turns): False trains on the
    # Q/A pairs alone (the learning benchmark's qa_only baseline)
    document_samples: bool = True
    # Put first in every training sample, recorded in the lineage, and used by lab eval and lab serve
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    seed: int = 0  # seeds the model's trainer and the replay draws
    # Rehearsal (general conversations: --replay-data, the starting model's own answers) per epoch of every
    # phase, as a share of the epoch's new samples, split evenly over the sources
    rehearsal_ratio: float = 0.25
    # The starting model's own answers to lab's rehearsal prompts (lab_cli.general), made once and cached: sampled
    # at temperature 1 they estimate its distribution, so their loss is the KL to it up to a constant; greedy
    # answers (temperature 0) sharpen the model away from it
    self_rehearsal: bool = True
    rehearsal_temperature: float = 1.0
    rehearsal_answers: int = 2  # sampled answers per prompt

    def as_dict(self) -> dict:
        """JSON form (recorded in the journal and the lineage)."""
        return dataclasses.asdict(self)


def _tiny() -> TrainSettings:
    # The pilot's settings for a ~1.5 M-parameter model learning made-up facts from scratch on a CPU:
    # lr 1e-3 learned 500 facts in ~20 epochs where 3e-3 and 1e-2 diverged; batch 32; 50 warm-up steps.
    # Fixed epochs (no stopping rule), no floor and no self rehearsal (a random model has no general ability to
    # keep): the forgetting benchmark's numbers were measured so.
    # 512 tokens: the test models' position limit; with a system prompt, a grounded skill's context took up to 400
    # tokens of their small-vocabulary tokenizer (256 dropped every one).
    phase = PhaseSettings(
        epochs=20,
        learning_rate=1e-3,
        warmup_steps=50,
        batch_size=32,
        micro_batch_size=32,
        max_length=512,
        stop_accuracy=None,
    )
    return TrainSettings(phases={name: phase for name in PHASES}, leaf_floor=0, self_rehearsal=False)


def _small() -> TrainSettings:
    # A ~100M-parameter pretrained model (the bundled SmolLM2-135M-Instruct) on a CPU, measured with
    # benchmarks/learning/run.py: at lr 2e-5 (the default preset) 5 epochs moved no held-out fact; 1e-4 learned
    # made-up facts within 6 epochs; 8 is the cap for a hard leaf, the stopping rule ends easy ones sooner.
    # Batch 8: a CPU makes ~80 tokens/s on this model, so a commit's few hundred samples still give tens of
    # optimizer steps; 5 warm-up steps (at most half a phase's steps anyway). No per-epoch checkpoints: a phase is
    # minutes here, and each save writes 1.6 GB of weights and optimizer state. 1024 tokens hold a document chunk.
    phase = PhaseSettings(
        epochs=8,
        learning_rate=1e-4,
        warmup_steps=5,
        batch_size=8,
        micro_batch_size=8,
        max_length=1024,
        save_every_epoch=False,
    )
    return TrainSettings(phases={name: phase for name in PHASES})


PRESETS = {"default": TrainSettings, "small": _small, "tiny": _tiny}
TOP_LEVEL = (
    "replay_ratio",
    "replay_min_per_leaf",
    "leaf_floor",
    "document_samples",
    "system_prompt",
    "seed",
    "rehearsal_ratio",
    "self_rehearsal",
    "rehearsal_temperature",
    "rehearsal_answers",
)


def preset_settings(preset: str = "default", overlay: dict | None = None, **every_phase: object) -> TrainSettings:
    """A preset, overlaid with a settings document, then with values that apply to every phase."""
    if preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    base = PRESETS[preset]()
    overlay = overlay or {}
    if not isinstance(overlay, dict):
        raise UsageError('settings must be a JSON object such as {"phases": {"skills": {"epochs": 5}}}')
    if not isinstance(overlay.get("phases", {}), dict) or not all(
        isinstance(phase, dict) for phase in overlay.get("phases", {}).values()
    ):
        raise UsageError('"phases" must map phase names to settings, e.g. {"skills": {"epochs": 5}}')
    unknown = set(overlay) - {"phases", *TOP_LEVEL}
    unknown |= set(overlay.get("phases", {})) - set(PHASES)
    if unknown:
        raise UsageError(f"unknown settings {sorted(unknown)}; see docs/training.md for the keys")
    phases = {}
    for name in PHASES:
        changes = {**overlay.get("phases", {}).get(name, {}), **{k: v for k, v in every_phase.items() if v is not None}}
        try:
            phases[name] = dataclasses.replace(base.phases[name], **changes)
        except TypeError as problem:
            raise UsageError(f"bad setting for phase {name}: {problem}") from problem
    top = {key: overlay[key] for key in TOP_LEVEL if key in overlay}
    return dataclasses.replace(base, phases=phases, **top)


def run_settings(
    preset: str,
    settings_file: Path | None,
    repo: Path,
    options: dict[str, object],
    every_phase: dict[str, object],
) -> TrainSettings:
    """The settings of one ``lab train`` run, each layer over the one before: the preset, the ``--settings``
    file, the taxonomy's system prompt (``.lab.toml``), the options given (None: not given)."""
    overlay = read_overlay(settings_file)
    layers = {"system_prompt": taxonomy_system_prompt(repo), **{k: v for k, v in options.items() if v is not None}}
    overlay.update({key: value for key, value in layers.items() if value is not None})
    return preset_settings(preset, overlay, **every_phase)


def read_overlay(path: Path | None) -> dict:
    """The settings document at ``path`` (JSON), or nothing."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as problem:
        raise UsageError(f"cannot read --settings {path}: {problem.strerror}; give a JSON settings file") from problem
    try:
        return json.loads(text)
    except ValueError as problem:
        raise UsageError(f"--settings {path} is not JSON ({problem}); see docs/training.md for the format") from problem


def taxonomy_system_prompt(repo: Path) -> str | None:
    """The system prompt the taxonomy repository around ``repo`` sets in ``.lab.toml``, if any."""
    from lab_cli.config import load_settings as load_repo_settings
    from lab_cli.gitrepo import GitRepo

    try:
        top = GitRepo.find(repo.resolve()).top
    except UsageError:  # not a repository: lab train says so itself, with its own advice
        return None
    return load_repo_settings(top).system_prompt
