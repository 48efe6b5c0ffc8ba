"""What each phase trains on: new samples (keys the parent never saw) plus replay of old ones, per leaf.

Replay is drawn again every epoch from the whole old pool, stratified by leaf: every old leaf gives
``ceil(ratio × its size)`` samples (at least ``min_per_leaf``, at most all of them). A fixed buffer would
keep only the buffered items; re-drawing spreads the same budget over everything learned before.

Every new leaf gives at least ``floor`` samples to each epoch: all of its own, plus draws from them with
replacement (again every epoch) up to the floor, so a small leaf is not drowned by a large one.

Rehearsal sources (conversations outside the taxonomy, ``lab_cli.train.rehearsal``) are drawn afresh every epoch
of every phase too: ``ceil(rehearsal_ratio × the epoch's new samples)`` in all, split evenly over the sources.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from lab_cli.datasets.snapshot import snapshot_samples
from lab_cli.errors import TrainError
from lab_cli.gitrepo import GitRepo

SKILL_KINDS = ("freeform_skill", "grounded_skill", "foundational_skill")


@dataclass(frozen=True, eq=False)  # identity: two equal questions in two leaves are two samples
class Example:
    """One training sample with what mixing needs to know about it."""

    leaf: str
    kind: str
    length: str
    key: str
    messages: tuple[dict, ...]
    origin: str = "generated"  # seed, generated or document
    sample_id: str = ""

    @property
    def is_knowledge(self) -> bool:
        """Whether it teaches knowledge (phases 1–2) rather than a skill (phase 3)."""
        return self.kind == "knowledge"


@dataclass(frozen=True)
class PhasePlan:
    """A phase's new samples and the pool its replay is drawn from."""

    name: str
    new: tuple[Example, ...]
    replay: tuple[Example, ...]
    rehearsal: tuple[Example, ...] = ()  # general conversations (every source), drawn by source each epoch


def snapshot_examples(repo: GitRepo, snapshot: str, split: str = "train", documents: bool = True) -> list[Example]:
    """Every sample of ``split`` in a snapshot, in leaf order (without document samples if not ``documents``)."""
    examples = []
    for leaf, entry, sample in snapshot_samples(repo, snapshot):
        metadata = sample.get("metadata", {})
        if metadata.get("split", "train") != split:
            continue
        origin = metadata.get("origin", "generated")
        if origin == "document" and not documents:
            continue
        kind = metadata.get("kind", entry.kind)
        length = metadata.get("length", "short")
        messages = tuple(sample["messages"])
        examples.append(
            Example(leaf, kind, length, entry.generation_key, messages, origin, str(metadata.get("id", "")))
        )
    return examples


def plan_phases(examples: list[Example], trained_keys: set[str]) -> list[PhasePlan]:
    """The three phases: new = keys not in ``trained_keys``, old = the rest.

    When no skill is new, the skills phase is skipped, so old skills are replayed in the last knowledge phase
    that runs instead: otherwise a commit adding only knowledge would train with no skill rehearsal at all.
    """
    if not examples:
        raise TrainError("the snapshot holds no training samples; run lab generate on a commit with leaves")
    new = [e for e in examples if e.key not in trained_keys]
    old = [e for e in examples if e.key in trained_keys]
    new_short = [e for e in new if e.is_knowledge and e.length != "long"]
    new_long = [e for e in new if e.is_knowledge and e.length == "long"]
    new_skills = [e for e in new if not e.is_knowledge]
    old_knowledge = [e for e in old if e.is_knowledge]
    old_skills = [e for e in old if not e.is_knowledge] if not new_skills else []
    return [
        PhasePlan("knowledge_short", tuple(new_short), tuple(old_knowledge + (old_skills if not new_long else []))),
        PhasePlan("knowledge_long", tuple(new_long), tuple(new_short + old_knowledge + old_skills)),
        PhasePlan(
            "skills",
            tuple(new_skills),
            tuple(new_short + new_long + old_knowledge + [e for e in old if not e.is_knowledge]),
        ),
    ]


def by_leaf(examples: tuple[Example, ...] | list[Example]) -> dict[str, list[Example]]:
    """Examples grouped by leaf, leaves sorted."""
    groups: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        groups[example.leaf].append(example)
    return dict(sorted(groups.items()))


def replay_quota(size: int, ratio: float, min_per_leaf: int) -> int:
    """How many samples an old leaf of ``size`` samples gives to each epoch."""
    if ratio <= 0:
        return 0
    return min(size, max(min_per_leaf, math.ceil(ratio * size)))


def rehearsal_quotas(sizes: dict[str, int], new_per_epoch: int, ratio: float) -> dict[str, int]:
    """Samples each rehearsal source (by name → size) gives to an epoch of ``new_per_epoch`` new samples."""
    if ratio <= 0 or not sizes:
        return {name: 0 for name in sizes}
    share = math.ceil(ratio * new_per_epoch / len(sizes))
    return {name: min(size, share) for name, size in sizes.items()}


class EpochMixer:
    """New samples (each new leaf up to its floor) plus a fresh stratified replay draw and a fresh draw from each
    rehearsal source for each epoch (same size every epoch)."""

    def __init__(
        self,
        plan: PhasePlan,
        ratio: float,
        min_per_leaf: int,
        seed: int,
        floor: int = 0,
        rehearsal_ratio: float = 0.0,
    ) -> None:
        self.new = list(plan.new)
        self.new_by_leaf = by_leaf(plan.new)
        self.topup = {leaf: max(0, floor - len(own)) for leaf, own in self.new_by_leaf.items()}
        self.pools = by_leaf(plan.replay)
        self.quotas = {leaf: replay_quota(len(pool), ratio, min_per_leaf) for leaf, pool in self.pools.items()}
        self.sources = by_leaf(plan.rehearsal)
        sizes = {name: len(pool) for name, pool in self.sources.items()}
        self.rehearsal_quotas = rehearsal_quotas(sizes, self.new_per_epoch, rehearsal_ratio)
        self.seed = seed

    def __len__(self) -> int:
        return self.new_per_epoch + sum(self.quotas.values()) + self.rehearsal_per_epoch

    @property
    def rehearsal_per_epoch(self) -> int:
        """Rehearsal samples in each epoch, over every source."""
        return sum(self.rehearsal_quotas.values())

    @property
    def new_per_epoch(self) -> int:
        """New samples in each epoch, the floor's extra draws included."""
        return len(self.new) + sum(self.topup.values())

    def upsampled(self, epoch: int) -> list[Example]:
        """The floor's extra draws of ``epoch`` (with replacement from each small new leaf's own samples)."""
        rng = random.Random(f"{self.seed}:floor:{epoch}")
        return [rng.choice(self.new_by_leaf[leaf]) for leaf, extra in self.topup.items() for _ in range(extra)]

    def replay(self, epoch: int) -> list[Example]:
        """The replay samples of ``epoch``: the same for the same seed and epoch, on every process."""
        rng = random.Random(f"{self.seed}:{epoch}")
        drawn = []
        for leaf, pool in self.pools.items():
            drawn.extend(rng.sample(pool, self.quotas[leaf]))
        return drawn

    def rehearsal(self, epoch: int) -> list[Example]:
        """The rehearsal samples of ``epoch``, drawn without replacement from each source."""
        rng = random.Random(f"{self.seed}:rehearsal:{epoch}")
        return [e for name, pool in self.sources.items() for e in rng.sample(pool, self.rehearsal_quotas[name])]

    def epoch(self, epoch: int) -> list[Example]:
        """All samples of ``epoch``: new first, the floor's draws, replay, then rehearsal (the trainer shuffles)."""
        return self.new + self.upsampled(epoch) + self.replay(epoch) + self.rehearsal(epoch)
