"""Knowledge documents at exactly the pinned commit, fetched once into a bare cache and read from git objects.

A leaf's ``document.repo`` is fetched shallowly at ``document.commit`` into ``<cache>/repos/<digest>.git``
(one bare repository per URL, reused by later runs; a commit already there is not fetched again). Files are
selected by ``patterns`` from the commit's tree and read as blobs: nothing is checked out, so no symlink or
``..`` can reach outside the repository, and nothing from it is ever executed.

Patterns are those of ``lab_cli.documents.patterns`` (checked, matched without backtracking). Markdown
(``.md``, ``.markdown``) and plain text (``.txt``, ``.rst``, ``.adoc``) are read as they are; HTML, DOCX and PDF
are converted to text (``lab_cli.documents.extract``); other files are skipped with a note.

A document repository is named by a leaf, so it is untrusted: a fetch is stopped once it brings more than
``max_fetch_bytes`` (what arrived is deleted), a selected file over ``max_document_bytes`` is an error before
anything is read, and so are selected files that total more than ``max_fetch_bytes``. Both are
``[limits]`` settings in ``.lab.toml``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from lab_cli.documents.extract import SUPPORTED_SUFFIXES, TEXT_EXTRACTOR, TEXT_SUFFIXES, ExtractionError, extract
from lab_cli.documents.patterns import Pattern, PatternError, compile_pattern
from lab_cli.documents.urls import DEFAULT_ALLOWED_HOSTS, url_problem
from lab_cli.errors import GitError, LabError
from lab_cli.gitrepo import SYMLINK_MODE, FetchTooLarge, GitRepo

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
"""Largest document file read (``[limits] max_document_bytes``): books in Markdown are a few MiB."""
MAX_FETCH_BYTES = 200 * 1024 * 1024
"""Most one fetch of a document repository may bring, and its selected files total (``[limits] max_fetch_bytes``)."""
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


class DocumentError(LabError):
    """A knowledge document that cannot be fetched or selected."""


class DocumentUnavailable(DocumentError):
    """A document source that could not be reached (offline, host down): the leaf may well be valid."""


@dataclass(frozen=True)
class Document:
    """One selected file of a document repository at a commit."""

    path: str
    text: str
    blob: str
    extractor: str = TEXT_EXTRACTOR  # the converter that made ``text`` (``lab_cli.documents.extract``)

    @property
    def fingerprint_id(self) -> str:
        """What the leaf's fingerprint records for this file: its blob, and the converter unless it is text (so
        text documents keep the fingerprint they had before converters existed)."""
        return self.blob if self.extractor == TEXT_EXTRACTOR else f"{self.blob}+{self.extractor}"


@dataclass(frozen=True)
class Selection:
    """The documents a leaf resolves to, and the files its patterns matched but lab could not use."""

    repo: str
    commit: str
    documents: tuple[Document, ...]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    """How much one document source may cost: bytes per file, bytes per fetch, seconds per git command."""

    max_document_bytes: int = MAX_DOCUMENT_BYTES
    max_fetch_bytes: int = MAX_FETCH_BYTES
    git_timeout: float | None = None  # None: $LAB_GIT_TIMEOUT, else lab's default


class DocumentCache:
    """Bare repositories of document sources under ``root``, one per URL."""

    def __init__(
        self,
        root: Path,
        allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS,
        allow_local: bool = False,
        limits: Limits = Limits(),
    ) -> None:
        self.root = root
        self.allowed_hosts = allowed_hosts
        self.allow_local = allow_local
        self.limits = limits
        self.fetches = 0  # network (or local) fetches made by this cache object: tests and reports read it

    def _repository(self, url: str) -> GitRepo:
        problem = url_problem(url, self.allowed_hosts, self.allow_local)
        if problem:
            raise DocumentError(f"document.repo {url!r}: {problem}")
        folder = self.root / "repos" / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".git")
        repo = GitRepo(folder, self.limits.git_timeout)
        if not (folder / "HEAD").exists():
            folder.mkdir(parents=True, exist_ok=True)
            repo.init_bare()
        return repo

    def select(self, url: str, commit: str, patterns: list[str]) -> Selection:
        """The documents ``patterns`` select from ``url`` at ``commit`` (fetched once, then cached)."""
        if not _FULL_SHA.match(commit):
            raise DocumentError(f"document.commit {commit!r} must be a full 40-character commit id")
        try:
            expressions = [compile_pattern(pattern) for pattern in patterns]
        except PatternError as exc:
            raise DocumentError(str(exc)) from exc
        repo = self._repository(url)
        if not repo.has_commit(commit):
            self._fetch(repo, url, commit)
        return _select(repo, url, commit, expressions, self.limits)

    def _fetch(self, repo: GitRepo, url: str, commit: str) -> None:
        self.fetches += 1
        cap = self.limits.max_fetch_bytes
        try:
            repo.fetch(url, commit, cap, allow_file=self.allow_local)
        except FetchTooLarge as exc:
            raise DocumentError(
                f"{url} at {commit[:12]} is larger than the {cap:,}-byte fetch limit: stopped, nothing kept "
                "(raise [limits] max_fetch_bytes in .lab.toml if the documents really are that big)"
            ) from exc
        except GitError as exc:
            raise DocumentUnavailable(f"document unavailable: cannot fetch {commit[:12]} from {url}: {exc}") from exc
        if not repo.has_commit(commit):
            raise DocumentError(f"{url} did not provide commit {commit}")


def _select(repo: GitRepo, url: str, commit: str, expressions: list[Pattern], limits: Limits) -> Selection:
    """The matched documents, read only once every size is known to be within ``limits``."""
    chosen, skipped, total = [], [], 0
    for path, entry, kind in repo.tree_entries(commit):
        if not any(expression.matches(path) for expression in expressions):
            continue
        size = entry.size or 0  # None only for a submodule, refused below
        if entry.mode == SYMLINK_MODE or kind != "blob":
            skipped.append(f"{path} (symlink or submodule: not followed)")
        elif not path.lower().endswith(SUPPORTED_SUFFIXES):
            skipped.append(f"{path} (not Markdown, plain text, HTML, DOCX or PDF)")
        elif size > limits.max_document_bytes:
            raise DocumentError(
                f"{path} at {commit[:12]} of {url} is {size:,} bytes, over the {limits.max_document_bytes:,}-byte "
                "limit for one document ([limits] max_document_bytes in .lab.toml); narrow document.patterns"
            )
        else:
            chosen.append((path, entry.sha))
            total += size
    if total > limits.max_fetch_bytes:
        raise DocumentError(
            f"the files document.patterns select at {commit[:12]} of {url} total {total:,} bytes, over the "
            f"{limits.max_fetch_bytes:,}-byte limit ([limits] max_fetch_bytes in .lab.toml); narrow the patterns"
        )
    blobs = repo.read_blobs([sha for _, sha in chosen])
    documents = []
    for path, sha in chosen:
        try:
            extracted = extract(path, blobs[sha], limits.max_document_bytes)
        except ExtractionError as problem:
            if path.lower().endswith(TEXT_SUFFIXES):  # a text file in another encoding: noted, as always
                skipped.append(f"{path} (not UTF-8)")
                continue
            raise DocumentError(f"{problem} (at {commit[:12]} of {url})") from problem
        documents.append(Document(path, extracted.text, sha, extracted.extractor))
    if not documents:
        raise DocumentError(f"no readable document matches the patterns at {commit[:12]} of {url}")
    return Selection(url, commit, tuple(documents), tuple(skipped))
