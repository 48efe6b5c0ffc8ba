"""Human output with rich: diagnostics grouped by file, each with its source line and a caret."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from lab_cli.output.escape import terminal
from lab_cli.taxonomy.diagnostics import FileReport, Severity, ValidationResult
from lab_cli.taxonomy.syntax_words import FORMAT_DOC

if TYPE_CHECKING:
    from lab_cli.taxonomy.diff import DiffResult

_CONTEXT = 60
"""Characters shown on each side of a diagnostic's column."""
_FORMAT_RULES = frozenset({"syntax", "schema", "empty-file", "not-a-mapping"})
"""Rules whose fix needs the qna.yaml format: the report then says where it is documented."""
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}


def _source_line(report: FileReport, line: int, column: int) -> list[str]:
    if not 1 <= line <= len(report.lines):
        return []
    text = report.lines[line - 1].rstrip("\r").replace("\t", " ")
    start = max(0, column - 1 - _CONTEXT)
    shown = (
        ("…" if start else "") + text[start : start + 2 * _CONTEXT] + ("…" if len(text) > start + 2 * _CONTEXT else "")
    )
    caret = column - start + (1 if start else 0)
    return [f"    [dim]{line:>4} |[/] {terminal(shown)}", f"    [dim]     |[/] {' ' * (caret - 1)}[bold]^[/]"]


def print_report(console: Console, result: ValidationResult, strict: bool, quiet: bool = False) -> None:
    """Print each file with problems, then a one-line summary."""
    for report in result.files:
        diagnostics = sorted(report.diagnostics)
        if not diagnostics:
            continue
        kind = f" [dim]({terminal(report.kind or 'unknown kind')})[/]" if report.leaf else ""  # not a leaf: .lab.toml
        console.print(f"[bold]{terminal(report.path)}[/]{kind}")
        for d in diagnostics:
            level = "error" if d.severity is Severity.ERROR or strict else "warning"
            style = _STYLE[Severity(level)]
            console.print(
                f"  {d.line}:{d.column} [{style}]{level}[/] {terminal(d.message)} [dim]({d.rule})[/]",
                highlight=False,
            )
            if not quiet:
                for row in _source_line(report, d.line, d.column):
                    console.print(row, highlight=False)
        console.print()
    if any(d.rule in _FORMAT_RULES for report in result.files for d in report.diagnostics):
        console.print(f"[dim]The qna.yaml format, field by field, with an example per kind: {FORMAT_DOC}[/]")
    print_summary(console, result, strict)


def print_summary(console: Console, result: ValidationResult, strict: bool) -> None:
    """One line: files checked, errors and warnings, and the verdict."""
    bad = sum(1 for f in result.files if f.errors or (strict and f.warnings))
    verdict = "[bold red]invalid[/]" if result.failed(strict) else "[bold green]valid[/]"
    console.print(
        f"{len(result.files)} file(s) checked: {result.error_count} error(s), {result.warning_count} warning(s), "
        f"{bad} file(s) failing — {verdict}",
        highlight=False,
    )


def print_diff(console: Console, result: DiffResult, strict: bool) -> None:
    """``lab diff``'s human report: the changed leaves (A/M/D/R, with kind), then the validation of each."""
    from lab_cli.gitrepo import WORKTREE

    head = "the work tree" if result.head == WORKTREE else result.head[:12]
    if not result.changes:
        console.print(f"No taxonomy leaves changed between {result.base[:12]} and {head}.")
        return
    console.print(f"[bold]{len(result.changes)} changed leaf(s)[/] ({result.base[:12]} → {head}):")
    for change in result.changes:
        renamed = f" [dim](from {terminal(change.old_path)})[/]" if change.old_path else ""
        console.print(
            f"  {change.status}  {terminal(change.leaf)}{renamed} [dim]{change.kind or 'unknown kind'}[/]",
            highlight=False,
        )
    console.print()
    print_report(console, result.validation, strict)
