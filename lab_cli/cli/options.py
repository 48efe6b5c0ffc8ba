"""Options shared by several commands."""

from __future__ import annotations

import typer

REPORT_FORMAT = typer.Option("--format", "-f", help="human or json.")

REPO = typer.Option("--repo", "-C", help="The taxonomy repository.")
"""``--repo/-C``: the taxonomy clone a command works in (default: the one around the current folder)."""

CONTINUOUS_BATCHING = typer.Option(
    "--continuous-batching",
    help="Serve the local model with continuous batching (about 3x the tokens/s on a CPU under concurrent "
    "requests). transformers serve then applies the first request's temperature to every request, so pair it "
    "with --no-judges in lab generate.",
)
