"""Carrying out a generation plan: every ``generate`` leaf through its pipeline, concurrently, then the dataset
snapshot of the commit when every leaf there has samples.

Leaves run side by side within one teacher session (one bound on requests in flight); each stores its samples
the moment it finishes, so a run stopped at any point keeps whole leaves, and its response log keeps every
answer of the unfinished ones. A key left half-written by a crash is rewritten from the log, never appended to.
Two runs on one repository at once store each key once: the first to finish it wins, under the key's lock.
"""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lab_cli.datasets.keys import digest, sample_split
from lab_cli.datasets.snapshot import LeafData, write_snapshot
from lab_cli.datasets.store import DirectoryStore
from lab_cli.faults import crash_point
from lab_cli.generate.asking import LoggedAsker
from lab_cli.generate.document_samples import document_samples
from lab_cli.generate.kinds import generate_for_kind, seed_samples
from lab_cli.generate.plan import GenerateOptions, LeafPlan, Plan
from lab_cli.generate.responses import ResponseLog
from lab_cli.gitrepo import GitRepo
from lab_cli.teacher.client import TeacherClient, TeacherSession

MIN_SAMPLES_FOR_EVAL = 5


@dataclass
class LeafResult:
    """What generating one leaf did."""

    leaf: str
    key: str
    sent: int = 0
    reused: int = 0
    seeds: int = 0
    generated: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    documents: int = 0

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "leaf": self.leaf,
            "generation_key": self.key,
            "requests_sent": self.sent,
            "requests_reused": self.reused,
            "seed_samples": self.seeds,
            "generated_samples": self.generated,
            "document_samples": self.documents,
            "dropped": dict(sorted(self.drops.items())),
        }


@dataclass
class GenerateReport:
    """The outcome of a run: the plan, each generated leaf, and the snapshot recorded (if any)."""

    plan: Plan
    results: list[LeafResult] = field(default_factory=list)
    snapshot: str | None = None
    not_recorded: str = ""

    def as_dict(self) -> dict[str, object]:
        """The JSON contract of ``lab generate --format json``."""
        return {
            **self.plan.as_dict(),
            "generated": [result.as_dict() for result in self.results],
            "requests_sent": sum(result.sent for result in self.results),
            "snapshot": self.snapshot,
            "snapshot_not_recorded": self.not_recorded or None,
        }


class Reporter(Protocol):
    """Receives progress as it happens (a rich display in the CLI, nothing in tests)."""

    def leaf_started(self, item: LeafPlan) -> None: ...

    def answered(self, item: LeafPlan, count: int) -> None: ...

    def leaf_finished(self, item: LeafPlan, result: LeafResult) -> None: ...


class SilentReporter:
    """A ``Reporter`` that shows nothing."""

    def leaf_started(self, item: LeafPlan) -> None:
        """Nothing."""

    def answered(self, item: LeafPlan, count: int) -> None:
        """Nothing."""

    def leaf_finished(self, item: LeafPlan, result: LeafResult) -> None:
        """Nothing."""


@dataclass(frozen=True)
class Workspace:
    """Where a run keeps its state: the sample store and the response logs."""

    store: DirectoryStore
    responses: Path

    @classmethod
    def of(cls, repo: GitRepo, store: DirectoryStore) -> Workspace:
        """The workspace of a taxonomy repository."""
        return cls(store, repo.git_dir() / "lab" / "responses")


def execute(
    repo: GitRepo,
    plan: Plan,
    options: GenerateOptions,
    client: TeacherClient | None,
    workspace: Workspace,
    reporter: Reporter | None = None,
) -> GenerateReport:
    """Generate every ``generate`` leaf of ``plan``, then record the snapshot if the commit is complete."""
    report = GenerateReport(plan)
    reporter = reporter or SilentReporter()
    pending = plan.by_action("generate")
    if pending:
        if client is None:
            raise ValueError("leaves to generate but no teacher client")
        gc.freeze()  # the plan's objects live to the end: keep the collector's passes off them while requests run
        try:
            report.results = asyncio.run(_generate_all(pending, plan, options, client, workspace, reporter))
        finally:
            gc.unfreeze()
    report.snapshot, report.not_recorded = _record(repo, plan, workspace.store)
    return report


async def _generate_all(
    pending: list[LeafPlan],
    plan: Plan,
    options: GenerateOptions,
    client: TeacherClient,
    workspace: Workspace,
    reporter: Reporter,
) -> list[LeafResult]:
    # Enough leaves in flight to keep every worker busy while some leaves wait between their steps.
    slots = asyncio.Semaphore(max(4, 8 * client.settings.workers))
    async with client.session() as session:

        async def one(item: LeafPlan) -> LeafResult:
            async with slots:
                return await _generate_leaf(item, plan, options, session, workspace, reporter)

        return list(await asyncio.gather(*(one(item) for item in pending)))


async def _generate_leaf(
    item: LeafPlan,
    plan: Plan,
    options: GenerateOptions,
    session: TeacherSession,
    workspace: Workspace,
    reporter: Reporter,
) -> LeafResult:
    reporter.leaf_started(item)
    pipeline = options.pipeline(item.kind)
    log = ResponseLog(workspace.responses / f"{item.key}.jsonl", plan.teacher)
    ask = LoggedAsker(session, log, lambda count: reporter.answered(item, count))
    metadata = {
        "leaf": item.leaf,
        "kind": item.kind,
        "leaf_fingerprint": item.fingerprint,
        "generation_key": item.key,
        "taxonomy_commit": plan.commit,
        "teacher": plan.teacher,
        "pipeline": f"{pipeline.id}/v{pipeline.version}",
    }
    assert item.data is not None
    try:
        outcome = await generate_for_kind(
            item.kind, item.data, item.chunks, pipeline, ask, options.scale, options.seed, metadata
        )
    finally:
        log.close()
    seeds = seed_samples(item.kind, item.data, metadata, int(pipeline.setting("short_answer_words", 25)))
    samples = identified([*seeds, *outcome.samples], item.key)
    if item.kind == "knowledge":  # after the split is fixed: document samples use trained pairs only
        samples += identified(document_samples(item.data, item.chunks, samples, metadata), item.key)
    _store_once(workspace.store, item.key, samples)
    origins = Counter(s["metadata"]["origin"] for s in samples)
    result = LeafResult(
        item.leaf, item.key, ask.sent, ask.reused, origins["seed"], origins["generated"], dict(outcome.drops)
    )
    result.documents = origins["document"]
    reporter.leaf_finished(item, result)
    return result


def _store_once(store: DirectoryStore, key: str, samples: list[dict[str, Any]]) -> None:
    """Store a finished key's samples unless another run (on the same repository, at once) finished it first:
    under the key's lock, so the two never interleave their batches."""
    with store.locked(key):
        if store.is_complete(key):
            return  # the first run to finish a key wins; its samples are the key's
        if store.count(key):
            store.remove(key)  # a crash between writing and marking complete: rewrite, never append twice
        store.append(key, samples)
        crash_point("store-after-append")
        store.mark_complete(key)


def identified(samples: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Samples with a stable ``id`` (from their key and messages) and the split it fixes, unless the sample's
    split is already set (held-out seeds, document samples); repeats dropped.

    A leaf of at least ``MIN_SAMPLES_FOR_EVAL`` samples always keeps one for evaluation (the generated sample
    whose id sorts first, if neither the seeds nor hashing gave one), so every such leaf can be scored.
    """
    seen, kept = set(), []
    for sample in samples:
        identifier = digest({"key": key, "messages": sample["messages"]})[:32]
        if identifier in seen:
            continue
        seen.add(identifier)
        split = sample["metadata"].get("split") or sample_split(identifier)
        sample["metadata"] = {**sample["metadata"], "id": identifier, "split": split}
        kept.append(sample)
    generated = [sample for sample in kept if sample["metadata"].get("origin") == "generated"]
    if len(kept) >= MIN_SAMPLES_FOR_EVAL and generated and all(s["metadata"]["split"] == "train" for s in kept):
        min(generated, key=lambda sample: sample["metadata"]["id"])["metadata"]["split"] = "eval"
    return kept


def _record(repo: GitRepo, plan: Plan, store: DirectoryStore) -> tuple[str | None, str]:
    """The snapshot of the plan's commit, or why none was recorded."""
    invalid, unavailable, missing = plan.by_action("invalid"), plan.by_action("unavailable"), plan.by_action("missing")
    if invalid or unavailable:
        parts = [f"{len(invalid)} leaves are invalid"] if invalid else []
        parts += [f"{len(unavailable)} leaves' documents are unavailable"] if unavailable else []
        return None, " and ".join(parts)
    if missing:
        return None, (
            f"{len(missing)} unchanged leaves have no samples for this teacher, pipeline and scale; "
            "run lab generate --all to generate them"
        )
    leaves = [
        LeafData(
            item.leaf,
            item.kind,
            item.key,
            {**_origin(store, item.key), "fingerprint": item.fingerprint},
        )
        for item in plan.leaves
    ]
    return write_snapshot(repo, store, plan.commit, leaves), ""


def _origin(store: DirectoryStore, key: str) -> dict[str, str]:
    """Where a key's samples came from (read from its first sample)."""
    first = next(iter(store.read(key)), None)
    if first is None:
        return {}
    metadata = first.get("metadata", {})
    return {
        "pipeline": metadata.get("pipeline", ""),
        "teacher": metadata.get("teacher", ""),
        "generated_at_commit": metadata.get("taxonomy_commit", ""),
    }
