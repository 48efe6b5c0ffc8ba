"""Options shared by several commands."""

from __future__ import annotations

import typer

REPORT_FORMAT = typer.Option("--format", "-f", help="human or json.")
