"""Per-leaf scores of a checkpoint on each leaf's eval split (never trained on), per item and per origin.

Each item gets the surface metrics (exact match, token F1, ROUGE-L), key-fact recall of its greedy answer, and
its conditional likelihood gain: NLL of the reference answer after a different question of the same leaf minus
after its own question. Scores are asked with the system prompt the checkpoint was trained with, and cached by
generation key (a key fixes the samples) together with that prompt and ``SCORE_VERSION``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lab_cli.datasets.snapshot import snapshot_of, snapshot_samples
from lab_cli.errors import LabError, UsageError
from lab_cli.evaluate.metrics import ITEM_METRICS, METRICS, fact_recall
from lab_cli.gitrepo import GitRepo
from lab_cli.prompts import with_system_prompt

if TYPE_CHECKING:
    from lab_cli.train.lineage import Lineage

SCORE_VERSION = 2  # bump when what a score means changes: cached scores of another version are scored again
TOO_FEW = 3  # a leaf with fewer eval items than this is flagged "too few to judge"


@dataclass(frozen=True)
class EvalItem:
    """One eval-split question: the conversation before the last answer, that answer, and where it came from
    (``seed``: a held-out human pair; ``generated``: a teacher's)."""

    leaf: str
    key: str
    prompt: tuple[dict, ...]
    reference: str
    origin: str = "generated"
    item_id: str = ""


@dataclass(frozen=True)
class ItemScore:
    """One item's greedy answer and its metrics (``None``: undefined for this item)."""

    item_id: str
    origin: str
    answer: str
    exact_match: float
    token_f1: float
    rouge_l: float
    fact_recall: float | None
    cond_gain: float | None


@dataclass(frozen=True)
class OriginScore:
    """Means over a leaf's items of one origin (``None`` where no item defines the metric)."""

    n: int
    exact_match: float | None
    token_f1: float | None
    rouge_l: float | None
    fact_recall: float | None
    cond_gain: float | None


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the defined values, or ``None`` when there are none."""
    defined = [value for value in values if value is not None]
    return sum(defined) / len(defined) if defined else None


@dataclass(frozen=True)
class LeafScore:
    """A leaf's per-item scores on its eval split, with means over all items and per origin."""

    leaf: str
    key: str
    items: tuple[ItemScore, ...]
    system_prompt: str = ""

    @property
    def samples(self) -> int:
        """How many eval items were scored."""
        return len(self.items)

    def values(self, metric: str, origin: str | None = None) -> list[float | None]:
        """The metric of each item (of ``origin`` only, when given)."""
        return [getattr(item, metric) for item in self.items if origin is None or item.origin == origin]

    def mean(self, metric: str, origin: str | None = None) -> float | None:
        """The mean metric over the items (of ``origin``), ``None`` when no item defines it."""
        return mean(self.values(metric, origin))

    @property
    def by_origin(self) -> dict[str, OriginScore]:
        """Means per origin, each with its ``n``."""
        origins = sorted({item.origin for item in self.items})
        return {
            origin: OriginScore(
                len(self.values("exact_match", origin)), *(self.mean(metric, origin) for metric in ITEM_METRICS)
            )
            for origin in origins
        }

    def __getattr__(self, name: str) -> float | None:
        if name in ITEM_METRICS:  # score.rouge_l: the mean over every item
            return self.mean(name)
        raise AttributeError(name)

    def as_dict(self) -> dict:
        """JSON form (also the cache entry), with the means."""
        return {
            "version": SCORE_VERSION,
            "leaf": self.leaf,
            "key": self.key,
            "system_prompt": self.system_prompt,
            "samples": self.samples,
            **{metric: rounded(self.mean(metric)) for metric in ITEM_METRICS},
            "by_origin": {
                origin: {name: rounded(value) for name, value in asdict(part).items()}
                for origin, part in self.by_origin.items()
            },
            "items": [asdict(item) for item in self.items],
        }

    @classmethod
    def from_cache(cls, entry: dict, leaf: str, system_prompt: str) -> LeafScore | None:
        """The score a cache entry holds, or ``None`` when it is of another version or system prompt."""
        if entry.get("version") != SCORE_VERSION or entry.get("system_prompt") != system_prompt:
            return None
        items = tuple(ItemScore(**item) for item in entry["items"])
        return cls(leaf, entry["key"], items, system_prompt)  # a leaf moved since it was scored keeps its key


def rounded(value: float | int | None) -> float | int | None:
    """A float to 4 places for reports and caches; anything else as it is."""
    return round(value, 4) if isinstance(value, float) else value


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
        if keys is not None and entry.generation_key not in keys:
            continue
        messages, metadata = sample["messages"], sample.get("metadata", {})
        if metadata.get("split") != "eval" or messages[-1]["role"] != "assistant":
            continue
        origin, item_id = metadata.get("origin", "generated"), str(metadata.get("id", len(items)))
        items.append(
            EvalItem(leaf, entry.generation_key, tuple(messages[:-1]), messages[-1]["content"], origin, item_id)
        )
    return items


def answer_budget(tokenizer, reference: str) -> int:
    """New tokens to allow for one item: its reference's length and some slack, so a wrong long answer stops
    early (per item, so an item's answer does not depend on what it is batched with)."""
    return min(512, len(tokenizer(reference, add_special_tokens=False)["input_ids"]) + 8)


def _question(item: EvalItem) -> str:
    return " ".join(turn["content"] for turn in item.prompt if turn.get("role") == "user")


def _partners(items: Sequence[EvalItem]) -> dict[int, int]:
    """Each item's partner for the conditional gain: another item of its leaf, of its origin where it has one."""
    from lab_cli.evaluate.likelihood import partners

    by_key: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_key.setdefault(item.key, []).append(index)
    chosen: dict[int, int] = {}
    for indexes in by_key.values():
        ordered = sorted(indexes, key=lambda i: (items[i].origin, items[i].item_id))
        chosen.update(partners([ordered]))
        by_origin: dict[str, list[int]] = {}
        for index in ordered:
            by_origin.setdefault(items[index].origin, []).append(index)
        chosen.update(partners(list(by_origin.values())))
    return chosen


def score_items(
    checkpoint: Path,
    items: list[EvalItem],
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
    system_prompt: str = "",
) -> dict[str, LeafScore]:
    """Each generation key's leaf score for the model in ``checkpoint``, every prompt opened by
    ``system_prompt``."""
    from lab_cli.evaluate.answers import greedy_answers, load
    from lab_cli.evaluate.likelihood import answer_nll

    if not items:
        raise LabError("no eval-split samples to score; the snapshot's leaves have none (each keeps ~10 % for eval)")
    model, tokenizer = load(checkpoint)
    prompts = [with_system_prompt(item.prompt, system_prompt) for item in items]
    order = sorted(range(len(items)), key=lambda index: len(str(prompts[index])))  # similar lengths batch well
    budgets = [answer_budget(tokenizer, items[i].reference) for i in order]
    answers_in_order = greedy_answers(model, tokenizer, [prompts[i] for i in order], batch_size, budgets, advance)
    answers = dict(zip(order, answers_in_order, strict=True))
    partner = _partners(items)
    pairs = [(prompts[i], item.reference) for i, item in enumerate(items)]
    pairs += [(prompts[partner[i]], items[i].reference) for i in sorted(partner)]
    nll = answer_nll(model, tokenizer, pairs, batch_size)
    own, crossed = nll[: len(items)], dict(zip(sorted(partner), nll[len(items) :], strict=True))
    by_key: dict[str, list[ItemScore]] = {}
    for index, item in enumerate(items):
        answer = answers[index]
        gain = crossed[index] - own[index] if index in crossed else None
        surface = {name: metric(answer, item.reference) for name, metric in METRICS.items()}
        recall = fact_recall(answer, item.reference, _question(item))
        scored = ItemScore(item.item_id, item.origin, answer, **surface, fact_recall=recall, cond_gain=gain)
        by_key.setdefault(item.key, []).append(scored)
    leaves = {item.key: item.leaf for item in items}
    return {key: LeafScore(leaves[key], key, tuple(scored), system_prompt) for key, scored in by_key.items()}


def cached_scores(
    checkpoint: Path,
    cache: dict[str, dict],
    items: list[EvalItem],
    system_prompt: str,
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
) -> tuple[dict[str, LeafScore], dict[str, dict]]:
    """Each generation key's leaf score for ``checkpoint``, scoring only the keys ``cache`` lacks (for this
    system prompt and score version); the scores and the cache entries to add."""
    leaves = {item.key: item.leaf for item in items}
    scores = {}
    for key, leaf in leaves.items():
        hit = LeafScore.from_cache(cache[key], leaf, system_prompt) if key in cache else None
        if hit is not None:
            scores[key] = hit
    missing = [item for item in items if item.key not in scores]
    fresh = score_items(checkpoint, missing, batch_size, advance, system_prompt) if missing or not items else {}
    return {**scores, **fresh}, {key: score.as_dict() for key, score in fresh.items()}


def lineage_scores(
    checkpoint: Path,
    lineage: Lineage | None,
    items: list[EvalItem],
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
    system_prompt: str | None = None,
) -> dict[str, LeafScore]:
    """Each generation key's leaf score for ``checkpoint``, asked with ``system_prompt`` (default: the one its
    lineage records); a lab-trained checkpoint's lineage caches them."""
    from lab_cli.train.lineage import cache_scores

    prompt = system_prompt if system_prompt is not None else (lineage.system_prompt if lineage else "")
    scores, fresh = cached_scores(checkpoint, lineage.scores if lineage else {}, items, prompt, batch_size, advance)
    if lineage is not None and fresh:
        cache_scores(checkpoint, scores=fresh)
    return scores


def base_scores(
    first: tuple[Path, Lineage],
    items: list[EvalItem],
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
) -> dict[str, LeafScore]:
    """The starting model's leaf scores (row 0): the first lab-trained checkpoint's parent, or its base model,
    asked with that checkpoint's system prompt and cached in its lineage (a base model has none of its own)."""
    from lab_cli.train.lineage import cache_scores

    folder, lineage = first
    base = starting_model(lineage)
    scores, fresh = cached_scores(base, lineage.base_scores, items, lineage.system_prompt, batch_size, advance)
    if fresh:
        cache_scores(folder, base=fresh)
    return scores


def starting_model(lineage: Lineage) -> Path:
    """The checkpoint a chain of lab-trained checkpoints started from (a parent lab did not train, else the
    base model)."""
    from lab_cli.teacher.local_model import resolve_model

    if lineage.parent:
        return Path(lineage.parent)
    base = Path(lineage.base_model)
    return base if base.is_dir() else Path(resolve_model(lineage.base_model))


def percentile_interval(draws: Sequence[float]) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of bootstrap draws: a 95 % interval."""
    ordered = sorted(draws)
    low, high = ordered[int(0.025 * len(ordered))], ordered[max(0, int(0.975 * len(ordered)) - 1)]
    return rounded(low), rounded(high)


def origin_interval(
    score: LeafScore, origin: str | None, metric: str, resamples: int = 1000, seed: int = 0
) -> tuple[float, float] | None:
    """A bootstrap 95 % interval over the leaf's items (of ``origin``) of a metric's mean; ``None`` when
    fewer than two items define it."""
    values = [value for value in score.values(metric, origin) if value is not None]
    if len(values) < 2:
        return None
    rng = random.Random(seed)
    return percentile_interval([sum(rng.choice(values) for _ in values) / len(values) for _ in range(resamples)])


def eval_system_prompt(lineage: Lineage | None, override: str | None, repo: GitRepo) -> str:
    """The system prompt to ask with: ``override``, else the one the checkpoint was trained with, else the
    taxonomy's (``.lab.toml``), else lab's default."""
    from lab_cli.prompts import DEFAULT_SYSTEM_PROMPT
    from lab_cli.train.config import taxonomy_system_prompt

    if override is not None:
        return override
    if lineage is not None:
        return lineage.system_prompt
    configured = taxonomy_system_prompt(repo.top)
    return configured if configured is not None else DEFAULT_SYSTEM_PROMPT
