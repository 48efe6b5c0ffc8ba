"""The pull-request comment: a Markdown summary of a diff, rendered by lab so the bot only posts text."""

from __future__ import annotations

from lab_cli.output.escape import markdown, markdown_code
from lab_cli.taxonomy.diff import DiffResult

COMMENT_MARKER = "<!-- lab-diff-report -->"
"""First line of every comment lab renders, so a bot can find and update its own comment."""

_STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed"}
_MAX_LISTED = 20


def render(result: DiffResult, strict: bool = False) -> str:
    """The comment body: verdict, a table of changed leaves, then the first problems of each failing leaf."""
    reports = {report.path: report for report in result.validation.files}
    failed = result.validation.failed(strict)
    verdict = "❌ **lab found problems**" if failed else "✅ **lab: every changed leaf is valid**"
    lines = [COMMENT_MARKER, f"## lab diff — {verdict}", ""]
    if not result.changes:
        return "\n".join([*lines, f"No taxonomy leaves changed between `{result.base[:12]}` and `{result.head[:12]}`."])
    lines += ["| leaf | status | kind | errors | warnings |", "|---|---|---|---|---|"]
    for change in result.changes:
        report = reports.get(change.path)
        errors = str(len(report.errors)) if report else "–"
        warnings = str(len(report.warnings)) if report else "–"
        status = _STATUS[change.status] + (f" from {markdown_code(change.old_path)}" if change.old_path else "")
        lines.append(f"| {markdown_code(change.leaf)} | {status} | {change.kind or '?'} | {errors} | {warnings} |")
    details = [report for report in result.validation.files if report.errors or (strict and report.warnings)]
    for report in details:
        lines += ["", f"<details><summary>{markdown_code(report.path)}</summary>", ""]
        problems = report.errors + (report.warnings if strict else [])
        for diagnostic in problems[:_MAX_LISTED]:
            lines.append(
                f"- `{diagnostic.line}:{diagnostic.column}` {markdown(diagnostic.message)} ({diagnostic.rule})"
            )
        if len(problems) > _MAX_LISTED:
            lines.append(f"- … and {len(problems) - _MAX_LISTED} more")
        lines += ["", "</details>"]
    lines += ["", f"Compared `{result.base[:12]}` → `{result.head[:12]}` · run `lab diff` locally for exact output."]
    return "\n".join(lines)
