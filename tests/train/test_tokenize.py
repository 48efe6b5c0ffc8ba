"""Assistant-only labels, checked token by token on the tiny tokenizer and on SmolLM2's real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab_cli.train.tokenize import IGNORE, encode

CONVERSATION = [
    {"role": "system", "content": "You answer briefly."},
    {"role": "user", "content": "What colour is the sky?"},
    {"role": "assistant", "content": "The sky is blue."},
    {"role": "user", "content": "And the fox?"},
    {"role": "assistant", "content": "The quick brown fox is brown."},
]


def smollm2() -> Path:
    from lab_cli.teacher.local_model import default_model_dir

    folder = default_model_dir()
    if not (folder / "tokenizer.json").is_file():
        pytest.skip(f"the bundled SmolLM2 checkpoint is not materialised at {folder} (run: lab model default)")
    return folder


def labelled_runs(ids: list[int], labels: list[int]) -> list[list[int]]:
    """The maximal runs of labelled tokens, in order."""
    runs, current = [], []
    for token, label in zip(ids, labels, strict=True):
        if label == IGNORE:
            if current:
                runs.append(current)
            current = []
        else:
            assert label == token, "a labelled position must predict exactly its own token"
            current.append(token)
    return [*runs, current] if current else runs


@pytest.mark.parametrize("which", ["tiny", "smollm2"])
def test_labels_cover_exactly_the_assistant_turns(which: str, tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model if which == "tiny" else smollm2())
    encoded = encode(tokenizer, CONVERSATION)
    end_marker = "<|end|>" if which == "tiny" else "<|im_end|>"
    runs = labelled_runs(encoded.input_ids, encoded.labels)
    decoded = [tokenizer.decode(run) for run in runs]
    assert [text.strip() for text in decoded] == [
        f"The sky is blue.{end_marker}",
        f"The quick brown fox is brown.{end_marker}",
    ]
    # every other token, the system prompt, user turns and role headers included, is masked
    rendered = tokenizer(tokenizer.apply_chat_template(CONVERSATION, tokenize=False), add_special_tokens=False)
    assert encoded.input_ids == rendered["input_ids"]
    masked = tokenizer.decode(
        [t for t, label in zip(encoded.input_ids, encoded.labels, strict=True) if label == IGNORE]
    )
    assert "What colour is the sky?" in masked and "And the fox?" in masked and "You answer briefly." in masked
    assert "blue" not in masked and "brown." not in masked


def test_a_conversation_without_an_answer_is_dropped(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    from lab_cli.train.tokenize import encode_all

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    short = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    long = [{"role": "user", "content": "word " * 300}, {"role": "assistant", "content": "ok"}]
    encoded, dropped = encode_all(tokenizer, [short, [{"role": "user", "content": "hi"}], long], max_length=64)
    assert dropped == 2 and encoded[0] is not None and encoded[1] is None and encoded[2] is None
