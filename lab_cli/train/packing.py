"""Padding-free batches: a micro batch's samples laid end to end in one row, positions restarting per sample.

transformers (5.x ``masking_utils.find_packed_sequence_indices``) reads position ids that restart at 0, when
no attention mask is passed, as packed sequences and builds a block-diagonal causal mask (sdpa, eager), or
passes them to flash-attention's varlen kernels: no token attends across samples, and nothing is padded.
The detection is skipped when a key-value cache exists, so batches ask for none (``use_cache=False``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab_cli.train.tokenize import IGNORE, Encoded


@dataclass
class PackingStats:
    """Tokens seen by the collator, the places of the rows it emitted, and what padding to the longest sample of
    each batch would have cost."""

    tokens: int = 0
    emitted_tokens: int = 0
    padded_tokens: int = 0
    rows: int = 0

    @property
    def non_pad_share(self) -> float:
        """The share of the emitted rows' places that hold a sample's token (1.0 before any batch)."""
        return self.tokens / self.emitted_tokens if self.emitted_tokens else 1.0

    @property
    def padded_non_pad_share(self) -> float:
        """The share of real tokens had the same batches been padded instead of packed."""
        return self.tokens / self.padded_tokens if self.padded_tokens else 1.0


class PackingCollator:
    """Collates ``Encoded`` samples into one packed row: ``input_ids``, ``labels``, ``position_ids``."""

    def __init__(self) -> None:
        self.stats = PackingStats()

    def __call__(self, features: Sequence[Encoded]) -> dict:
        """The packed batch of ``features``; its rows are counted as emitted (``stats``)."""
        batch = self.collate(features)
        self.stats.tokens += sum(len(item.input_ids) for item in features)
        self.stats.emitted_tokens += batch["input_ids"].numel()
        self.stats.padded_tokens += len(features) * max(len(item.input_ids) for item in features)
        self.stats.rows += batch["input_ids"].shape[0]
        return batch

    def collate(self, features: Sequence[Encoded]) -> dict:
        """The features laid end to end in one row."""
        import torch

        ids, labels, positions = [], [], []
        for item in features:
            ids.extend(item.input_ids)
            # the first token of a sample must not be predicted from the previous sample's last token
            labels.extend([IGNORE, *item.labels[1:]])
            positions.extend(range(len(item.input_ids)))
        as_row = lambda values: torch.tensor([values], dtype=torch.long)  # noqa: E731
        # a key-value cache turns packed-sequence detection off (masking_utils checks ``cache is None``)
        return {
            "input_ids": as_row(ids),
            "labels": as_row(labels),
            "position_ids": as_row(positions),
            "use_cache": False,
        }
