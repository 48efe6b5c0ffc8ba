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

PHASES = ("knowledge_short", "knowledge_long", "skills")


@dataclass(frozen=True)
class PhaseSettings:
    """How one phase trains."""

    epochs: int = 3  # LAB trains each phase for a few epochs; more overfits a 100M+ model on small leaves
    learning_rate: float = 2e-5  # full fine-tuning of a pretrained model: larger rates wipe what it knew
    schedule: str = "cosine"  # any transformers lr_scheduler_type; cosine decays smoothly to the end of the phase
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


@dataclass(frozen=True)
class TrainSettings:
    """Settings for a whole ``lab train`` run."""

    phases: dict[str, PhaseSettings] = field(default_factory=lambda: {name: PhaseSettings() for name in PHASES})
    replay_ratio: float = 0.3  # share of each old leaf re-drawn every epoch: 30 % kept 99 % of old facts in the pilot
    replay_min_per_leaf: int = 4  # so a small old leaf is still seen every epoch
    seed: int = 0  # seeds the model's trainer and the replay draws

    def as_dict(self) -> dict:
        """JSON form (recorded in the journal and the lineage)."""
        return dataclasses.asdict(self)


def _tiny() -> TrainSettings:
    # The pilot's settings for a ~1.5 M-parameter model learning made-up facts from scratch on a CPU:
    # lr 1e-3 learned 500 facts in ~20 epochs where 3e-3 and 1e-2 diverged; batch 32; 50 warm-up steps.
    phase = PhaseSettings(
        epochs=20, learning_rate=1e-3, warmup_steps=50, batch_size=32, micro_batch_size=32, max_length=256
    )
    return TrainSettings(phases={name: phase for name in PHASES})


PRESETS = {"default": TrainSettings, "tiny": _tiny}


def load_settings(preset: str = "default", overlay: dict | None = None, **every_phase: object) -> TrainSettings:
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
    unknown = set(overlay) - {"phases", "replay_ratio", "replay_min_per_leaf", "seed"}
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
    top = {key: overlay[key] for key in ("replay_ratio", "replay_min_per_leaf", "seed") if key in overlay}
    return dataclasses.replace(base, phases=phases, **top)


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
