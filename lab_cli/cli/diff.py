"""``lab diff``: the leaves a branch changed, and their validation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from lab_cli.cli.options import REPO
from lab_cli.output import OutputFormat
from lab_cli.taxonomy.source import DEFAULT_MAX_BYTES

EPILOG = """Examples:

  lab diff                                   # work tree vs the merge-base with origin/main (or main)

  lab diff --base v1.0 --head feature        # two revisions, no work tree

  lab diff --name-only                       # changed leaf paths, for scripts (exit 0 even if one is invalid)

  lab diff --pr --format github              # a CI job on an untrusted pull request

Exit codes: 0 valid (or nothing changed, or --name-only), 1 a changed leaf is invalid, 2 usage or environment
error."""

DIFF_FORMATS = [*OutputFormat, "markdown"]


def diff(
    base: Annotated[
        str | None, typer.Option(help="Revision to compare with (default: merge-base with upstream).")
    ] = None,
    head: Annotated[str | None, typer.Option(help="Revision to judge (default: the work tree).")] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="human, json, github, sarif or markdown (a PR comment).")
    ] = "human",
    name_only: Annotated[bool, typer.Option("--name-only", help="Print changed leaf paths only.")] = False,
    pr: Annotated[bool, typer.Option("--pr/--no-pr", help="Untrusted pull request (default in GitHub Actions).")] = (
        bool(os.environ.get("GITHUB_ACTIONS"))
    ),
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
    max_bytes: Annotated[int, typer.Option("--max-size", help="Largest file to read, in bytes.")] = DEFAULT_MAX_BYTES,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Show the taxonomy leaves changed since the base (A/M/D/R) and validate every added or changed one."""
    from lab_cli.errors import UsageError
    from lab_cli.gitrepo import GitRepo
    from lab_cli.taxonomy.diff import review

    if output_format not in DIFF_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(DIFF_FORMATS)}, not {output_format!r}")
    if name_only and output_format != "human":
        raise UsageError(f"--name-only prints leaf paths only; it does not combine with --format {output_format}")
    result = review(GitRepo.find(repo_path.resolve(), given=repo_path != Path(".")), base, head, pr, max_bytes)
    failed = result.validation.failed(strict)
    if name_only:  # names for scripts: exit 0 even when a leaf is invalid (lab diff without it judges them)
        from lab_cli.text import visible

        for change in result.changes:
            print(visible(change.leaf))
        return 0
    elif output_format == "json":
        import json

        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        from lab_cli.output.markdown import render

        print(render(result, strict))
    elif output_format == "human":
        from rich.console import Console

        from lab_cli.output.human import print_diff

        print_diff(Console(soft_wrap=True), result, strict)
    else:
        from lab_cli.output.emit import emit

        emit(result.validation, OutputFormat(output_format), strict)
    return 1 if failed else 0
