"""``lab validate``: check qna.yaml files and folders."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lab_cli.output import OutputFormat
from lab_cli.taxonomy.source import DEFAULT_MAX_BYTES

EPILOG = """Examples:

  lab validate                          # the whole taxonomy around the current folder

  lab validate knowledge/science/qna.yaml --format json

  lab validate --fix --strict compositional_skills/

Exit codes: 0 valid, 1 invalid (errors, or warnings with --strict, or no qna.yaml found without
--allow-empty), 2 usage or environment error."""


def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: the taxonomy root).")] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="human, json, github (annotations) or sarif.")
    ] = OutputFormat.HUMAN,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
    fix: Annotated[bool, typer.Option("--fix", help="Rewrite auto-fixable lint problems in place.")] = False,
    max_bytes: Annotated[int, typer.Option("--max-size", help="Largest file to read, in bytes.")] = DEFAULT_MAX_BYTES,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Human format: no source excerpts.")] = False,
    allow_empty: Annotated[
        bool, typer.Option("--allow-empty", help="Finding no qna.yaml at all is a success, not an error.")
    ] = False,
) -> int:
    """Validate taxonomy leaves: schema, lint rules and attribution, with exact line:column positions."""
    from lab_cli.output.emit import emit
    from lab_cli.output.progress import progress_to, wanted
    from lab_cli.taxonomy.validator import fix_paths, validate_paths

    selected = list(paths or [])
    if fix:
        fixed = fix_paths(selected, max_bytes)
        if output_format is OutputFormat.HUMAN and fixed:
            print(f"fixed {len(fixed)} file(s): " + ", ".join(map(str, fixed)), file=sys.stderr)
    with progress_to("validating", output_format is OutputFormat.HUMAN and wanted()) as advance:
        result = validate_paths(selected, max_bytes, progress=advance)
    if result.files or allow_empty or output_format is not OutputFormat.HUMAN:
        emit(result, output_format, strict, quiet)
    if not result.files and not allow_empty:
        print(f"lab: error: {nothing_found(selected)}", file=sys.stderr)
        return 1
    return 1 if result.failed(strict) else 0


def nothing_found(selected: list[Path]) -> str:
    """The error for a run that found no qna.yaml: a wrong path in CI must not pass as valid."""
    where = ", ".join(map(str, selected)) if selected else str(Path.cwd())
    advice = "name the right files or folders" if selected else "run lab validate inside a taxonomy clone"
    return f"no qna.yaml found under {where}; {advice}, or pass --allow-empty if none is fine"
