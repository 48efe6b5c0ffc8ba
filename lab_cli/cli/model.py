"""``lab model``: the models lab uses and makes: the bundled default, a trained checkpoint's lineage, and its
export as GGUF for llama.cpp, Ollama and LM Studio."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from lab_cli.cli.options import REPORT_FORMAT
from lab_cli.errors import UsageError
from lab_cli.output import ReportFormat

MODEL_GROUP_EPILOG = """Examples:

  lab model default                          # the bundled model's folder

  lab model log models/c2                    # a trained checkpoint's lineage

  lab model export models/c2 --out c2.gguf   # for llama.cpp, Ollama and LM Studio"""

DEFAULT_EPILOG = """Examples:

  lab model default            # convert once, then print the folder

  lab model default --force    # convert again"""


def default(force: Annotated[bool, typer.Option("--force", help="Convert again even if cached.")] = False) -> int:
    """Materialise the bundled SmolLM2-135M-Instruct as a Hugging Face checkpoint in lab's cache; print where."""
    from lab_cli.teacher.local_model import materialize_default

    path = materialize_default(force, say=lambda line: print(line, file=sys.stderr))
    print(path)
    return 0


LOG_EPILOG = """Examples:

  lab model log models/c2                    # c2 and the models before it

  lab model log models/c2 --format json

Exit codes: 0 printed, 1 a damaged lineage, 2 usage error (a folder lab train did not write: no
lab_lineage.json, as for lab train --parent and lab eval)."""


def log(
    checkpoint: Annotated[Path, typer.Argument(help="A checkpoint lab trained.")],
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
) -> int:
    """Print a checkpoint's lineage chain: each step's commit, snapshot, new leaves and phases, newest first."""
    from dataclasses import asdict

    from lab_cli.train.lineage import lineage_chain

    chain = list(reversed(lineage_chain(checkpoint)))
    if output_format == "json":
        print(json.dumps([{"checkpoint": str(path), **asdict(lineage)} for path, lineage in chain], indent=2))
        return 0
    for path, lineage in chain:
        phases = ", ".join(f"{p['name']} {p['status']}" for p in lineage.phases)
        print(f"{path}  taxonomy {lineage.taxonomy_commit[:12]}  dataset {lineage.dataset_snapshot[:12]}")
        print(f"    new leaves: {', '.join(lineage.new_keys) or '(none)'}")
        print(f"    phases: {phases}; {len(lineage.trained_keys)} generation keys trained in all")
        for task, entry in sorted(lineage.benchmarks.items()):
            metrics = ", ".join(f"{name} {value:.4f}" for name, value in entry["metrics"].items())
            print(f"    lm-eval {task} (n {entry['n']}): {metrics}")
    print(f"base model {chain[-1][1].base_model}")
    return 0


EXPORT_EPILOG = """Examples:

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
