"""Teacher-forced likelihood of a reference answer after a prompt, the conditional likelihood gain (how much a
question, not the answer's own wording, makes its answer likely), and the per-token KL between two models on the
same answers (general drift). One encoding and batching serves all of them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lab_cli.errors import LabError

Pairs = Sequence[tuple[Sequence[dict], str]]


def encode_answers(tokenizer, pairs: Pairs) -> list[tuple[list[int], list[int]]]:
    """Each pair as (prompt token ids, answer token ids): the conversation rendered by the model's chat template
    with the generation prompt, as the model answers it, then the answer's own tokens (the end token for an empty
    answer)."""
    encoded = []
    for prompt, answer in pairs:
        text = tokenizer.apply_chat_template(list(prompt), tokenize=False, add_generation_prompt=True)
        prompt_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"] or [tokenizer.eos_token_id]
        encoded.append((prompt_ids, answer_ids))
    return encoded


def answer_batches(tokenizer, encoded: list[tuple[list[int], list[int]]], batch_size: int) -> Iterator[tuple]:
    """Batches of encoded pairs, similar lengths together: (the pairs' indexes, input ids, attention mask, labels
    that are -100 everywhere but on the answer tokens), right-padded so positions, hence scores, match an
    unbatched run."""
    import torch

    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]) + len(encoded[i][1]))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        width = max(len(encoded[i][0]) + len(encoded[i][1]) for i in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        for row, index in enumerate(batch):
            prompt_ids, answer_ids = encoded[index]
            sequence = prompt_ids + answer_ids
            ids[row, : len(sequence)] = torch.tensor(sequence)
            mask[row, : len(sequence)] = 1
            labels[row, len(prompt_ids) : len(sequence)] = torch.tensor(answer_ids)
        yield batch, ids, mask, labels


def _logits(model, ids, mask):
    import torch

    with torch.no_grad():
        return model(input_ids=ids.to(model.device), attention_mask=mask.to(model.device)).logits.float()


def answer_nll(model, tokenizer, pairs: Pairs, batch_size: int = 16) -> list[float]:
    """Mean negative log-likelihood per token (nats) of each answer after its conversation prompt (see
    ``encode_answers``)."""
    import torch

    encoded = encode_answers(tokenizer, pairs)
    result = [0.0] * len(encoded)
    for batch, ids, mask, labels in answer_batches(tokenizer, encoded, batch_size):
        logits = _logits(model, ids, mask)
        targets = labels[:, 1:].to(logits.device)
        losses = torch.nn.functional.cross_entropy(
            logits[:, :-1].transpose(1, 2), targets.clamp(min=0), reduction="none"
        )
        counted = targets != -100
        per_row = (losses * counted).sum(dim=1) / counted.sum(dim=1)
        for row, index in enumerate(batch):
            result[index] = float(per_row[row])
    return result


def answer_kl(base, model, tokenizer, pairs: Pairs, batch_size: int = 8) -> list[float]:
    """Mean per-token KL(base ‖ model) in nats over each answer's tokens, both models teacher-forced on the same
    tokens (encoded by ``tokenizer``, see ``encode_answers``): 0 for two models that predict alike, whatever the
    answer says."""
    import torch

    encoded = encode_answers(tokenizer, pairs)
    result = [0.0] * len(encoded)
    for batch, ids, mask, labels in answer_batches(tokenizer, encoded, batch_size):
        expected, found = _logits(base, ids, mask), _logits(model, ids, mask)
        if expected.shape[-1] != found.shape[-1]:
            raise LabError(
                f"the checkpoint predicts {found.shape[-1]} tokens, its base {expected.shape[-1]}: a different "
                "vocabulary, so their distributions cannot be compared"
            )
        counted = (labels[:, 1:] != -100).to(expected.device)
        base_log = torch.log_softmax(expected[:, :-1][counted], dim=-1)  # answer positions only: memory
        model_log = torch.log_softmax(found[:, :-1][counted].to(expected.device), dim=-1)
        per_token = (base_log.exp() * (base_log - model_log)).sum(dim=-1).clamp(min=0.0)
        rows = counted.nonzero()[:, 0]
        totals = torch.zeros(len(batch), device=per_token.device).index_add_(0, rows, per_token)
        per_row = totals / counted.sum(dim=1)
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
