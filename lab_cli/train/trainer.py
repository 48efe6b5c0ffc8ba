"""One phase on the Hugging Face Trainer: the epoch's mixture, packed batches, assistant-only loss, checkpoint.

The Trainer does the loop, mixed precision and distribution (``accelerate launch`` / ``torchrun`` with FSDP or
DeepSpeed configs run this same code on many GPUs; see docs/training.md). lab adds only what it must: a dataset
whose replay part is re-drawn at the start of every epoch, the packing collator, the system prompt in every
sample, and the stopping rule (a phase ends once its new leaves are learned on their own training samples).
Each phase checkpoint records which samples its batches held (``lab_seen.json``: sample id → times seen).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lab_cli.datasets.store import write_atomic_text
from lab_cli.errors import TrainError
from lab_cli.prompts import default_system_template, with_system_prompt
from lab_cli.train.config import PhaseSettings, TrainSettings
from lab_cli.train.learned import LearnedCheck
from lab_cli.train.mixing import EpochMixer, Example, PhasePlan
from lab_cli.train.packing import PackingCollator
from lab_cli.train.schedule import HoldThenDecay
from lab_cli.train.tokenize import Encoded, encode_all

SEEN = "lab_seen.json"


@dataclass(frozen=True)
class PhaseMetrics:
    """What a phase did, for the journal and the summary."""

    steps: int
    samples_per_epoch: int
    replay_per_epoch: int
    dropped_too_long: int
    train_loss: float
    seconds: float
    tokens_per_second: float
    non_pad_share: float
    padded_non_pad_share: float
    epochs_run: int = 0
    stopped_early: bool = False  # the stopping rule ended the phase before its epoch cap
    learned_after: int | None = None  # the epoch after which every new leaf was learned (then the rate decayed)
    final_learning_rate: float = 0.0  # the rate of the last optimizer step: near 0 once a schedule has decayed
    rehearsal_per_epoch: int = 0  # general conversations (rehearsal sources) in each epoch
    # each new leaf's share of assistant tokens predicted right on its own training samples, after each epoch this
    # process ran (a phase resumed from a checkpoint inside it lists the epochs since the resume)
    learned: list[dict[str, float]] = field(default_factory=list)


class MixtureDataset:
    """The samples of the current epoch, by index; ``set_epoch`` re-draws the replay part."""

    def __init__(self, mixer: EpochMixer, encodings: dict[int, Encoded]) -> None:
        self.mixer = mixer
        self.encodings = encodings
        self.epoch = -1
        self.current: list[Example] = []
        self.seen: Counter[str] = Counter()  # sample id → times handed to a batch
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        """Draw the mixture of ``epoch`` (nothing changes if it is the current one)."""
        if epoch != self.epoch:
            self.epoch, self.current = epoch, self.mixer.epoch(epoch)

    def __len__(self) -> int:
        return len(self.mixer)

    def __getitem__(self, index: int) -> Encoded:
        example = self.current[index]
        self.seen[example.sample_id or f"{example.leaf}#{id(example)}"] += 1
        return self.encodings[id(example)]


def _encode_plan(
    tokenizer, plan: PhasePlan, max_length: int, system_prompt: str = ""
) -> tuple[PhasePlan, dict[int, Encoded], int]:
    """The plan without samples too long to train on, every kept sample's encoding (the system prompt first),
    and how many were dropped."""
    examples = list(plan.new) + list(plan.replay) + list(plan.rehearsal)
    conversations = [with_system_prompt(example.messages, system_prompt) for example in examples]
    encoded, dropped = encode_all(tokenizer, conversations, max_length)
    keep = {id(e): item for e, item in zip(examples, encoded, strict=True) if item is not None}
    kept = replace(
        plan,
        new=tuple(e for e in plan.new if id(e) in keep),
        replay=tuple(e for e in plan.replay if id(e) in keep),
        rehearsal=tuple(e for e in plan.rehearsal if id(e) in keep),
    )
    if not kept.new:
        raise TrainError(f"every new sample of phase {plan.name} is longer than max_length {max_length} tokens")
    return kept, keep, dropped


def _callbacks(
    dataset: MixtureDataset,
    say_step: Callable[[int, int], None] | None,
    check: LearnedCheck | None,
    schedule: HoldThenDecay | None,
) -> list:
    from transformers import TrainerCallback

    class ReplayPerEpoch(TrainerCallback):
        def on_epoch_begin(self, args, state, control, **kwargs):
            dataset.set_epoch(int(state.epoch or 0))  # floor: a resumed run restarts inside its epoch

    class Progress(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if say_step is not None:
                say_step(state.global_step, state.max_steps)

    class StopWhenLearned(TrainerCallback):
        def on_epoch_end(self, args, state, control, model=None, **kwargs):
            if check is None or schedule is None:
                return
            epoch = round(state.epoch or 0)
            if check.after_epoch(model, epoch):
                schedule.learned(state.global_step, epoch)
            if schedule.done(epoch):
                control.should_training_stop = True

    return [ReplayPerEpoch(), Progress(), StopWhenLearned()]


def accumulation_steps(phase: PhaseSettings, devices: int) -> int:
    """Micro batches per optimizer step, so that micro batch × accumulation × devices is the effective batch."""
    return max(1, phase.batch_size // (phase.micro_batch_size * devices))


def warmup_steps(phase: PhaseSettings, samples_per_epoch: int, devices: int = 1) -> int:
    """The phase's warm-up: as configured, but at most half of its optimizer steps. An incremental phase is often a
    handful of steps; 25 warm-up steps there would keep the rate near 0 for all of them (the first step's rate is
    0), so the model would not change at all."""
    micro_batches = math.ceil(samples_per_epoch / (phase.micro_batch_size * devices))
    per_epoch = math.ceil(micro_batches / accumulation_steps(phase, devices))
    return min(phase.warmup_steps, per_epoch * phase.epochs // 2)


def training_arguments(phase: PhaseSettings, seed: int, output_dir: Path, samples_per_epoch: int | None = None):
    """The Trainer arguments of a phase (effective batch split into micro batches over the devices); given the
    samples per epoch, the warm-up is shortened to fit a short phase."""
    import torch
    from transformers import TrainingArguments

    devices = int(os.environ.get("WORLD_SIZE", "1"))
    warmup = phase.warmup_steps if samples_per_epoch is None else warmup_steps(phase, samples_per_epoch, devices)
    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=phase.epochs,
        learning_rate=phase.learning_rate,
        lr_scheduler_type=phase.schedule,
        warmup_steps=warmup,
        per_device_train_batch_size=phase.micro_batch_size,
        gradient_accumulation_steps=accumulation_steps(phase, devices),
        weight_decay=phase.weight_decay,
        adam_beta2=phase.adam_beta2,
        max_grad_norm=phase.max_grad_norm,
        bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),
        # without it, processes started by torchrun on CPUs each train alone (no gradient sync, no data sharding)
        use_cpu=devices > 1 and not torch.cuda.is_available(),
        save_strategy="epoch" if phase.save_every_epoch else "no",
        save_total_limit=1,
        logging_strategy="no",
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,  # the dataset is re-drawn in this process each epoch
        dataloader_pin_memory=torch.cuda.is_available(),
        remove_unused_columns=False,
        seed=seed,
    )


def run_phase(
    start: Path,
    plan: PhasePlan,
    settings: TrainSettings,
    checkpoint: Path,
    say_step: Callable[[int, int], None] | None = None,
) -> PhaseMetrics:
    """Train ``plan`` from the checkpoint ``start`` and save the result to ``checkpoint``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer
    from transformers.trainer_callback import PrinterCallback
    from transformers.trainer_utils import get_last_checkpoint
    from transformers.utils import logging

    logging.set_verbosity_error()  # lab reports progress itself; transformers' bars and notices would drown it
    logging.disable_progress_bar()

    phase = settings.phases[plan.name]
    tokenizer = AutoTokenizer.from_pretrained(start)
    plan, encodings, dropped = _encode_plan(tokenizer, plan, phase.max_length, settings.system_prompt)
    mixer = EpochMixer(
        plan,
        settings.replay_ratio,
        settings.replay_min_per_leaf,
        settings.seed,
        settings.leaf_floor,
        settings.rehearsal_ratio,
    )
    dataset = MixtureDataset(mixer, encodings)
    collator = PackingCollator()
    check = None
    if phase.stop_accuracy is not None:
        new = [(example.leaf, encodings[id(example)]) for example in plan.new]
        check = LearnedCheck(new, phase.stop_accuracy, phase.min_epochs, phase.micro_batch_size)
    work = checkpoint.with_name(checkpoint.name + ".trainer")
    model = AutoModelForCausalLM.from_pretrained(start)
    arguments = training_arguments(phase, settings.seed, work, len(mixer))
    schedule = HoldThenDecay(phase.epochs, phase.decay_epochs) if check is not None else None

    class PhaseTrainer(Trainer):
        def create_scheduler(self, num_training_steps, optimizer=None):
            if schedule is None or self.lr_scheduler is not None:
                return super().create_scheduler(num_training_steps, optimizer)
            from torch.optim.lr_scheduler import LambdaLR

            schedule.plan(arguments.get_warmup_steps(num_training_steps), num_training_steps)
            self.lr_scheduler = LambdaLR(optimizer or self.optimizer, schedule)
            return self.lr_scheduler

    trainer = PhaseTrainer(
        model=model,
        args=arguments,
        train_dataset=dataset,
        data_collator=collator,
        callbacks=_callbacks(dataset, say_step, check, schedule),
    )
    trainer.remove_callback(PrinterCallback)
    began = time.perf_counter()
    resume = get_last_checkpoint(str(work)) if work.is_dir() else None
    result = trainer.train(resume_from_checkpoint=resume)
    seconds = time.perf_counter() - began
    trainer.save_model(str(checkpoint))
    if trainer.is_world_process_zero():
        if tokenizer.chat_template:  # served or chatted with, the checkpoint asks as it was trained
            tokenizer.chat_template = default_system_template(tokenizer.chat_template, settings.system_prompt)
        tokenizer.save_pretrained(checkpoint)
        write_atomic_text(checkpoint / SEEN, json.dumps(dict(sorted(dataset.seen.items())), indent=0) + "\n")
        shutil.rmtree(work, ignore_errors=True)
    trainer.accelerator.wait_for_everyone()  # the next phase loads this checkpoint on every process
    return PhaseMetrics(
        steps=result.global_step,
        samples_per_epoch=len(mixer),
        replay_per_epoch=len(mixer) - mixer.new_per_epoch - mixer.rehearsal_per_epoch,
        dropped_too_long=dropped,
        train_loss=round(result.training_loss, 4),
        seconds=round(seconds, 2),
        tokens_per_second=round(collator.stats.tokens / seconds, 1) if seconds else 0.0,
        non_pad_share=round(collator.stats.non_pad_share, 3),
        padded_non_pad_share=round(collator.stats.padded_non_pad_share, 3),
        # from the trainer's state, not the check's history: a resumed phase's history starts at its resume
        epochs_run=round(trainer.state.epoch or 0),
        stopped_early=bool(check and round(trainer.state.epoch or 0) < phase.epochs),
        learned_after=schedule.learned_epoch if schedule else None,
        final_learning_rate=float(trainer.lr_scheduler.get_last_lr()[0]) if trainer.lr_scheduler else 0.0,
        learned=check.history if check else [],
        rehearsal_per_epoch=mixer.rehearsal_per_epoch,
    )
