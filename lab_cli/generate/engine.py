"""``lab generate`` as two calls: ``prepare`` (the plan, with nothing sent) and ``carry_out`` (generation and
the snapshot). A remote teacher is used as given; without one, the local checkpoint (the bundled default
unless named) is served on a loopback port, started only if some leaf needs generating.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

from lab_cli.config import load_settings
from lab_cli.datasets.snapshot import default_store
from lab_cli.documents.fetch import DocumentCache
from lab_cli.errors import UsageError
from lab_cli.generate.plan import (
    GenerateOptions,
    Plan,
    last_generated,
    plan_generation,
    tokenizer_chunker,
    words_chunker,
)
from lab_cli.generate.run import GenerateReport, Reporter, Workspace, execute
from lab_cli.gitrepo import GitRepo
from lab_cli.paths import cache_dir
from lab_cli.serve.engines import Served, choose
from lab_cli.teacher.client import TeacherClient, TeacherSettings


@dataclass(frozen=True)
class TeacherChoice:
    """The teacher named on the command line: an endpoint and model, or a local checkpoint (or neither)."""

    url: str | None = None
    model: str | None = None
    workers: int = 8
    continuous_batching: bool = False
    engine: str = "auto"


@dataclass(frozen=True)
class Prepared:
    """A plan and what carrying it out needs."""

    repo: GitRepo
    options: GenerateOptions
    plan: Plan
    teacher: TeacherChoice
    local: Served | None


def prepare(repo: GitRepo, options: GenerateOptions, teacher: TeacherChoice) -> Prepared:
    """The plan of a run; fetches knowledge documents (cached) but sends nothing to the teacher."""
    if options.scale < 1:
        raise UsageError("--scale must be at least 1")
    if options.max_tokens is not None and options.max_tokens < 16:
        raise UsageError("--max-tokens must be at least 16")
    settings = load_settings(repo.top)
    repo = repo.with_timeout(settings.git_timeout)
    documents = DocumentCache(
        cache_dir() / "documents", settings.allowed_hosts, options.allow_local_documents, settings.document_limits()
    )
    if teacher.url:
        if not teacher.model:
            raise UsageError("--teacher-model is required with --teacher-url (see the server's /v1/models)")
        if teacher.continuous_batching or teacher.engine != "auto":
            raise UsageError(
                f"{'--continuous-batching' if teacher.continuous_batching else '--engine'} configures the local "
                "teacher; drop it or drop --teacher-url"
            )
        identity, chunker, local = teacher.model, words_chunker, None
    else:
        local = choose(teacher.engine, teacher.model or "default", teacher.continuous_batching)
        identity, chunker = local.identity, tokenizer_chunker(local.model)
    plan = plan_generation(repo, options, identity, default_store(repo), documents, chunker)
    return Prepared(repo, options, plan, teacher, local)


def commits_to_generate(repo: GitRepo, revision: str, max_commits: int) -> list[str]:
    """The commits ``--each`` records snapshots for, oldest first: those on ``revision``'s first-parent line since
    the newest commit behind it with a snapshot, the newest ``max_commits`` of them; ``revision`` alone when no
    commit behind it has one (a first run) or it has one itself."""
    if max_commits < 1:
        raise UsageError("--max-commits must be at least 1")
    target = repo.resolve(revision)
    found = last_generated(repo, target)
    commits = repo.first_parent_commits(found[0], target) if found else []
    return commits[-max_commits:] or [target]


def prepare_each(
    repo: GitRepo, options: GenerateOptions, teacher: TeacherChoice, max_commits: int
) -> Iterator[Prepared]:
    """The plan of each commit ``commits_to_generate`` names, made only once the caller carried out the one
    before (its snapshot is the next plan's base)."""
    if options.base is not None:
        raise UsageError("--each compares each commit with the one before it; drop --base")
    for commit in commits_to_generate(repo, options.revision, max_commits):
        yield prepare(repo, replace(options, revision=commit), teacher)


def carry_out(prepared: Prepared, reporter: Reporter | None = None) -> GenerateReport:
    """Generate what the plan says and record the snapshot of its commit when complete."""
    workspace = Workspace.of(prepared.repo, default_store(prepared.repo))
    with _client(prepared) as client:
        return execute(prepared.repo, prepared.plan, prepared.options, client, workspace, reporter)


@contextlib.contextmanager
def _client(prepared: Prepared):
    """A client for the chosen teacher, or None when nothing needs one (the local server is then not started)."""
    choice = prepared.teacher
    if not prepared.plan.by_action("generate"):
        yield None
    elif prepared.local is None:
        yield TeacherClient(TeacherSettings(str(choice.url), str(choice.model), workers=choice.workers))
    else:
        from lab_cli.serve.launch import local_teacher

        with local_teacher(prepared.local, workers=choice.workers) as settings:
            yield TeacherClient(settings)
