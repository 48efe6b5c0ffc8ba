"""The engines that serve a local model with the OpenAI chat API, and the choice between them.

``transformers`` runs ``transformers serve`` over a Hugging Face checkpoint folder (the bundled default is the
GGUF dequantised to float32 once). ``llama-cpp`` runs llama-cpp-python's server (``python -m llama_cpp.server``,
the optional ``llamacpp`` extra) over a GGUF file — the bundled default as it ships, Q4_1. ``auto`` takes
llama.cpp when it imports and the model is a GGUF (the bundled default is), else transformers. The engine and
its version are part of the teacher's identity, so each engine's samples have their own generation keys.

Example::

    served = choose("auto", "default")
    command = served.command("127.0.0.1", 8001)
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lab_cli.errors import UsageError

ENGINES = ("auto", "transformers", "llama-cpp")
LLAMA_CPP_HINT = "pip install 'lab-cli[llamacpp]' (or: make llamacpp; it compiles llama.cpp, minutes)"

# llama.cpp's KV cache holds N_CTX tokens for the one sequence it decodes at a time: 4096 covers lab's longest
# prompts (a document chunk, seed examples) plus a 512-token answer, and costs ~90 MB for the bundled 135M
# model (30 layers x 3 KV heads x 64 dims x 2 x f16 per token). A request past it is a 400 from the server.
N_CTX = 4096

# Without a fixed size, transformers sizes the paged KV cache to ~90 % of free memory — all of a laptop's RAM on a
# CPU (14 GB measured for the 135M default). 64 pages of 256 tokens hold 16k tokens of context, room for lab's
# default 8 concurrent requests; 512 tokens per batch bounds the attention masks (the default model then peaks at
# 1.8 GB, as fast as with 2048: benchmarks/local_teacher_batching.py).
BATCHING_FLAGS = ("--continuous-batching", "--cb-num-blocks", "64", "--cb-max-batch-tokens", "512")


@dataclass(frozen=True)
class Served:
    """A model as one engine serves it: the files, the id clients name, the teacher identity for the key."""

    engine: str
    model: Path
    model_id: str
    identity: str
    continuous_batching: bool = False

    @property
    def one_choice_per_request(self) -> bool:
        """Whether the server ignores ``n`` (llama-cpp-python answers one choice), so the client asks n times."""
        return self.engine == "llama-cpp"

    @property
    def folder(self) -> Path:
        """The folder the server runs in (``transformers serve`` finds the checkpoint by name there)."""
        return self.model.parent

    def command(self, host: str, port: int, log_level: str = "warning", device: str = "cpu") -> list[str]:
        """The command that serves the model on ``host:port``, run by this interpreter."""
        if self.engine == "llama-cpp":
            return llama_cpp_command(self.model, self.model_id, host, port)
        return transformers_command(self.model_id, host, port, device, self.continuous_batching, log_level)


def transformers_command(
    model: str, host: str, port: int, device: str = "cpu", continuous_batching: bool = False, log_level: str = "warning"
) -> list[str]:
    """``transformers serve`` for the checkpoint named ``model`` (a folder name, or an absolute path)."""
    return [
        *(sys.executable, "-m", "transformers.cli.transformers", "serve", model),
        *("--host", host, "--port", str(port), "--device", device, "--log-level", log_level),
        *(BATCHING_FLAGS if continuous_batching else ()),
    ]


def llama_cpp_command(gguf: Path, model_id: str, host: str, port: int) -> list[str]:
    """llama-cpp-python's server for ``gguf``: half the CPUs this process may use, a bounded context, quiet."""
    threads = str(llama_cpp_threads())
    return [
        *(sys.executable, "-m", "llama_cpp.server", "--model", str(gguf.resolve()), "--model_alias", model_id),
        *("--host", host, "--port", str(port), "--n_ctx", str(N_CTX)),
        *("--n_threads", threads, "--n_threads_batch", threads, "--verbose", "false"),
    ]


def llama_cpp_threads() -> int:
    """Threads for llama.cpp: half the CPUs this process may run on (its own default; physical cores where each
    has two hardware threads). More collapse on a busy machine, as llama.cpp's threads wait for each other at every
    step: on 2 busy CPUs, 2 threads made 3-6 tokens/s where 1 made 63 (the bundled model, 128 tokens, 0.3.36)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, usable // 2)


def llama_cpp_status() -> tuple[str | None, str]:
    """llama-cpp-python's version when it and its server extra import, else None and why not."""
    if importlib.util.find_spec("llama_cpp") is None:
        return None, "llama-cpp-python is not installed"
    try:
        import llama_cpp.server.app  # noqa: F401  # loads libllama and the server's own dependencies
    except (ImportError, OSError) as exc:
        return None, f"llama-cpp-python is installed but does not import ({type(exc).__name__}: {exc})"
    return importlib.metadata.version("llama_cpp_python"), ""


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def choose(engine: str, model: str, continuous_batching: bool = False, warn: Callable[[str], None] = _stderr) -> Served:
    """The engine and files that serve ``model`` ('default', a checkpoint folder or a .gguf file); ``warn`` is
    told when ``auto`` falls back because llama-cpp-python is installed but broken."""
    if engine not in ENGINES:
        raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    gguf_like = model == "default" or model.endswith(".gguf")
    if engine == "transformers" or (engine == "auto" and not gguf_like):
        return _transformers(model, continuous_batching)
    version, why = llama_cpp_status()
    if version is None and engine == "auto":
        if importlib.util.find_spec("llama_cpp") is not None:
            warn(f"warning: {why}; serving with transformers instead")
        return _transformers(model, continuous_batching)
    if version is None:
        raise UsageError(f"--engine llama-cpp: {why}; {LLAMA_CPP_HINT}")
    if not gguf_like:
        raise UsageError(f"{model}: llama.cpp serves a .gguf file (or 'default'), not a checkpoint folder")
    if continuous_batching and engine == "llama-cpp":
        raise UsageError("--continuous-batching is for the transformers engine; drop it with --engine llama-cpp")
    return _llama_cpp(model, version)


def _transformers(model: str, continuous_batching: bool) -> Served:
    from lab_cli.teacher.local_model import model_identity, resolve_model

    if model.endswith(".gguf"):
        raise UsageError(f"{model}: transformers serves checkpoint folders; a GGUF needs llama.cpp: {LLAMA_CPP_HINT}")
    folder = resolve_model(model).resolve()
    model_id = str(folder) if any(mark in folder.name for mark in "@:") else folder.name  # would read as a revision
    identity = f"{model_identity(folder)}+transformers-{importlib.metadata.version('transformers')}"
    if continuous_batching:  # one temperature for every request: other samples, so another key
        identity += "+continuous-batching"
    return Served("transformers", folder, model_id, identity, continuous_batching)


def _llama_cpp(model: str, version: str) -> Served:
    from lab_cli.teacher.local_model import DEFAULT_MODEL_NAME, bundled_gguf, file_digest

    gguf = bundled_gguf() if model == "default" else Path(model).expanduser()
    if not gguf.is_file():
        raise UsageError(f"{model}: no such GGUF file")
    model_id = DEFAULT_MODEL_NAME if model == "default" else gguf.stem
    identity = f"local:{gguf.stem}@{file_digest(gguf)[:16]}+llama-cpp-{version}"
    return Served("llama-cpp", gguf, model_id, identity)
