"""General drift on a tiny real model: KL(base ‖ checkpoint) is 0 for a model against itself and positive after
one real optimizer step, and greedy agreement is 1 for the same model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lab_cli.general.probes import probe_prompts


def one_training_step(model_folder: Path, out: Path, learning_rate: float = 1e-2) -> Path:
    """``model_folder`` after one AdamW step on a chat-formatted sentence, saved as a checkpoint in ``out``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_folder)
    model = AutoModelForCausalLM.from_pretrained(model_folder)
    model.train()
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is replay?"}, {"role": "assistant", "content": "Replay keeps facts."}],
        tokenize=False,
    )
    ids = torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]])
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    optimizer.step()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def test_kl_is_zero_against_itself_and_positive_after_a_training_step(tiny_model: Path, tmp_path: Path) -> None:
    from lab_cli.evaluate.drift import measure_drift

    prompts = probe_prompts(6)
    same = shutil.copytree(tiny_model, tmp_path / "same")  # loaded apart: two models, the same weights
    itself = measure_drift(tiny_model, same, prompts, "Be brief.", max_new_tokens=12, batch_size=4)
    assert itself.n == 6 and itself.kl == 0.0 and itself.agreement == 1.0
    assert itself.kl_interval == (0.0, 0.0)
    stepped = one_training_step(tiny_model, tmp_path / "stepped")
    moved = measure_drift(tiny_model, stepped, prompts, "Be brief.", max_new_tokens=12, batch_size=4)
    assert moved.n == 6 and moved.kl > 0.01 and moved.kl_interval[0] > 0.0
    assert 0.0 <= moved.agreement <= 1.0


def test_kl_is_the_forward_kl_on_the_bases_answer_tokens(tiny_model: Path, tmp_path: Path) -> None:
    import torch

    from lab_cli.evaluate.answers import load
    from lab_cli.evaluate.likelihood import answer_kl, encode_answers

    base, tokenizer = load(tiny_model)
    moved, _ = load(one_training_step(tiny_model, tmp_path / "stepped"))
    pairs = [(({"role": "user", "content": "Hi"},), "the sky is blue"), (({"role": "user", "content": "Why?"},), "")]
    batched = answer_kl(base, moved, tokenizer, pairs, batch_size=2)
    for (prompt_ids, answer_ids), value in zip(encode_answers(tokenizer, pairs), batched, strict=True):
        ids = torch.tensor([prompt_ids + answer_ids])
        with torch.no_grad():
            p = torch.log_softmax(base(input_ids=ids).logits[0, len(prompt_ids) - 1 : -1], dim=-1)
            q = torch.log_softmax(moved(input_ids=ids).logits[0, len(prompt_ids) - 1 : -1], dim=-1)
        expected = float((p.exp() * (p - q)).sum(dim=-1).mean())  # KL(base ‖ checkpoint), not the reverse
        assert value == pytest.approx(expected, rel=1e-4, abs=1e-7)
    reverse = answer_kl(moved, base, tokenizer, pairs, batch_size=2)
    assert reverse != pytest.approx(batched, rel=1e-3)
