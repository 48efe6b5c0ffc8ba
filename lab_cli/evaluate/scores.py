"""Per-leaf scores of a checkpoint: greedy answers to each leaf's eval-split questions against the references."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lab_cli.datasets.snapshot import snapshot_of, snapshot_samples
from lab_cli.errors import LabError, UsageError
from lab_cli.evaluate.metrics import METRICS
from lab_cli.gitrepo import GitRepo

if TYPE_CHECKING:
    from lab_cli.train.lineage import Lineage


@dataclass(frozen=True)
class EvalItem:
    """One eval-split question: the conversation before the last answer, and that answer."""

    leaf: str
    key: str
    prompt: tuple[dict, ...]
    reference: str


@dataclass(frozen=True)
class LeafScore:
    """A leaf's mean metrics over its eval split."""

    leaf: str
    key: str
    samples: int
    exact_match: float
    token_f1: float
    rouge_l: float

    def as_dict(self) -> dict:
        """JSON form."""
        return asdict(self)


def scored_snapshot(model: Path, data: str | None, repo: Path | None) -> tuple[GitRepo, str, Lineage | None]:
    """The repository and snapshot to score ``model`` on (``data``'s snapshot, else the one it was trained on),
    and its lineage when lab trained it."""
    from lab_cli.train.lineage import read_lineage

    if not (model / "config.json").is_file():
        raise UsageError(
            f"{model}: not a Hugging Face checkpoint folder (no config.json); give a folder lab train wrote (its --out)"
        )
    lineage = read_lineage(model)
    if lineage is None and data is None:
        raise UsageError(
            f"{model} was not trained by lab train, so no snapshot goes with it; pass --data REVISION to score it"
        )
    git = GitRepo.find((repo or Path(lineage.taxonomy_repo if lineage else ".")).resolve())
    return git, snapshot_of(git, data) if data else lineage.dataset_snapshot, lineage


def eval_items(repo: GitRepo, snapshot: str, keys: set[str] | None = None) -> list[EvalItem]:
    """The eval-split questions of a snapshot's leaves (only those with a key in ``keys`` when given)."""
    items = []
    for leaf, entry, sample in snapshot_samples(repo, snapshot):
        if keys is not None and entry["generation_key"] not in keys:
            continue
        messages = sample["messages"]
        if sample.get("metadata", {}).get("split") != "eval" or messages[-1]["role"] != "assistant":
            continue
        items.append(EvalItem(leaf, entry["generation_key"], tuple(messages[:-1]), messages[-1]["content"]))
    return items


def _answer_budget(tokenizer, items: list[EvalItem]) -> int:
    """New tokens to allow: the longest reference and some slack, so a wrong long answer stops early."""
    longest = max(len(tokenizer(item.reference, add_special_tokens=False)["input_ids"]) for item in items)
    return min(512, longest + 8)


def score_items(
    checkpoint: Path, items: list[EvalItem], batch_size: int = 32, advance: Callable[[int], None] = lambda _: None
) -> dict[str, LeafScore]:
    """Each generation key's leaf score (mean of every metric over its items) for the model in ``checkpoint``."""
    from lab_cli.evaluate.generate import greedy_answers, load

    if not items:
        raise LabError("no eval-split samples to score; the snapshot's leaves have none (each keeps ~10 % for eval)")
    model, tokenizer = load(checkpoint)
    order = sorted(range(len(items)), key=lambda index: len(str(items[index].prompt)))  # similar lengths batch well
    answers = greedy_answers(
        model, tokenizer, [items[i].prompt for i in order], batch_size, _answer_budget(tokenizer, items), advance
    )
    by_key: dict[str, list[tuple[EvalItem, str]]] = {}
    for index, answer in zip(order, answers, strict=True):
        by_key.setdefault(items[index].key, []).append((items[index], answer))
    return {key: _mean_score(pairs) for key, pairs in by_key.items()}


def lineage_scores(
    checkpoint: Path,
    lineage: Lineage | None,
    items: list[EvalItem],
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
) -> dict[str, LeafScore]:
    """Each generation key's leaf score for ``checkpoint``: a lab-trained checkpoint's lineage caches the scores of
    every generation key it was scored on (a key fixes the samples, so the score cannot change), and only keys
    not cached are scored, then cached."""
    from lab_cli.train.lineage import write_lineage

    cached = lineage.scores if lineage is not None else {}
    missing = [item for item in items if item.key not in cached]
    fresh = score_items(checkpoint, missing, batch_size, advance) if missing or not items else {}
    if lineage is not None and fresh:
        write_lineage(checkpoint, lineage.with_scores({key: score.as_dict() for key, score in fresh.items()}))
    leaves = {item.key: item.leaf for item in items}  # a leaf moved since it was scored keeps its key
    return {
        key: fresh[key] if key in fresh else LeafScore(**{**cached[key], "leaf": leaf}) for key, leaf in leaves.items()
    }


def _mean_score(pairs: list[tuple[EvalItem, str]]) -> LeafScore:
    means = {
        name: sum(metric(answer, item.reference) for item, answer in pairs) / len(pairs)
        for name, metric in METRICS.items()
    }
    first = pairs[0][0]
    return LeafScore(first.leaf, first.key, len(pairs), **{name: round(value, 4) for name, value in means.items()})
