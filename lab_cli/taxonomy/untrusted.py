"""What pull-request mode adds to validation: the problems of untrusted content around a leaf.

A pull request is written by anyone: it may add symlinks, submodules or huge files beside a leaf, put a leaf
outside the taxonomy folders, leave files that belong to no leaf, point a document at any host, or change lab's
own settings. Each becomes a diagnostic; nothing here reads a file's content.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any

from lab_cli.config import CONFIG_FILE
from lab_cli.documents.urls import url_problem
from lab_cli.gitrepo import SUBMODULE_MODE, SYMLINK_MODE, Change, Entry
from lab_cli.taxonomy import leaf as leaves
from lab_cli.taxonomy.diagnostics import Diagnostic, FileReport, Severity
from lab_cli.taxonomy.fastload import Positions
from lab_cli.taxonomy.validator import DataCheck
from lab_cli.text import has_control, visible

PathKind = Callable[[str], tuple[str, int] | None]
"""What a changed path is (``symlink`` | ``submodule`` | ``file``, size), or None when it is absent."""


def document_checks(allowed_hosts: tuple[str, ...]) -> list[DataCheck]:
    """The data checks of pull-request mode: a knowledge ``document.repo`` must be an allowed https URL."""

    def document_url(data: dict[str, Any], positions: Positions) -> Iterable[Diagnostic]:
        document = data.get("document")
        repo_url = document.get("repo") if isinstance(document, dict) else None
        if isinstance(repo_url, str) and (problem := url_problem(repo_url, allowed_hosts)):
            line, column = positions.value(("document", "repo"))
            yield Diagnostic(line, column, "document-url", f"document.repo {repo_url!r}: {problem}")

    return [document_url]


def siblings(leaf_path: str, raw: list[Change]) -> list[str]:
    """The changed paths that belong to a leaf's folder (its qna.yaml included)."""
    folder = PurePosixPath(leaf_path).parent
    return [c.path for c in raw if PurePosixPath(c.path).parent == folder and c.status != "D"]


def worktree_kind(top: os.PathLike[str], relative: str) -> tuple[str, int] | None:
    """What a changed path is on disk, without following it."""
    try:
        info = os.lstat(os.path.join(top, relative))
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return "symlink", 0
    return ("submodule" if stat.S_ISDIR(info.st_mode) else "file"), info.st_size


def commit_kind(entries: dict[str, Entry], relative: str) -> tuple[str, int] | None:
    """What a changed path is in the head commit's tree."""
    entry = entries.get(relative)
    if entry is None:
        return None
    kind = {SYMLINK_MODE: "symlink", SUBMODULE_MODE: "submodule"}.get(entry.mode, "file")
    return kind, entry.size or 0


def leaf_problems(leaf_path: str, raw: list[Change], kind_of: PathKind, max_bytes: int) -> Iterable[Diagnostic]:
    """Untrusted-content problems of a leaf: at the repository top, symlinks, submodules, oversized files (a leaf
    in a folder that is no taxonomy folder is an error of every mode, found by ``validator.check_text``)."""
    relative = PurePosixPath(leaf_path)
    if not leaves.in_taxonomy(relative) and leaves.outside_taxonomy(relative) is None:
        message = "leaf is outside the taxonomy folders (knowledge/, compositional_skills/, foundational_skills/)"
        yield Diagnostic(1, 1, "outside-taxonomy", message)
    for relative in siblings(leaf_path, raw):
        if relative != leaf_path and has_control(PurePosixPath(relative).name):
            yield Diagnostic(1, 1, "unsafe-name", f"{visible(relative)!r} holds control characters; rename it")
        found = None if relative == leaf_path else kind_of(relative)  # the qna.yaml itself is judged by reading
        if found is None:
            continue
        kind, size = found
        if kind != "file":
            yield Diagnostic(1, 1, "unsafe-path", f"{relative} is a {kind}; pull requests may not add them")
        elif size > max_bytes:
            yield Diagnostic(1, 1, "file-too-large", f"{relative} is {size:,} bytes, over the {max_bytes:,}-byte limit")


def settings_changed(raw: list[Change]) -> list[FileReport]:
    """A warning when a pull request changes lab's settings, which do not apply to its own checks."""
    if not any(CONFIG_FILE in (change.path, change.old_path) for change in raw):
        return []
    report = FileReport(path=CONFIG_FILE, leaf="")
    message = (
        f"this pull request changes {CONFIG_FILE}; its checks use the settings of the base revision, "
        "the change applies once merged"
    )
    report.add(1, 1, "settings-changed", message, Severity.WARNING)
    return [report]


def stray_candidates(raw: list[Change]) -> list[str]:
    """Changed paths under the taxonomy folders that are not leaf files: each must sit in a leaf's folder."""
    return sorted(
        change.path
        for change in raw
        if change.status != "D"
        and leaves.in_taxonomy(PurePosixPath(change.path))
        and not leaves.is_leaf_file(PurePosixPath(change.path))
    )


def not_in_leaf(paths: list[str], severity: Severity) -> list[FileReport]:
    """One report per changed path that belongs to no leaf (no qna.yaml beside it at the head)."""
    reports = []
    for path in paths:
        report = FileReport(path=path, leaf="")
        message = (
            "not part of any leaf: files under the taxonomy folders belong in a leaf's folder, beside its qna.yaml"
        )
        report.add(1, 1, "not-in-leaf", message, severity)
        reports.append(report)
    return reports
