"""Options shared by several commands."""

from __future__ import annotations

import typer

REPORT_FORMAT = typer.Option("--format", "-f", help="human or json.")

REPO = typer.Option("--repo", "-C", help="The taxonomy repository.")
"""``--repo/-C``: the taxonomy clone a command works in (default: the one around the current folder)."""

CONTINUOUS_BATCHING = typer.Option(
    "--continuous-batching",
    help="With the transformers engine, serve the local model with continuous batching (about 3x the tokens/s "
    "on a CPU under concurrent requests). transformers serve then applies the first request's temperature to "
    "every request, so pair it with --no-judges in lab generate. Ignored when auto picks llama.cpp.",
)

ENGINE = typer.Option(
    "--engine",
    help="What serves the local model: llama-cpp (the llamacpp extra; serves GGUF files and the bundled "
    "default, several times faster on a CPU), transformers (checkpoint folders), or auto: llama-cpp when it is "
    "installed and the model is a GGUF or 'default', else transformers. Part of the generation key.",
)
