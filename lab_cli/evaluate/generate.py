"""Greedy answers from a checkpoint, in batches, with the prompt rendered by the model's chat template."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path


def load(checkpoint: Path):
    """The model (eval mode) and tokenizer of a checkpoint, the tokenizer padding on the left for generation."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    tokenizer.padding_side = "left"  # generated tokens must follow every prompt directly
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(checkpoint)
    model.eval()
    return model, tokenizer


def greedy_answers(
    model,
    tokenizer,
    prompts: Sequence[Sequence[dict]],
    batch_size: int = 32,
    max_new_tokens: int | Sequence[int] = 64,
    advance: Callable[[int], None] = lambda _: None,
) -> list[str]:
    """The greedy continuation of each conversation prompt (up to the end-of-turn token), at most
    ``max_new_tokens`` long (one budget for all, or one per prompt: each answer is cut to its own, so what a
    prompt gets does not depend on what it is batched with)."""
    import torch

    budgets = [max_new_tokens] * len(prompts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
    answers: list[str] = []
    for start in range(0, len(prompts), batch_size):
        batch, limits = prompts[start : start + batch_size], budgets[start : start + batch_size]
        texts = [tokenizer.apply_chat_template(list(p), tokenize=False, add_generation_prompt=True) for p in batch]
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.no_grad():
            output = model.generate(
                **inputs,
                do_sample=False,
                max_new_tokens=max(limits),
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        cut = [row[:limit] for row, limit in zip(new_tokens, limits, strict=True)]
        answers.extend(text.strip() for text in tokenizer.batch_decode(cut, skip_special_tokens=True))
        advance(len(batch))
    return answers
