"""The tokenizer.json pre-tokenizers GGUF export maps to llama.cpp's names, and the ones it refuses."""

from __future__ import annotations

import pytest

from lab_cli.errors import UsageError
from lab_cli.export.gguf_vocab import pre_tokenizer_name

BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}


def test_gpt2s_split_and_smollms_single_digits_are_named_as_llama_cpp_names_them() -> None:
    assert pre_tokenizer_name(BYTE_LEVEL) == "gpt2"
    digits = {"type": "Digits", "individual_digits": True}
    assert pre_tokenizer_name({"type": "Sequence", "pretokenizers": [digits, BYTE_LEVEL]}) == "smollm"


@pytest.mark.parametrize(
    "pre_tokenizer",
    [
        None,  # Llama 2's sentencepiece-style tokenizer.json
        {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False},
        {**BYTE_LEVEL, "use_regex": False},  # a split regex of its own before it, which llama.cpp would not know
    ],
)
def test_any_other_split_is_refused_naming_the_supported_ones(pre_tokenizer: dict | None) -> None:
    with pytest.raises(UsageError, match=r"supported: ByteLevel \(gpt2\) and Digits\+ByteLevel \(smollm\)"):
        pre_tokenizer_name(pre_tokenizer)
