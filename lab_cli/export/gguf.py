"""``lab model export --format gguf``: a Llama-architecture checkpoint as one GGUF file for llama.cpp, Ollama and
LM Studio, written with gguf-py as llama.cpp's ``convert_hf_to_gguf.py`` writes Llama models.

What differs from the Hugging Face layout: tensor names (gguf's own name map), the rows of ``q_proj`` and
``k_proj`` permuted for llama.cpp's rotary layout (transformers' GGUF loader permutes them back), no
``output.weight`` when the embeddings are tied, norms always f32. The file is written beside its final name
and renamed into place, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab_cli.datasets.store import new_file_mode
from lab_cli.errors import UsageError
from lab_cli.export.checkpoint import reading
from lab_cli.export.gguf_vocab import Vocab, read_vocab, write_vocab
from lab_cli.export.modelfile import write_modelfile

SUPPORTED = {"llama": "LlamaForCausalLM"}  # model_type → the class llama.cpp's "llama" architecture covers
DTYPES = ("f16", "q8_0", "f32")
FILE_TYPES = {"f32": 0, "f16": 1, "q8_0": 7}  # gguf.LlamaFileType: ALL_F32, MOSTLY_F16, MOSTLY_Q8_0
Q8_0_BLOCK = 32  # q8_0 quantizes rows in blocks of 32 values; a row that does not divide stays f16


@dataclass(frozen=True)
class GGUFExport:
    """What ``export_gguf`` wrote."""

    path: Path
    bytes: int
    dtype: str
    tensors: int
    modelfile: Path


def check_config(checkpoint: Path) -> None:
    """A one-line ``UsageError`` unless ``config.json`` describes a Llama model lab can export (read before
    torch is imported, so a wrong folder is told at once)."""
    path = checkpoint / "config.json"
    if not path.is_file():
        raise UsageError(f"{checkpoint}: not a Hugging Face checkpoint folder (no config.json)")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid JSON ({exc})") from None
    kind = config.get("model_type") if isinstance(config, dict) else None
    if kind not in SUPPORTED:
        names = ", ".join(f"{name} ({cls})" for name, cls in SUPPORTED.items())
        raise UsageError(f"{checkpoint}: architecture {kind!r} cannot be exported to GGUF; supported: {names}")
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    scaled = rope.get("rope_type", rope.get("type", "default")) != "default"
    if scaled or config.get("attention_bias") or config.get("mlp_bias"):
        raise UsageError(f"{checkpoint}: rope scaling and bias terms are not exported; supported: plain Llama")


def permute_rotary(weights: Any, heads: int) -> Any:
    """``q_proj``/``k_proj`` rows reordered from Hugging Face's rotary halves to llama.cpp's interleaved pairs."""
    shape = weights.shape
    return weights.reshape(heads, 2, shape[0] // heads // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)


def _hyperparameters(writer: Any, config: Any, name: str) -> None:
    """Add a transformers ``LlamaConfig``'s sizes to the writer under llama.cpp's ``llama.*`` keys."""
    heads = config.num_attention_heads
    rope = getattr(config, "rope_parameters", None) or {}
    writer.add_name(name)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(heads)
    writer.add_head_count_kv(config.num_key_value_heads or heads)
    writer.add_rope_freq_base(float(rope.get("rope_theta", getattr(config, "rope_theta", 10000.0))))
    writer.add_rope_dimension_count(getattr(config, "head_dim", None) or config.hidden_size // heads)
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_vocab_size(config.vocab_size)


def _encoded(array: Any, dtype: str) -> tuple[Any, Any]:
    """A tensor in the asked dtype as (data, raw GGML type or None); 1-D tensors (norms) stay f32."""
    import gguf
    import numpy as np

    if array.ndim == 1 or dtype == "f32":
        return array.astype(np.float32), None
    if dtype == "q8_0" and array.shape[-1] % Q8_0_BLOCK == 0:
        return gguf.quants.quantize(array, gguf.GGMLQuantizationType.Q8_0), gguf.GGMLQuantizationType.Q8_0
    return array.astype(np.float16), None


def _load(checkpoint: Path) -> Any:
    """The checkpoint's model in float32 (transformers fills in what its config.json leaves out)."""
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging

    logging.set_verbosity_error()  # lab prints its own summary; transformers' loading bars would bury it
    logging.disable_progress_bar()
    with reading(checkpoint):
        return AutoModelForCausalLM.from_pretrained(checkpoint, dtype=torch.float32)


def _tensors(checkpoint: Path, model: Any) -> Iterator[tuple[str, Any]]:
    """The model's weights as (GGUF name, float32 numpy array), Q/K permuted, a tied ``lm_head`` left out."""
    import gguf

    config = model.config
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config.num_hidden_layers)
    heads = config.num_attention_heads
    kv_heads = config.num_key_value_heads or heads
    for hf_name, tensor in model.state_dict().items():
        if (config.tie_word_embeddings and hf_name == "lm_head.weight") or "rotary_emb" in hf_name:
            continue
        array = tensor.numpy()
        if hf_name.endswith("q_proj.weight"):
            array = permute_rotary(array, heads)
        elif hf_name.endswith("k_proj.weight"):
            array = permute_rotary(array, kv_heads)
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise UsageError(f"{checkpoint}: tensor {hf_name} has no GGUF name; supported: plain Llama models")
        yield name, array


@contextlib.contextmanager
def staged(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds and removed when it fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, new_file_mode())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _write(path: Path, checkpoint: Path, model: Any, vocab: Vocab, dtype: str) -> int:
    """Write the GGUF file at ``path``: metadata, vocabulary, then every tensor; return how many tensors."""
    import gguf

    writer = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
    _hyperparameters(writer, model.config, checkpoint.resolve().name)
    writer.add_file_type(FILE_TYPES[dtype])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    write_vocab(writer, vocab)
    count = 0
    for name, array in _tensors(checkpoint, model):
        data, raw_dtype = _encoded(array, dtype)
        writer.add_tensor(name, data, raw_dtype=raw_dtype)
        count += 1
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return count


def export_gguf(checkpoint: Path, out: Path, dtype: str = "f16") -> GGUFExport:
    """Write ``checkpoint`` (a Llama model folder) as the GGUF file ``out`` with its weights in ``dtype``, and an
    Ollama ``Modelfile`` beside it."""
    if dtype not in DTYPES:
        raise UsageError(f"--dtype {dtype!r}: choose one of {', '.join(DTYPES)}")
    if not checkpoint.is_dir():
        raise UsageError(f"{checkpoint}: no such folder; give a Hugging Face checkpoint folder")
    check_config(checkpoint)
    model = _load(checkpoint)
    vocab = read_vocab(checkpoint, model.config.vocab_size)
    with staged(out) as temporary:
        count = _write(temporary, checkpoint, model, vocab, dtype)
    eos = vocab.special_ids.get("eos")
    modelfile = write_modelfile(checkpoint, out, vocab.chat_template, None if eos is None else vocab.tokens[eos])
    return GGUFExport(out, out.stat().st_size, dtype, count, modelfile)
