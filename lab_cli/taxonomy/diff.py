"""What a branch changed in a taxonomy, leaf by leaf, and the validation of every added or modified leaf.

One merge-base, one tree diff with rename detection (plus one untracked-file listing for the work tree), one
``ls-tree`` and one ``cat-file --batch`` for the blobs of changed leaves: the cost follows the size of the
change, never the length of the history.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from lab_cli.config import Settings, load_settings, settings_at
from lab_cli.errors import UsageError
from lab_cli.gitrepo import SUBMODULE_MODE, SYMLINK_MODE, TREE_MODE, WORKTREE, Change, GitRepo
from lab_cli.taxonomy import leaf as leaves
from lab_cli.taxonomy import untrusted
from lab_cli.taxonomy.diagnostics import Diagnostic, FileReport, Severity, ValidationResult
from lab_cli.taxonomy.source import DEFAULT_MAX_BYTES, SourceText, decode
from lab_cli.taxonomy.validator import Attribution, DataCheck, check_file, check_text, collection_paused

UPSTREAM_CANDIDATES = ("origin/HEAD", "origin/main", "main", "master")


@dataclass(frozen=True)
class LeafChange:
    """A changed leaf: status A, M, D or R; its qna.yaml path (and the old one for renames); its kind."""

    status: str
    leaf: str
    path: str
    old_path: str | None = None
    kind: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON contract's form."""
        return {
            "status": self.status,
            "leaf": self.leaf,
            "path": self.path,
            "old_path": self.old_path,
            "kind": self.kind,
        }


@dataclass
class DiffResult:
    """The changed leaves between two revisions and the validation of those that exist at the head."""

    base: str
    head: str
    changes: list[LeafChange]
    validation: ValidationResult = field(default_factory=lambda: ValidationResult([]))

    def as_dict(self) -> dict[str, object]:
        """The JSON contract of ``lab diff --format json``."""
        return {
            "base": self.base,
            "head": self.head,
            "changes": [change.as_dict() for change in self.changes],
            "validation": self.validation.as_dict(),
        }


@dataclass(frozen=True)
class DiffOptions:
    """How to judge a diff: pull-request mode treats the branch as untrusted input."""

    pr_mode: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    settings: Settings = field(default_factory=Settings)


def default_base(repo: GitRepo, head: str, configured: str | None) -> str:
    """The merge-base of ``head`` with the configured upstream, else the first of origin/HEAD, origin/main, main."""
    candidates = (configured,) if configured else UPSTREAM_CANDIDATES
    for candidate in candidates:
        if candidate and repo.exists(candidate):
            return repo.merge_base(repo.resolve(candidate), head)
    tried = ", ".join(c for c in candidates if c)
    raise UsageError(f"no base to compare with (tried {tried}); pass --base REF or set [diff] base in .lab.toml")


def review(repo: GitRepo, base: str | None, head: str | None, pr_mode: bool, max_bytes: int) -> DiffResult:
    """``lab diff``: resolve the revisions (head None: the work tree), choose the settings, diff and validate.

    In pull-request mode the settings are those committed at the base: a pull request never configures its own
    checks nor its own limits (``[diff] base`` is not consulted, so give ``--base`` or rely on the upstream
    candidates).
    """
    head_sha = repo.resolve(head) if head else WORKTREE
    anchor = head_sha if head else repo.resolve("HEAD")
    if pr_mode:
        base_sha = repo.resolve(base) if base else default_base(repo, anchor, None)
        settings = settings_at(repo, base_sha)
    else:
        settings = load_settings(repo.top)
        base_sha = repo.resolve(base) if base else default_base(repo, anchor, settings.diff_base)
    limited = repo.with_timeout(settings.git_timeout)  # in pull-request mode the base's limit, never the PR's
    return diff_taxonomy(limited, base_sha, head_sha, DiffOptions(pr_mode, max_bytes, settings))


def is_leaf_file(path: str) -> bool:
    """Whether a changed path (from the repository top) is a leaf's qna.yaml or a misnamed taxonomy YAML file."""
    return leaves.is_leaf_file(PurePosixPath(path))


def leaf_changes(repo: GitRepo, base: str, head: str, raw: list[Change]) -> list[LeafChange]:
    """Fold path changes into leaf changes: qna.yaml decides A/D/R; any other file of a leaf marks it M."""
    by_leaf: dict[str, LeafChange] = {}
    for change in raw:
        if is_leaf_file(change.path) or (change.old_path and is_leaf_file(change.old_path)):
            by_leaf[change.path] = _leaf_change(change)
    others = (
        {str(PurePosixPath(change.path).parent / leaves.LEAF_FILE) for change in raw if not is_leaf_file(change.path)}
        - set(by_leaf)
        - {c.old_path for c in by_leaf.values() if c.old_path}
    )
    at_head = _existing(repo, head, sorted(others))
    at_base = set(repo.entries(base, sorted(others)))
    for path in sorted(others & at_head & at_base):
        by_leaf[path] = _leaf_change(Change("M", path))
    return sorted(by_leaf.values(), key=lambda change: (change.leaf, change.path))


def _leaf_change(change: Change) -> LeafChange:
    relative = PurePosixPath(change.path)
    # without the file's data a compositional skill cannot be told grounded yet: validation refines it
    return LeafChange(
        change.status, leaves.leaf_name(relative), change.path, change.old_path, leaves.path_kind(relative)
    )


def _existing(repo: GitRepo, head: str, paths: list[str]) -> set[str]:
    """Which of ``paths`` are files (not folders) at ``head``."""
    if head == WORKTREE:
        return {path for path in paths if os.path.isfile(repo.top / path)}
    return {path for path, entry in repo.entries(head, paths).items() if entry.mode != TREE_MODE}


def diff_taxonomy(repo: GitRepo, base: str, head: str, options: DiffOptions = DiffOptions()) -> DiffResult:
    """The leaf changes from ``base`` to ``head`` (a commit id or ``WORKTREE``), each existing leaf validated."""
    raw = repo.changes(base, head)
    changes = leaf_changes(repo, base, head, raw)
    judged = [change for change in changes if change.status != "D"]
    with collection_paused():
        if head == WORKTREE:
            reports = [_check_worktree(repo, change, raw, options) for change in judged]
        else:
            reports = _check_commit(repo, head, judged, raw, options)
    for change, report in zip(judged, reports, strict=True):
        if report.kind != change.kind:  # the file's data refines what its path told (grounded or freeform)
            changes[changes.index(change)] = LeafChange(
                change.status, change.leaf, change.path, change.old_path, report.kind
            )
    reports.extend(_unaccounted(repo, head, raw, options))
    if options.pr_mode:
        reports.extend(untrusted.settings_changed(raw))
    return DiffResult(base, head, changes, ValidationResult(reports))


def _unaccounted(repo: GitRepo, head: str, raw: list[Change], options: DiffOptions) -> list[FileReport]:
    """Reports of changed taxonomy paths that belong to no leaf: errors in pull-request mode, else warnings."""
    candidates = untrusted.stray_candidates(raw)
    beside = {path: str(PurePosixPath(path).parent / leaves.LEAF_FILE) for path in candidates}
    in_leaf = _existing(repo, head, sorted(set(beside.values())))
    stray = [path for path in candidates if beside[path] not in in_leaf]
    return untrusted.not_in_leaf(stray, Severity.ERROR if options.pr_mode else Severity.WARNING)


def check_leaves_at(
    repo: GitRepo, commit: str, paths: list[str], options: DiffOptions = DiffOptions()
) -> list[FileReport]:
    """Validate the leaves whose qna.yaml are ``paths`` as they are in ``commit`` (blobs only, no checkout)."""
    judged = [_leaf_change(Change("A", path)) for path in paths]
    with collection_paused():
        return _check_commit(repo, commit, judged, [], options)


def _extra_checks(options: DiffOptions) -> list[DataCheck]:
    return untrusted.document_checks(options.settings.allowed_hosts) if options.pr_mode else []


def _check_worktree(repo: GitRepo, change: LeafChange, raw: list[Change], options: DiffOptions) -> FileReport:
    path = repo.top / change.path
    relative = PurePosixPath(change.path)
    extra = _extra_checks(options)
    report = check_file(path, repo.top, change.path, options.max_bytes, relative, extra, not options.pr_mode)
    if options.pr_mode:
        kind_of = functools.partial(untrusted.worktree_kind, repo.top)
        report.diagnostics.extend(untrusted.leaf_problems(change.path, raw, kind_of, options.max_bytes))
    return report


def _check_commit(
    repo: GitRepo, head: str, judged: list[LeafChange], raw: list[Change], options: DiffOptions
) -> list[FileReport]:
    """Validate leaves as they are in commit ``head``, reading only their blobs."""
    wanted = sorted(
        {change.path for change in judged}
        | {str(PurePosixPath(change.path).parent / leaves.ATTRIBUTION_FILE) for change in judged}
        | {path for change in judged for path in untrusted.siblings(change.path, raw)}
    )
    entries = repo.entries(head, wanted)
    readable = [
        e.sha
        for e in entries.values()
        if e.mode not in (SYMLINK_MODE, SUBMODULE_MODE) and e.size is not None and e.size <= options.max_bytes
    ]
    blobs = repo.read_blobs(sorted(set(readable)))
    extra = _extra_checks(options)
    reports = []
    for change in judged:
        entry = entries.get(change.path)
        source = _blob_source(entry, blobs, options.max_bytes)
        attribution = _blob_attribution(
            entries.get(str(PurePosixPath(change.path).parent / leaves.ATTRIBUTION_FILE)), blobs
        )
        report = check_text(source, PurePosixPath(change.path), change.path, attribution, extra)
        if options.pr_mode:
            kind_of = functools.partial(untrusted.commit_kind, entries)
            report.diagnostics.extend(untrusted.leaf_problems(change.path, raw, kind_of, options.max_bytes))
        reports.append(report)
    return reports


def _blob_source(entry: Any, blobs: dict[str, bytes], max_bytes: int) -> SourceText:
    if entry is None:
        return SourceText(None, Diagnostic(1, 1, "unreadable", "file is missing at the head revision"))
    if entry.mode == SYMLINK_MODE:
        return SourceText(None, Diagnostic(1, 1, "unsafe-path", "qna.yaml is a symlink; lab does not follow it"))
    if entry.mode == SUBMODULE_MODE:
        return SourceText(None, Diagnostic(1, 1, "not-a-file", "qna.yaml is a submodule, not a file"))
    if entry.size is None or entry.size > max_bytes:
        return SourceText(None, Diagnostic(1, 1, "file-too-large", f"file is {entry.size:,} bytes, over the limit"))
    return decode(blobs[entry.sha])


def _blob_attribution(entry: Any, blobs: dict[str, bytes]) -> Attribution:
    if entry is None:
        return Attribution(False)
    if entry.sha not in blobs:
        return Attribution(False, f"{leaves.ATTRIBUTION_FILE} cannot be used: it is a symlink or too large")
    source = decode(blobs[entry.sha])
    return Attribution(bool(source.text and source.text.strip()))
