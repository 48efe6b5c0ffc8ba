"""The learning-rate schedule of a phase under the stopping rule: warm up, hold the peak rate until every new leaf
is learned, then decay linearly to zero over ``decay_epochs`` more epochs, and end the phase.

A cosine over the epoch cap leaves a phase that stops early at nearly its peak rate, its last steps still large.
On SmolLM2 (benchmarks/learning, controlled, seed 1, replay) phases stopped so gave held-out gains of 1.0, 0.75,
0.75 and 0.875 over four leaves, although each had answered its trained phrasings; with one decay epoch, 1.0, 1.0,
1.0 and 0.875 (train time 213 s → 355 s). Holding and then decaying is the warmup-stable-decay schedule (Hu et
al. 2024, arXiv 2404.06395), whose stable part may end at any step, which is what a stopping rule needs. If the
leaves are not learned in time, the decay starts anyway so that it ends at the cap.
"""

from __future__ import annotations

import math


class HoldThenDecay:
    """Learning-rate factor per optimizer step (for ``torch.optim.lr_scheduler.LambdaLR``).

    A callable object, not a function, so that the scheduler's state dict carries when the decay began: a
    resumed phase decays from where it was.
    """

    def __init__(self, epochs: int, decay_epochs: int) -> None:
        self.epochs = epochs
        self.decay_epochs = decay_epochs
        self.warmup_steps = 0
        self.decay_steps = 0
        self.latest_decay_start = 0
        self.decay_start: int | None = None  # optimizer step at which every new leaf was learned
        self.learned_epoch: int | None = None

    def plan(self, warmup_steps: int, total_steps: int) -> None:
        """Fit the schedule to the phase's optimizer steps (known once the trainer has its data loader)."""
        self.warmup_steps = warmup_steps
        self.decay_steps = math.ceil(total_steps / max(1, self.epochs)) * self.decay_epochs
        self.latest_decay_start = max(0, total_steps - self.decay_steps)  # so that the decay ends at the cap

    def __call__(self, step: int) -> float:
        warm = step / self.warmup_steps if step < self.warmup_steps else 1.0
        start = self.latest_decay_start if self.decay_start is None else min(self.decay_start, self.latest_decay_start)
        if step < start or self.decay_steps == 0:
            return warm
        return min(warm, max(0.0, 1.0 - (step - start) / self.decay_steps))

    def learned(self, step: int, epoch: int) -> None:
        """Every new leaf is learned after ``epoch`` (optimizer step ``step``): the decay begins (once)."""
        if self.decay_start is None:
            self.decay_start, self.learned_epoch = step, epoch

    def done(self, epoch: int) -> bool:
        """Whether the phase may end after ``epoch``: learned, and its decay epochs run."""
        return self.learned_epoch is not None and epoch >= self.learned_epoch + self.decay_epochs
