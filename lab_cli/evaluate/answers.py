"""Answers from a checkpoint, greedy or sampled, in batches, with the prompt rendered by the model's chat template."""

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
    found = _continuations(model, tokenizer, prompts, batch_size, max_new_tokens, advance, do_sample=False)
    return [text for text, _ in found]


def answers_with_ends(
    model,
    tokenizer,
    prompts: Sequence[Sequence[dict]],
    temperature: float = 0.0,
    seed: int = 0,
    batch_size: int = 32,
    max_new_tokens: int = 128,
) -> list[tuple[str, bool]]:
    """One answer to each conversation prompt, greedy at ``temperature`` 0, else sampled from the model's own
    distribution at that temperature (no top-k or top-p cut), with whether it ended within ``max_new_tokens``."""
    import torch

    torch.manual_seed(seed)
    options = {"temperature": temperature, "top_k": 0, "top_p": 1.0} if temperature > 0 else {}
    return _continuations(
        model, tokenizer, prompts, batch_size, max_new_tokens, lambda _: None, do_sample=temperature > 0, **options
    )


def _continuations(
    model,
    tokenizer,
    prompts: Sequence[Sequence[dict]],
    batch_size: int,
    max_new_tokens: int | Sequence[int],
    advance: Callable[[int], None],
    **options,
) -> list[tuple[str, bool]]:
    """Each prompt's continuation and whether it ended (an end-of-turn token within its budget)."""
    import torch

    budgets = [max_new_tokens] * len(prompts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
    found: list[tuple[str, bool]] = []
    for start in range(0, len(prompts), batch_size):
        batch, limits = prompts[start : start + batch_size], budgets[start : start + batch_size]
        texts = [tokenizer.apply_chat_template(list(p), tokenize=False, add_generation_prompt=True) for p in batch]
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.no_grad():
            output = model.generate(
                **inputs,
                **options,
                max_new_tokens=max(limits),
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        for row, limit in zip(new_tokens, limits, strict=True):
            cut = row[:limit]
            ended = bool((cut == tokenizer.eos_token_id).any())
            found.append((tokenizer.decode(cut, skip_special_tokens=True).strip(), ended))
        advance(len(batch))
    return found
