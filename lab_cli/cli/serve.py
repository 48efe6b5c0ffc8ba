"""``lab serve``: an OpenAI-compatible server over a local checkpoint."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lab_cli.cli.options import CONTINUOUS_BATCHING, ENGINE

EPILOG = """Examples:

  lab serve                                  # the bundled SmolLM2-135M-Instruct on http://127.0.0.1:8000/v1
                                             # (llama.cpp when the llamacpp extra is installed)

  lab serve --model ./my-checkpoint --port 8001

  lab serve --engine llama-cpp --model ./model.Q4_K_M.gguf   # needs the llamacpp extra (make llamacpp)

The model id is the checkpoint folder's name ("model": "my-checkpoint"; a GGUF file's without .gguf);
"serving …" is printed once the server answers.
Then: lab teacher check --teacher-url http://127.0.0.1:8000/v1 --teacher-model my-checkpoint
Stop with Ctrl-C (or SIGTERM).

Exit codes: 0 stopped with Ctrl-C or SIGTERM, 1 the server stopped on its own (its output is above),
2 usage error (a port in use or out of range, a folder that is no checkpoint, --engine llama-cpp
without llama-cpp-python), 130 interrupted."""


def serve(
    model: Annotated[
        str, typer.Option(help="A Hugging Face checkpoint folder, a .gguf file (llama-cpp), or 'default'.")
    ] = "default",
    host: Annotated[str, typer.Option(help="Address to listen on (loopback unless you mean it).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (1-65535), checked before the model loads.")] = 8000,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:0, auto…")] = "cpu",
    engine: Annotated[str, ENGINE] = "auto",
    continuous_batching: Annotated[bool, CONTINUOUS_BATCHING] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error (uvicorn's lines too).")] = "warning",
) -> int:
    """Serve a local model with the OpenAI chat API (/v1/models, /v1/chat/completions)."""
    from lab_cli.errors import UsageError
    from lab_cli.serve.engines import choose
    from lab_cli.serve.server import LOG_LEVELS, ServeOptions, check_port, run_server

    if log_level not in LOG_LEVELS:
        raise UsageError(f"--log-level must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}")
    check_port(host, port)
    served = choose(engine, model, continuous_batching)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {host}: anyone who can reach it can use the model", file=sys.stderr)
    options = ServeOptions(host, port, device, log_level)
    return run_server(served, options, lambda line: print(line, flush=True), lambda line: print(line, file=sys.stderr))
