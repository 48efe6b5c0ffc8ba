"""What ``lab generate`` will do at a taxonomy commit: per leaf, its generation key and whether its samples
are stored (``cached``), to be made (``generate``), left out (``missing``: unchanged, no samples for this
teacher/pipeline, and ``--all`` not given) or impossible (``invalid``: the leaf or its document has errors;
``unavailable``: a valid knowledge leaf whose document source cannot be reached, e.g. offline).

The leaves considered are those changed since the base — by default the taxonomy commit of the newest
dataset snapshot behind the target, so each run picks up exactly where the last one stopped; every leaf on
a first run or with ``--all``. An unchanged leaf takes its fingerprint from the base snapshot, so its
document is not fetched again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from lab_cli.datasets.keys import GenerationSpec, generation_key, leaf_fingerprint
from lab_cli.datasets.manifest import EMPTY, Manifest
from lab_cli.datasets.snapshot import read_manifest, snapshot_history, snapshot_of
from lab_cli.datasets.store import SampleStore
from lab_cli.documents.fetch import DocumentCache, DocumentUnavailable
from lab_cli.errors import LabError
from lab_cli.generate.kinds import PIPELINE_OF_KIND, estimate_requests
from lab_cli.generate.pipeline import Pipeline, load_pipeline
from lab_cli.gitrepo import WORKTREE, GitRepo
from lab_cli.taxonomy import leaf as leaves
from lab_cli.taxonomy.diff import check_leaves_at, is_leaf_file, leaf_changes

CHANGE_NAMES = {"A": "added", "M": "modified", "R": "renamed"}
ACTIONS = ("generate", "cached", "missing", "invalid", "unavailable")
BLOCKING = ("invalid", "unavailable")
"""Actions that keep a commit's dataset snapshot from being recorded."""

Chunker = Callable[[str, int], list[str]]
"""Cuts a document's text into chunks of at most N teacher tokens."""


@dataclass(frozen=True)
class GenerateOptions:
    """What to generate and how; every field but ``dry_run`` and ``workers`` shapes the plan."""

    revision: str = "HEAD"
    base: str | None = None
    all_leaves: bool = False
    scale: int = 2
    seed: int = 0
    pipelines_dir: Path | None = None
    allow_local_documents: bool = False
    max_tokens: int | None = None
    judges: bool = True

    def pipeline(self, kind: str) -> Pipeline:
        """The pipeline a leaf kind uses under these options."""
        pipeline = load_pipeline(PIPELINE_OF_KIND[kind], self.pipelines_dir).capped(self.max_tokens)
        return pipeline if self.judges else pipeline.without_judges()


@dataclass
class LeafPlan:
    """One leaf of the plan; ``data`` and ``chunks`` are what generation needs (not part of the report)."""

    leaf: str
    path: str
    kind: str
    change: str
    action: str = "generate"
    fingerprint: str = ""
    key: str = ""
    requests: int = 0
    problem: str = ""
    data: dict[str, Any] | None = field(default=None, repr=False)
    chunks: list[str] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "leaf": self.leaf,
            "kind": self.kind,
            "change": self.change,
            "action": self.action,
            "generation_key": self.key,
            "estimated_requests": self.requests,
            "problem": self.problem or None,
        }


@dataclass
class Plan:
    """The leaves at one taxonomy commit and what generation will do with each."""

    commit: str
    base: str | None
    teacher: str
    leaves: list[LeafPlan]
    deleted: list[str] = field(default_factory=list)
    uncommitted: list[str] = field(default_factory=list)

    def by_action(self, action: str) -> list[LeafPlan]:
        """The leaves with one action."""
        return [leaf for leaf in self.leaves if leaf.action == action]

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        counts = {action: len(self.by_action(action)) for action in ACTIONS}
        return {
            "commit": self.commit,
            "base": self.base,
            "teacher": self.teacher,
            "counts": counts,
            "estimated_requests": sum(leaf.requests for leaf in self.by_action("generate")),
            "leaves": [leaf.as_dict() for leaf in self.leaves],
            "deleted": self.deleted,
            "uncommitted": self.uncommitted,
        }


def generation_spec(pipeline: Pipeline, teacher: str, seed: int, scale: int) -> GenerationSpec:
    """What besides the leaf shapes its samples."""
    sampling = tuple((step.name, step.temperature) for step in pipeline.steps)
    return GenerationSpec(f"{pipeline.id}/v{pipeline.version}", (pipeline.digest,), teacher, sampling, seed, scale)


def leaf_paths(repo: GitRepo, commit: str) -> list[str]:
    """Every leaf's qna.yaml in ``commit`` (inside a taxonomy folder)."""
    names = repo.tree_paths(commit)
    return sorted(
        name
        for name in names
        if PurePosixPath(name).name == leaves.LEAF_FILE
        and leaves.taxonomy_folder(PurePosixPath(name).parts[:-1]) is not None
    )


def last_generated(repo: GitRepo, commit: str) -> tuple[str, Manifest] | None:
    """The newest snapshot whose taxonomy commit is ``commit`` or behind it: (that commit, its manifest)."""
    for snapshot in snapshot_history(repo):
        manifest = read_manifest(repo, snapshot)
        taxonomy_commit = manifest.taxonomy_commit
        if repo.exists(taxonomy_commit) and repo.is_ancestor(taxonomy_commit, commit):
            return taxonomy_commit, manifest
    return None


def _base(repo: GitRepo, commit: str, options: GenerateOptions) -> tuple[str | None, Manifest]:
    """The base commit and its snapshot manifest (empty when it has none)."""
    if options.base is None:
        found = last_generated(repo, commit)
        return found if found else (None, EMPTY)
    base = repo.merge_base(repo.resolve(options.base), commit)
    try:
        return base, read_manifest(repo, snapshot_of(repo, base))
    except LabError:
        return base, EMPTY


def plan_generation(
    repo: GitRepo,
    options: GenerateOptions,
    teacher: str,
    store: SampleStore,
    documents: DocumentCache,
    chunker: Chunker,
) -> Plan:
    """The plan of ``lab generate`` for ``options.revision`` with the teacher identified by ``teacher``."""
    commit = repo.resolve(options.revision)
    base, manifest = _base(repo, commit, options)
    changes = leaf_changes(repo, base, commit, repo.changes(base, commit)) if base else []
    status = {change.path: CHANGE_NAMES.get(change.status, "modified") for change in changes if change.status != "D"}
    known = manifest.leaves
    plan = Plan(commit, base, teacher, [], sorted(c.leaf for c in changes if c.status == "D"), _uncommitted(repo))
    to_read = []
    for path in leaf_paths(repo, commit):
        name = leaves.leaf_name(PurePosixPath(path))
        item = LeafPlan(name, path, "", status.get(path, "unchanged" if base else "added"))
        plan.leaves.append(item)
        previous = known.get(name)
        if item.change == "unchanged" and previous is not None and previous.provenance.get("fingerprint"):
            item.kind, item.fingerprint = previous.kind, previous.provenance["fingerprint"]
            _decide(item, options, teacher, store, considered=False)
            if item.action == "missing" and options.all_leaves:
                to_read.append(item)  # stale for this teacher or pipeline: --all regenerates it
        else:
            to_read.append(item)
    _read_leaves(repo, commit, to_read, options, documents, chunker)
    for item in to_read:
        _decide(item, options, teacher, store, considered=item.change != "unchanged" or options.all_leaves)
    return plan


def _uncommitted(repo: GitRepo) -> list[str]:
    """Leaf files changed in the work tree but not committed (generation reads commits only)."""
    if not (repo.top / ".git").exists() or repo.ref("HEAD") is None:
        return []
    return sorted({change.path for change in repo.changes("HEAD", WORKTREE) if is_leaf_file(change.path)})


def _read_leaves(
    repo: GitRepo,
    commit: str,
    items: list[LeafPlan],
    options: GenerateOptions,
    documents: DocumentCache,
    chunker: Chunker,
) -> None:
    """Validate, parse and fingerprint leaves (fetching knowledge documents); problems mark a leaf invalid."""
    reports = check_leaves_at(repo, commit, [item.path for item in items])
    entries = repo.entries(commit, [p for item in items for p in (item.path, _attribution_path(item))])
    blobs = repo.read_blobs(sorted({entry.sha for entry in entries.values()}))
    for item, report in zip(items, reports, strict=True):
        errors = report.errors
        if errors:
            first = errors[0]
            item.action, item.problem = "invalid", f"{item.path}:{first.line}:{first.column}: {first.message}"
            item.kind = report.kind or str(leaves.leaf_kind(PurePosixPath(item.path), None))
            continue
        qna = blobs[entries[item.path].sha]
        attribution = entries.get(_attribution_path(item))
        item.data = yaml.safe_load(qna.decode("utf-8-sig"))
        item.kind = str(leaves.leaf_kind(PurePosixPath(item.path), item.data))
        selected: list[tuple[str, str]] = []
        if item.kind == "knowledge":
            try:
                selected = _documents(item, options, documents, chunker)
            except DocumentUnavailable as exc:
                item.action, item.problem = "unavailable", str(exc)
                continue
            except LabError as exc:
                item.action, item.problem = "invalid", str(exc)
                continue
        item.fingerprint = leaf_fingerprint(qna, blobs[attribution.sha] if attribution else b"", selected)


def _attribution_path(item: LeafPlan) -> str:
    return str(PurePosixPath(item.path).parent / leaves.ATTRIBUTION_FILE)


def _documents(
    item: LeafPlan, options: GenerateOptions, documents: DocumentCache, chunker: Chunker
) -> list[tuple[str, str]]:
    """Fetch and chunk a knowledge leaf's documents; their (path, blob) pairs for the fingerprint."""
    reference = (item.data or {}).get("document") or {}
    patterns = [str(pattern) for pattern in reference.get("patterns") or []]
    selection = documents.select(str(reference.get("repo", "")), str(reference.get("commit", "")), patterns)
    if not selection.documents:
        raise LabError(f"{item.path}: document.patterns select no readable file at {selection.commit[:12]}")
    budget = int(options.pipeline("knowledge").setting("chunk_tokens", 600))
    item.chunks = [chunk for document in selection.documents for chunk in chunker(document.text, budget)]
    return [(document.path, document.fingerprint_id) for document in selection.documents]


def _decide(item: LeafPlan, options: GenerateOptions, teacher: str, store: SampleStore, considered: bool) -> None:
    """The key of a readable leaf and whether it is cached, to generate or missing."""
    if item.action in BLOCKING:
        return
    pipeline = options.pipeline(item.kind)
    item.key = generation_key(item.fingerprint, generation_spec(pipeline, teacher, options.seed, options.scale))
    if store.is_complete(item.key):
        item.action = "cached"
    elif not considered or item.data is None:  # unchanged, or known only from the base snapshot (unread)
        item.action = "missing"
    else:
        item.action = "generate"
        item.requests = estimate_requests(item.kind, item.data, len(item.chunks), options.scale, pipeline)


def words_chunker(text: str, max_tokens: int) -> list[str]:
    """Chunks measured by a words-per-token estimate (for a remote teacher whose tokenizer lab cannot load)."""
    from lab_cli.documents.chunk import chunk_text

    return chunk_text(text, max_tokens)


def tokenizer_chunker(model: Path) -> Chunker:
    """Chunks measured in the tokens of a local teacher's tokenizer (a checkpoint folder's, or a GGUF file's;
    loaded once, on first use)."""
    from lab_cli.documents.chunk import chunk_text

    loaded: list[Any] = []

    def chunk(text: str, max_tokens: int) -> list[str]:
        if not loaded:
            from transformers import AutoTokenizer

            gguf = {"gguf_file": model.name} if model.suffix == ".gguf" else {}
            loaded.append(AutoTokenizer.from_pretrained(model.parent if gguf else model, **gguf))
        tokenizer = loaded[0]
        return chunk_text(text, max_tokens, lambda piece: len(tokenizer.encode(piece, add_special_tokens=False)))

    return chunk
