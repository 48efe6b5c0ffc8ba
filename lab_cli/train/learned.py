"""The stopping rule of a phase: are its new leaves learned on their own training samples?

After an epoch, the model reads each new training sample once (teacher-forced, no gradient) and predicts every
assistant token greedily; a leaf's accuracy is the share of its assistant tokens predicted right. When every
new leaf reaches the threshold (and ``min_epochs`` have run), the leaves are learned: the phase's rate then
decays over its last epochs (train/schedule.py) and the phase ends. A forward pass over the distinct
new samples costs about a third of one training pass over them.
"""

from __future__ import annotations

from collections import defaultdict

from lab_cli.train.packing import PackingCollator
from lab_cli.train.tokenize import IGNORE, Encoded


def token_accuracy(model, items: list[tuple[str, Encoded]], micro_batch_size: int) -> dict[str, float]:
    """Per leaf, the share of assistant tokens that ``model`` predicts right (argmax of the previous position)."""
    import torch

    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    collate = PackingCollator()
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(items), micro_batch_size):
                batch = items[start : start + micro_batch_size]
                row = collate([encoded for _, encoded in batch])
                row = {k: v.to(model.device) if hasattr(v, "to") else v for k, v in row.items()}
                labels = row.pop("labels")[0]
                predicted = model(**row).logits[0].argmax(-1)
                hits = (predicted[:-1] == labels[1:]) & (labels[1:] != IGNORE)
                offset = 0
                for leaf, encoded in batch:
                    span = slice(offset, offset + len(encoded.input_ids) - 1)
                    right[leaf] += int(hits[span].sum())
                    total[leaf] += int((labels[1:][span] != IGNORE).sum())
                    offset += len(encoded.input_ids)
    finally:
        model.train(was_training)
    return {leaf: round(right[leaf] / total[leaf], 4) if total[leaf] else 1.0 for leaf in sorted(total)}


class LearnedCheck:
    """Measures the new leaves after each epoch and says when they are learned."""

    def __init__(
        self, items: list[tuple[str, Encoded]], threshold: float, min_epochs: int, micro_batch_size: int
    ) -> None:
        self.items = items
        self.threshold = threshold
        self.min_epochs = min_epochs
        self.micro_batch_size = micro_batch_size
        self.history: list[dict[str, float]] = []

    def after_epoch(self, model, epoch: int) -> bool:
        """Record each new leaf's accuracy after ``epoch`` (counted from 1); whether every leaf is learned."""
        accuracy = token_accuracy(model, self.items, self.micro_batch_size)
        self.history.append(accuracy)
        return epoch >= self.min_epochs and all(value >= self.threshold for value in accuracy.values())
