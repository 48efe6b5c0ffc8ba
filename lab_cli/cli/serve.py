"""``lab serve``: an OpenAI-compatible server over a local checkpoint."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lab_cli.cli.options import CONTINUOUS_BATCHING

EPILOG = """Examples:

  lab serve                                  # the bundled SmolLM2-135M-Instruct on http://127.0.0.1:8000/v1

  lab serve --model ./my-checkpoint --port 8001

Then: lab teacher check --teacher-url http://127.0.0.1:8000/v1 --teacher-model <id from /v1/models>
Stop with Ctrl-C (or SIGTERM)."""


def serve(
    model: Annotated[str, typer.Option(help="A Hugging Face checkpoint folder, or 'default'.")] = "default",
    host: Annotated[str, typer.Option(help="Address to listen on (loopback unless you mean it).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:0, auto…")] = "cpu",
    continuous_batching: Annotated[bool, CONTINUOUS_BATCHING] = False,
) -> int:
    """Serve a local model with the OpenAI chat API (/v1/models, /v1/chat/completions)."""
    from lab_cli.serve.server import run_server
    from lab_cli.teacher.local_model import resolve_model

    path = resolve_model(model)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {host}: anyone who can reach it can use the model", file=sys.stderr)
    print(f"serving {path} at http://{host}:{port}/v1 (Ctrl-C to stop)", flush=True)
    return run_server(path, host, port, device, continuous_batching)
