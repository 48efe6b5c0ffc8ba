"""Conversations to token ids with the model's own chat template, and labels only on assistant tokens.

Each assistant turn's span is found by rendering the conversation up to that turn (with the generation
prompt) and through it, and diffing the token counts: this works for any template, where
``return_assistant_tokens_mask`` needs templates marked with ``{% generation %}``, which most are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lab_cli.errors import TrainError

IGNORE = -100  # the label value the loss skips


@dataclass(frozen=True)
class Encoded:
    """One tokenized sample."""

    input_ids: list[int]
    labels: list[int]


def _ids(tokenizer, messages: Sequence[dict], generation_prompt: bool = False) -> list[int]:
    text = tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=generation_prompt)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def assistant_spans(tokenizer, messages: Sequence[dict]) -> tuple[list[int], list[tuple[int, int]]]:
    """The conversation's token ids and the [start, end) span of every assistant turn (content + end marker)."""
    full = _ids(tokenizer, messages)
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start = len(_ids(tokenizer, messages[:index], generation_prompt=True))
        through = _ids(tokenizer, messages[: index + 1])
        if full[: len(through)] != through or through[:start] != full[:start]:
            raise TrainError(
                "the chat template does not render a conversation as a prefix of its longer version; "
                "lab cannot find assistant turns with it (use a model whose template appends turns)"
            )
        spans.append((start, len(through)))
    return full, spans


def encode(tokenizer, messages: Sequence[dict]) -> Encoded:
    """Token ids of a conversation and labels that are ``IGNORE`` everywhere but assistant turns."""
    ids, spans = assistant_spans(tokenizer, messages)
    labels = [IGNORE] * len(ids)
    for start, end in spans:
        labels[start:end] = ids[start:end]
    return Encoded(ids, labels)


def encode_all(tokenizer, conversations: Sequence[Sequence[dict]], max_length: int) -> tuple[list[Encoded | None], int]:
    """Each conversation encoded (``None`` when too long or without an assistant turn), and how many were dropped."""
    encoded: list[Encoded | None] = []
    for messages in conversations:
        item = encode(tokenizer, messages)
        keep = len(item.input_ids) <= max_length and any(label != IGNORE for label in item.labels)
        encoded.append(item if keep else None)
    return encoded, sum(item is None for item in encoded)
