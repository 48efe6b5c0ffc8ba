"""Printing a validation result on standard output in the format a command was asked for."""

from __future__ import annotations

from lab_cli.output import OutputFormat
from lab_cli.taxonomy.diagnostics import ValidationResult


def emit(result: ValidationResult, output_format: OutputFormat, strict: bool, quiet: bool = False) -> None:
    """Print a validation result in the chosen format on standard output."""
    from lab_cli.output import machine

    if output_format is OutputFormat.JSON:
        print(machine.to_json(result))
    elif output_format is OutputFormat.SARIF:
        print(machine.to_sarif(result))
    elif output_format is OutputFormat.GITHUB:
        for line in machine.github_annotations(result):
            print(line)
        print(f"lab: {len(result.files)} file(s), {result.error_count} error(s), {result.warning_count} warning(s)")
    else:
        from rich.console import Console

        from lab_cli.output.human import print_report

        print_report(Console(soft_wrap=True), result, strict, quiet)
