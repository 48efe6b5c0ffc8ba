"""Teacher-forced likelihood of a reference answer after a prompt, and the conditional likelihood gain: how much
a question, not the answer's own wording, makes its answer likely."""

from __future__ import annotations

from collections.abc import Sequence


def answer_nll(model, tokenizer, pairs: Sequence[tuple[Sequence[dict], str]], batch_size: int = 16) -> list[float]:
    """Mean negative log-likelihood per token (nats) of each answer after its conversation prompt, the prompt
    rendered by the model's chat template with the generation prompt, as the model answers it."""
    import torch

    encoded = []
    for prompt, answer in pairs:
        text = tokenizer.apply_chat_template(list(prompt), tokenize=False, add_generation_prompt=True)
        prompt_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"] or [tokenizer.eos_token_id]
        encoded.append((prompt_ids, answer_ids))
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]) + len(encoded[i][1]))
    result = [0.0] * len(encoded)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        width = max(len(encoded[i][0]) + len(encoded[i][1]) for i in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        for row, index in enumerate(batch):  # right padding: positions, hence scores, match an unbatched run
            prompt_ids, answer_ids = encoded[index]
            sequence = prompt_ids + answer_ids
            ids[row, : len(sequence)] = torch.tensor(sequence)
            mask[row, : len(sequence)] = 1
            labels[row, len(prompt_ids) : len(sequence)] = torch.tensor(answer_ids)
        with torch.no_grad():
            logits = model(input_ids=ids.to(model.device), attention_mask=mask.to(model.device)).logits.float()
        targets = labels[:, 1:].to(logits.device)
        losses = torch.nn.functional.cross_entropy(
            logits[:, :-1].transpose(1, 2), targets.clamp(min=0), reduction="none"
        )
        counted = targets != -100
        per_row = (losses * counted).sum(dim=1) / counted.sum(dim=1)
        for row, index in enumerate(batch):
            result[index] = float(per_row[row])
    return result


def partners(groups: Sequence[Sequence[int]]) -> dict[int, int]:
    """For each item, a different item of its group to borrow the question from (the next one, cyclically);
    items alone in their group have none."""
    chosen = {}
    for group in groups:
        if len(group) < 2:
            continue
        for position, item in enumerate(group):
            chosen[item] = group[(position + 1) % len(group)]
    return chosen
