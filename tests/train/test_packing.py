"""Packed rows: no attention across samples (logits equal to each sample alone), labels never cross samples."""

from __future__ import annotations

from pathlib import Path

from lab_cli.train.packing import PackingCollator
from lab_cli.train.tokenize import IGNORE, encode

CONVERSATIONS = [
    [{"role": "user", "content": "What colour is the sky?"}, {"role": "assistant", "content": "The sky is blue."}],
    [{"role": "user", "content": "Seed examples?"}, {"role": "assistant", "content": "They teach the teacher."}],
    [{"role": "user", "content": "Fox"}, {"role": "assistant", "content": "The quick brown fox jumps over it."}],
]


def test_logits_inside_a_pack_equal_logits_alone(tiny_model: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation="sdpa").eval()
    samples = [encode(tokenizer, conversation) for conversation in CONVERSATIONS]
    batch = PackingCollator()(samples)
    assert "attention_mask" not in batch  # the packed mask comes from the restarting position ids
    with torch.no_grad():
        packed = model(**batch).logits[0]
        offset = 0
        for sample in samples:
            alone = model(input_ids=torch.tensor([sample.input_ids])).logits[0]
            inside = packed[offset : offset + len(sample.input_ids)]
            assert torch.allclose(alone, inside, atol=1e-5), "a packed sample saw tokens of another sample"
            offset += len(sample.input_ids)
        unpacked = model(input_ids=batch["input_ids"], use_cache=False).logits[0]  # plain causal attention
    later = slice(len(samples[0].input_ids), None)
    assert not torch.allclose(unpacked[later], packed[later], atol=1e-3), "the check above could not tell leakage"


def test_collator_concatenates_and_masks_each_samples_first_token(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    samples = [encode(tokenizer, conversation) for conversation in CONVERSATIONS]
    collator = PackingCollator()
    batch = collator(samples)
    lengths = [len(s.input_ids) for s in samples]
    assert batch["input_ids"].shape == (1, sum(lengths))
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    positions = batch["position_ids"][0].tolist()
    assert [positions[s] for s in starts] == [0, 0, 0] and positions[starts[1] - 1] == lengths[0] - 1
    assert all(batch["labels"][0, s].item() == IGNORE for s in starts)
    assert batch["input_ids"][0].tolist() == [t for s in samples for t in s.input_ids]
    assert collator.stats.tokens == sum(lengths)
    assert collator.stats.padded_non_pad_share == sum(lengths) / (3 * max(lengths)) < 1.0


def test_the_non_pad_share_is_counted_from_the_rows_emitted() -> None:
    import torch

    from lab_cli.train.tokenize import Encoded

    class PaddingCollator(PackingCollator):
        """A collator that (wrongly) pads each row to a multiple of 8: what a change that starts padding does."""

        def collate(self, features):
            batch = super().collate(features)
            width = -batch["input_ids"].shape[1] % 8
            return {
                key: torch.nn.functional.pad(value, (0, width)) if key != "use_cache" else value
                for key, value in batch.items()
            }

    samples = [Encoded([1, 2, 3], [1, 2, 3]), Encoded([4, 5], [4, 5])]
    packed, padded = PackingCollator(), PaddingCollator()
    for collator in (packed, padded):
        collator(samples)
        collator(samples[:1])
    assert (packed.stats.tokens, packed.stats.emitted_tokens, packed.stats.non_pad_share) == (8, 8, 1.0)
    assert (padded.stats.tokens, padded.stats.emitted_tokens, padded.stats.non_pad_share) == (8, 16, 0.5)
