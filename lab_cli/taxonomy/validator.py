"""Validation of taxonomy files: the same verdicts as InstructLab's reference, with exact positions.

One file's problems never stop the others: every failure of a file becomes a diagnostic in its report.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lab_cli.documents.patterns import pattern_problem
from lab_cli.errors import UsageError
from lab_cli.taxonomy import leaf as leaves
from lab_cli.taxonomy import schema
from lab_cli.taxonomy.diagnostics import Diagnostic, FileReport, ValidationResult
from lab_cli.taxonomy.fastload import Positions
from lab_cli.taxonomy.lint import SAFETY_RULES, lint
from lab_cli.taxonomy.rules import LintSource
from lab_cli.taxonomy.source import DEFAULT_MAX_BYTES, SourceText, is_within, read_source
from lab_cli.taxonomy.syntax_words import FORMAT_DOC
from lab_cli.taxonomy.yamltext import parse
from lab_cli.text import has_control, visible


@dataclass(frozen=True)
class Attribution:
    """What lab knows of the ``attribution.txt`` beside a file."""

    present: bool
    problem: str = ""


DataCheck = Callable[[dict[str, Any], Positions], Iterable[Diagnostic]]
"""An extra check of a file's parsed data (e.g. the document URL policy of pull-request mode)."""


def check_text(
    source: SourceText,
    relative: PurePosixPath,
    display_path: str,
    attribution: Attribution,
    extra_checks: Sequence[DataCheck] = (),
) -> FileReport:
    """Validate one file's decoded text; ``relative`` is its path from the taxonomy root."""
    report = FileReport(path=display_path, leaf=leaves.leaf_name(relative), kind=leaves.path_kind(relative))
    if has_control(relative.as_posix()):
        message = f"the path {visible(relative.as_posix())!r} holds control characters; rename it"
        report.add(1, 1, "unsafe-name", message)
    if outside := leaves.outside_taxonomy(relative):
        report.add(1, 1, "outside-taxonomy", outside)
    if relative.name != leaves.LEAF_FILE:
        report.add(
            1,
            1,
            "file-name",
            f'taxonomy files must be named "qna.yaml"; rename "{relative.name}" to qna.yaml',
        )
    if source.text is None:
        assert source.problem is not None
        report.diagnostics.append(source.problem)
        return report
    text = source.text
    report.lines = text.split("\n")
    parsed = parse(text)
    version = leaves.schema_version(parsed.data) if parsed.ok else None
    linted_as_reference = isinstance(version, int) and not isinstance(version, bool) and version > 1
    lint_source = LintSource(text, report.lines, parsed.tokens, source.had_bom, parsed.checked_tokens)
    findings = lint(lint_source, demote=parsed.ok and not linted_as_reference)
    if not parsed.ok:
        if parsed.problems[0].rule == "yaml-bomb":  # one error for the bomb, not one per alias it holds
            findings = [finding for finding in findings if finding.rule != "anchors"]
        report.diagnostics.extend(absorb_into_syntax_error(findings, parsed.problems[0]))
        report.diagnostics.extend(parsed.problems)
        return report
    if parsed.data is None and not text.strip():  # one empty-file error says it all: no blank-line findings
        findings = [finding for finding in findings if finding.rule in SAFETY_RULES]
    report.diagnostics.extend(findings)
    _check_data(report, parsed.data, parsed.positions, relative, version, attribution)
    if isinstance(parsed.data, dict):
        for extra in extra_checks:
            report.diagnostics.extend(extra(parsed.data, parsed.positions))
    return report


def absorb_into_syntax_error(findings: list[Diagnostic], syntax: Diagnostic) -> list[Diagnostic]:
    """Drop the first lint finding at or after a syntax error, as yamllint does (it is usually the same fault)."""
    ordered = sorted(findings)
    for index, finding in enumerate(ordered):
        if syntax.line <= finding.line and syntax.column <= finding.column:
            return ordered[:index] + ordered[index + 1 :]
    return ordered


def _check_data(
    report: FileReport, data: Any, positions: Positions, relative: PurePosixPath, version: Any, attribution: Attribution
) -> None:
    if not data:
        report.add(
            1, 1, "empty-file", f"file is empty; a leaf needs a version, seed examples and more (see {FORMAT_DOC})"
        )
        return
    if not isinstance(data, dict):
        line, column = positions.value(())
        report.add(line, column, "not-a-mapping", "the top level must be a mapping of keys to values")
        return
    kind = leaves.leaf_kind(relative, data)
    report.kind = kind.value if kind else None
    report.schema_version = version if isinstance(version, int) and not isinstance(version, bool) else None
    report.diagnostics.extend(schema.validate(data, version, leaves.schema_name(relative, data), positions))
    report.diagnostics.extend(_pattern_problems(data, positions))
    if isinstance(version, int) and version >= 2 and not attribution.present:
        message = attribution.problem or f"{leaves.ATTRIBUTION_FILE} is missing or empty beside this file"
        report.add(1, 1, "attribution", f"{message}; version {version} leaves must credit their sources")


def _pattern_problems(data: dict[str, Any], positions: Positions) -> Iterator[Diagnostic]:
    """``document.patterns`` entries that are malformed, absolute, climb with ``..`` or are too long or deep."""
    document = data.get("document")
    patterns = document.get("patterns") if isinstance(document, dict) else None
    for index, pattern in enumerate(patterns if isinstance(patterns, list) else []):
        if isinstance(pattern, str) and (problem := pattern_problem(pattern)):
            line, column = positions.value(("document", "patterns", index))
            yield Diagnostic(line, column, "document-pattern", f"document.patterns[{index}]: {problem}")


def attribution_beside(path: Path, root: Path, follow_symlinks: bool = True) -> Attribution:
    """Whether a non-empty ``attribution.txt`` sits next to ``path`` (inside ``root``)."""
    candidate = path.parent / leaves.ATTRIBUTION_FILE
    source = read_source(candidate, root, follow_symlinks=follow_symlinks)
    if source.text is None:
        if candidate.is_symlink() or candidate.exists():
            return Attribution(False, f"{leaves.ATTRIBUTION_FILE} cannot be used: {source.problem.message}")
        return Attribution(False)
    return Attribution(bool(source.text.strip()))


def check_file(
    path: Path,
    root: Path,
    display_path: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    relative: PurePosixPath | None = None,
    extra_checks: Sequence[DataCheck] = (),
    follow_symlinks: bool = True,
) -> FileReport:
    """Validate one file on disk (``relative``: its path from ``root``, computed when not given); without
    ``follow_symlinks`` (pull-request mode) a symlink anywhere on the way is an error, even one inside ``root``."""
    if relative is None:
        relative = PurePosixPath(Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix())
    source = read_source(path, root, max_bytes, follow_symlinks)
    attribution = attribution_beside(path, root, follow_symlinks)
    return check_text(source, relative, display_path, attribution, extra_checks)


def find_root(start: Path) -> Path:
    """The taxonomy root for ``start``: the folder above the first taxonomy folder on the path (``tax`` for
    ``tax/knowledge/a``), looked for below the enclosing git work tree's top, which is the root when the path has
    none (so a misspelled top folder is reported as outside the taxonomy); outside git, ``start`` (or its folder)."""
    folder = start if start.is_dir() else start.parent
    top = next((candidate for candidate in (folder, *folder.parents) if (candidate / ".git").exists()), None)
    below = folder.parts[len(top.parts) :] if top is not None else folder.parts
    first = leaves.first_taxonomy_folder(below)
    if first:  # outside git, ``below`` is the whole absolute path
        return (top or Path()).joinpath(*below[:first])
    return top or folder


def _is_work_tree(root: Path) -> bool:
    return (root / ".git").exists()


@dataclass(frozen=True)
class Selected:
    """A file chosen for validation: where it is, its taxonomy root, how to show it, and whether it is inside."""

    path: Path
    root: Path
    shown: str
    inside_root: bool = True
    relative: PurePosixPath | None = None
    unreadable: str = ""  # a folder that could not be listed: why


def collect(paths: Sequence[Path]) -> list[Selected]:
    """The files to validate for the given paths, each file once."""
    if not paths:
        root = find_root(Path.cwd())
        return [_discovered(c, root, c.relative.as_posix()) for c in leaves.discover(root, root)]
    selected: dict[Path, Selected] = {}
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise UsageError(
                f"{given}: no such file or folder; give qna.yaml files or folders, or no path for the whole taxonomy"
            )
        absolute = Path(os.path.abspath(given))
        root = find_root(absolute)
        if given.is_dir() and not given.is_symlink():
            for candidate in leaves.discover(root, absolute):  # discovery never enters symlinked folders
                shown = os.path.join(given, os.path.relpath(candidate.path, absolute))
                selected.setdefault(candidate.path, _discovered(candidate, root, shown))
            continue
        if given.name == leaves.ATTRIBUTION_FILE:  # pre-commit passes changed attribution files: judge their leaf
            absolute, given = absolute.parent / leaves.LEAF_FILE, given.parent / leaves.LEAF_FILE
            if not absolute.exists():
                continue
        selected.setdefault(absolute, Selected(absolute, root, str(given), is_within(absolute.parent, root)))
    return list(selected.values())


def _discovered(candidate: leaves.Candidate, root: Path, shown: str) -> Selected:
    """A discovered file; outside a git work tree its root is its own (folders below a plain folder may hold
    several taxonomies, or none)."""
    if candidate.unreadable:
        return Selected(candidate.path, root, shown, unreadable=candidate.unreadable)
    if _is_work_tree(root):
        parts = candidate.relative.parts
        first = leaves.first_taxonomy_folder(parts[:-1])
        if first:  # a taxonomy in a folder of the repository (lab's own taxonomy/): that folder is its root
            return Selected(
                candidate.path, root.joinpath(*parts[:first]), shown, relative=PurePosixPath(*parts[first:])
            )
        return Selected(candidate.path, root, shown, relative=candidate.relative)
    own = find_root(candidate.path)
    return Selected(candidate.path, own, shown, is_within(candidate.path.parent, root), None)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a batch of validations.

    Validation allocates millions of short-lived, acyclic objects (tokens, marks); the collector's passes over
    them cost about a third of a run, and reference counting frees them all the same.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validate_paths(
    paths: Sequence[Path],
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> ValidationResult:
    """Validate files and folders (default: the taxonomy around the current folder)."""
    files = collect(paths)
    reports = []
    with collection_paused():
        for index, item in enumerate(files, start=1):
            if item.unreadable:
                report = FileReport(path=item.shown, leaf=item.shown)
                message = f"folder cannot be read ({item.unreadable}); the leaves in it were not validated"
                report.add(1, 1, "unreadable", message)
            elif item.inside_root:
                report = check_file(item.path, item.root, item.shown, max_bytes, item.relative)
            else:
                report = FileReport(path=item.shown, leaf=item.shown)
                report.add(1, 1, "unsafe-path", "file lies outside the taxonomy root (through a symlinked folder)")
            reports.append(report)
            if progress is not None:
                progress(index, len(files))
    return ValidationResult(reports)


def fix_paths(paths: Sequence[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """Apply ``--fix`` to every file the paths select; the display paths of files that changed."""
    from lab_cli.taxonomy.fix import fix_file

    changed = []
    for item in (item for item in collect(paths) if not item.unreadable):
        source = read_source(item.path, item.root, max_bytes)
        writable = item.inside_root and source.text is not None and not item.path.is_symlink()
        if writable and fix_file(item.path, source.text):
            changed.append(item.shown)
    return changed
