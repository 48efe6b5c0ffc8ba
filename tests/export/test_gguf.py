"""lab model export --format gguf: tiny Llama models (and the bundled SmolLM2) loaded back from the GGUF by
transformers give the source's logits, tokens and chat template.

Tolerances (max abs logit difference on ``PROMPT``): f32 1e-5 (the same numbers, reordered and back); f16 1e-2
and q8_0 5e-2 on the tiny grouped-query model (measured 0.0019 and 0.030; a misordered Q/K layout gives 0.69);
on SmolLM2, whose logits reach 38, f16 0.1 (measured 0.050: weights rounded to f16; f32 gives 0, and q8_0 2.0,
the same as quantizing the weights in torch).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab_cli.export.gguf import export_gguf
from tests.helpers.tiny_model import build_tiny_model

TOLERANCE = {"f32": 1e-5, "f16": 1e-2, "q8_0": 5e-2}
SHARPEN = 20.0
PROMPT = [{"role": "user", "content": "What colour is the sky? The quick brown fox, 2024."}]


def sharpen_attention(folder: Path, factor: float) -> Path:
    """Scale the checkpoint's query and key weights, so attention is peaked rather than near uniform (as it is
    at random initialisation) and a misordered rotary layout changes the logits clearly."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith(("q_proj.weight", "k_proj.weight")):
                parameter.mul_(factor)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def gqa_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Llama whose 4 query heads share 2 key/value heads, with peaked attention and its own output layer."""
    pytest.importorskip("torch", reason="the training extra (torch, transformers) is not installed")
    folder = build_tiny_model(tmp_path_factory.mktemp("gqa-model"), kv_heads=2, tied=False, seed=1)
    return sharpen_attention(folder, SHARPEN)


def max_logit_difference(source: Path, gguf_path: Path) -> float:
    """Export-independent check: the source and the GGUF (loaded by transformers) on the same chat prompt,
    which must tokenize the same way with either tokenizer; the largest absolute logit difference."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    text = tokenizer.apply_chat_template(PROMPT, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(text, return_tensors="pt").input_ids
    loaded = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    assert loaded(text, return_tensors="pt").input_ids.tolist() == ids.tolist()
    assert loaded.chat_template == tokenizer.chat_template
    with torch.no_grad():
        expected = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)(ids).logits
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32)
        return (model(ids).logits - expected).abs().max().item()


@pytest.mark.parametrize("dtype", ["f32", "f16", "q8_0"])
def test_grouped_query_model_round_trips(gqa_model: Path, tmp_path: Path, dtype: str) -> None:
    written = export_gguf(gqa_model, tmp_path / "model.gguf", dtype)
    assert written.bytes == written.path.stat().st_size and written.dtype == dtype
    assert max_logit_difference(gqa_model, written.path) <= TOLERANCE[dtype]


def test_tied_model_round_trips_without_an_output_tensor(tiny_model: Path, tmp_path: Path) -> None:
    import gguf

    written = export_gguf(tiny_model, tmp_path / "tied.gguf", "f16")
    names = {tensor.name for tensor in gguf.GGUFReader(written.path).tensors}
    assert "token_embd.weight" in names and "output.weight" not in names
    assert written.tensors == len(names)
    assert max_logit_difference(tiny_model, written.path) <= TOLERANCE["f16"]


def test_untied_model_keeps_its_output_tensor(gqa_model: Path, tmp_path: Path) -> None:
    import gguf

    names = {tensor.name for tensor in gguf.GGUFReader(export_gguf(gqa_model, tmp_path / "m.gguf").path).tensors}
    assert "output.weight" in names


def field(reader: object, key: str) -> object:
    return reader.fields[key].contents()


def test_metadata_carries_the_hyperparameters_and_chat_template(gqa_model: Path, tmp_path: Path) -> None:
    import gguf
    from transformers import AutoConfig, AutoTokenizer

    reader = gguf.GGUFReader(export_gguf(gqa_model, tmp_path / "m.gguf").path)
    config = AutoConfig.from_pretrained(gqa_model)
    tokenizer = AutoTokenizer.from_pretrained(gqa_model)
    assert field(reader, "general.architecture") == "llama" and field(reader, "general.name") == gqa_model.name
    assert field(reader, "llama.attention.head_count_kv") == 2 == config.num_key_value_heads
    assert field(reader, "llama.feed_forward_length") == config.intermediate_size
    assert field(reader, "llama.context_length") == config.max_position_embeddings
    assert field(reader, "tokenizer.chat_template") == tokenizer.chat_template
    assert (field(reader, "tokenizer.ggml.model"), field(reader, "tokenizer.ggml.pre")) == ("gpt2", "gpt2")
    assert field(reader, "tokenizer.ggml.eos_token_id") == tokenizer.eos_token_id
    assert field(reader, "tokenizer.ggml.padding_token_id") == tokenizer.pad_token_id
    assert "tokenizer.ggml.bos_token_id" not in reader.fields  # the tiny tokenizer has none
    assert len(field(reader, "tokenizer.ggml.tokens")) == config.vocab_size


def test_bundled_smollm2_round_trips_in_f16(tmp_path: Path) -> None:
    from lab_cli.teacher.local_model import default_model_dir

    folder = default_model_dir()
    if not (folder / "lab_model.json").is_file():
        pytest.skip(f"the bundled SmolLM2 checkpoint is not materialised at {folder} (run: lab model default)")
    written = export_gguf(folder, tmp_path / "smollm2.gguf", "f16")
    assert max_logit_difference(folder, written.path) <= 0.1
    modelfile = written.modelfile.read_text(encoding="utf-8")
    assert "TEMPLATE" in modelfile and modelfile.endswith('PARAMETER stop "<|im_end|>"\n')


def test_a_failed_export_leaves_the_old_file_and_no_temporary(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lab_cli.export.gguf as module

    out = tmp_path / "model.gguf"
    out.write_bytes(b"the previous export")
    real, calls = module._encoded, []

    def fail_on_the_third(array, dtype):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(array, dtype)

    monkeypatch.setattr(module, "_encoded", fail_on_the_third)
    with pytest.raises(RuntimeError, match="disk full"):
        export_gguf(tiny_model, out)
    assert out.read_bytes() == b"the previous export" and [p.name for p in tmp_path.iterdir()] == ["model.gguf"]


@pytest.mark.parametrize(
    "extra",
    [
        {"rope_scaling": {"type": "linear", "factor": 2.0}},
        {"rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0}},
        {"attention_bias": True},
    ],
)
def test_llama_variants_the_export_would_get_wrong_are_refused(tmp_path: Path, extra: dict) -> None:
    import json

    from lab_cli.errors import UsageError
    from lab_cli.export.gguf import check_config

    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama", **extra}), encoding="utf-8")
    with pytest.raises(UsageError, match="supported: plain Llama"):
        check_config(tmp_path)
