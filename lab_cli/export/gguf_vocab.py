"""A checkpoint's tokenizer as GGUF metadata: the byte-level BPE vocabulary, merges, special ids, chat template.

llama.cpp calls a byte-level BPE vocabulary ``gpt2`` and picks its split regex by ``tokenizer.ggml.pre``; only
the pre-tokenizers in ``PRE_TOKENIZERS`` are mapped, since a wrong split would tokenize differently in
llama.cpp than in transformers without any error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab_cli.errors import UsageError
from lab_cli.export.checkpoint import reading

# GGUF token types (gguf.TokenType), written as plain ints so this module needs no import of gguf
NORMAL, CONTROL, USER_DEFINED, UNUSED = 1, 3, 4, 5
BYTE_LEVEL = {"type": "ByteLevel", "use_regex": True}
SINGLE_DIGITS = {"type": "Digits", "individual_digits": True}
# a tokenizer.json pre-tokenizer (its type and options that matter) → llama.cpp's name for that split
PRE_TOKENIZERS: dict[str, tuple[dict, ...]] = {
    "gpt2": (BYTE_LEVEL,),
    "smollm": (SINGLE_DIGITS, BYTE_LEVEL),  # SmolLM's original tokenizer.json: digits one by one, then GPT-2's split
}


@dataclass(frozen=True)
class Vocab:
    """What llama.cpp needs to tokenize as the checkpoint's tokenizer does."""

    pre: str
    tokens: tuple[str, ...]
    token_types: tuple[int, ...]
    merges: tuple[str, ...]
    special_ids: dict[str, int]  # bos, eos, unk, pad → id (those the tokenizer has)
    add_bos: bool
    chat_template: str | None


def _steps(pre_tokenizer: dict | None) -> list[dict]:
    if pre_tokenizer is None:
        return []
    return pre_tokenizer["pretokenizers"] if pre_tokenizer.get("type") == "Sequence" else [pre_tokenizer]


def _matches(step: dict, wanted: dict) -> bool:
    return all(step.get(key) == value for key, value in wanted.items())


def pre_tokenizer_name(pre_tokenizer: dict | None) -> str:
    """llama.cpp's name for a tokenizer.json pre-tokenizer, or a ``UsageError`` naming the supported ones."""
    steps = _steps(pre_tokenizer)
    for name, wanted in PRE_TOKENIZERS.items():
        if len(steps) == len(wanted) and all(map(_matches, steps, wanted)):
            return name
    kinds = "+".join(step.get("type", "?") for step in steps) or "none"
    raise UsageError(
        f"pre-tokenizer {kinds} cannot be exported to GGUF; supported: ByteLevel (gpt2) and Digits+ByteLevel (smollm)"
    )


def _merges(model: dict) -> tuple[str, ...]:
    return tuple(merge if isinstance(merge, str) else " ".join(merge) for merge in model.get("merges", ()))


def _tokens(document: dict, vocab_size: int) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Tokens by id with their types; ids the model has but the tokenizer lacks become unused ``[PADn]``."""
    names: dict[int, str] = {index: token for token, index in document["model"]["vocab"].items()}
    types = dict.fromkeys(names, NORMAL)
    for added in document.get("added_tokens", ()):
        names[added["id"]] = added["content"]
        types[added["id"]] = CONTROL if added.get("special") else USER_DEFINED
    size = max(vocab_size, max(names) + 1)
    tokens = tuple(names.get(index, f"[PAD{index}]") for index in range(size))
    return tokens, tuple(types.get(index, UNUSED) for index in range(size))


def _special_ids(tokenizer: Any) -> dict[str, int]:
    wanted = {"bos": tokenizer.bos_token_id, "eos": tokenizer.eos_token_id, "unk": tokenizer.unk_token_id}
    wanted["pad"] = tokenizer.pad_token_id
    return {name: index for name, index in wanted.items() if index is not None}


def read_vocab(checkpoint: Path, vocab_size: int) -> Vocab:
    """The checkpoint's tokenizer as GGUF vocabulary metadata; a ``UsageError`` when it is not byte-level BPE."""
    from transformers import AutoTokenizer

    with reading(checkpoint):
        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    document = json.loads(tokenizer.backend_tokenizer.to_str())
    if document["model"].get("type") != "BPE":
        kind = document["model"].get("type")
        raise UsageError(f"{checkpoint}: a {kind} tokenizer cannot be exported to GGUF; supported: byte-level BPE")
    pre = pre_tokenizer_name(document.get("pre_tokenizer"))
    tokens, types = _tokens(document, vocab_size)
    bos = tokenizer.bos_token_id
    add_bos = bos is not None and tokenizer("x")["input_ids"][:1] == [bos]
    template = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else None
    return Vocab(pre, tokens, types, _merges(document["model"]), _special_ids(tokenizer), add_bos, template)


def write_vocab(writer: Any, vocab: Vocab) -> None:
    """Add ``vocab`` to a ``gguf.GGUFWriter``'s metadata under llama.cpp's key names."""
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(vocab.pre)
    writer.add_token_list(list(vocab.tokens))
    writer.add_token_types(list(vocab.token_types))
    writer.add_token_merges(list(vocab.merges))
    adders = {"bos": writer.add_bos_token_id, "eos": writer.add_eos_token_id}
    adders |= {"unk": writer.add_unk_token_id, "pad": writer.add_pad_token_id}
    for name, index in vocab.special_ids.items():
        adders[name](index)
    writer.add_add_bos_token(vocab.add_bos)
    if vocab.chat_template:
        writer.add_chat_template(vocab.chat_template)
