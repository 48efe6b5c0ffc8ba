"""``lab model export``: a checkpoint as a GGUF file (and an Ollama Modelfile) for llama.cpp, Ollama, LM Studio."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lab_cli.errors import UsageError

EPILOG = """Examples:

  lab model export models/c2 --out c2.gguf                  # f16, and a Modelfile

  lab model export models/c2 --out c2.gguf --dtype q8_0     # about half the size

  lab model export models/c2 --out c2.gguf --json           # summary for scripts

  ollama create c2 -f Modelfile                             # in c2.gguf's folder

Exports Llama-architecture checkpoints with a byte-level BPE tokenizer (the
bundled SmolLM2 and models lab trained from it). Exit codes: 0 written, 2 usage
error (no checkpoint there, an architecture or tokenizer it cannot export).
A failed export leaves nothing at --out."""


def export(
    checkpoint: Annotated[Path, typer.Argument(help="A Hugging Face checkpoint folder (one lab train wrote).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The GGUF file to write.")],
    output_format: Annotated[str, typer.Option("--format", help="File format: gguf.")] = "gguf",
    dtype: Annotated[str, typer.Option("--dtype", help="Weights: f16, q8_0 or f32 (norms stay f32).")] = "f16",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> int:
    """Write a checkpoint as one GGUF file for llama.cpp, Ollama and LM Studio, with an Ollama Modelfile."""
    from lab_cli.export.gguf import export_gguf

    if output_format != "gguf":
        raise UsageError(f"--format {output_format!r}: the one format lab model export writes is gguf")
    result = export_gguf(checkpoint, out, dtype)
    if as_json:
        summary = {"path": str(result.path), "bytes": result.bytes, "dtype": result.dtype, "tensors": result.tensors}
        print(json.dumps({**summary, "modelfile": str(result.modelfile)}, indent=2))
        return 0
    print(f"{result.path}: {result.bytes:,} bytes, {result.tensors} tensors, {result.dtype}")
    print(f"{result.modelfile}: ollama create NAME -f {result.modelfile}")
    return 0
