"""The forgetting matrix along a lineage: R[i][j] = score of leaf group j (leaves new at step j) after step i,
with row 0 = the starting model, so what a step taught is told apart from what the base already did.

ACC = mean of the last row; BWT = mean over j < T of (R[T][j] − R[j][j]); forgetting = mean over j < T of
(max over j ≤ i < T of R[i][j] − R[T][j]); gain of group j = R[j][j] − R[0][j]. R[j][j] is reported beside them:
a leaf never learned has nothing to forget, and must not pass as "not forgotten". Intervals are bootstrap 95 %
intervals over eval items, resampled within each leaf and paired across rows (the same items in every row).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from lab_cli.errors import LabError
from lab_cli.evaluate.drift import ProbeDrift, ProbeRequest, lineage_drift
from lab_cli.evaluate.scores import (
    TOO_FEW,
    LeafScore,
    base_scores,
    eval_items,
    lineage_scores,
    percentile_interval,
    rounded,
)
from lab_cli.gitrepo import GitRepo
from lab_cli.train.lineage import Lineage, lineage_chain


@dataclass(frozen=True)
class LeafGain:
    """One leaf's score before training (row 0), after the step that added it, and after the last step."""

    leaf: str
    key: str
    step: int  # 1-based: the step that added it
    n: int  # eval items
    base: float | None
    learned: float | None
    final: float | None
    gain: float | None  # learned − base
    too_few: bool  # fewer than TOO_FEW eval items: too few to judge


@dataclass(frozen=True)
class ForgettingReport:
    """R with its summary numbers, row 0 and per-leaf gains when the starting model was scored."""

    metric: str
    steps: list[str]  # the taxonomy commit of each step
    groups: list[list[str]]  # the leaves new at each step
    matrix: list[list[float]]
    acc: float
    bwt: float
    forgetting: float
    learned: list[float]  # R[j][j]
    base: list[float] | None = None  # row 0: the starting model on each group
    gains: list[float] | None = None  # R[j][j] − R[0][j]
    mean_gain: float | None = None
    leaf_gains: list[LeafGain] = field(default_factory=list)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # acc, bwt, mean_gain
    drift: list[ProbeDrift] = field(default_factory=list)  # per step: general drift from the starting model

    def as_dict(self) -> dict:
        """JSON form."""
        return asdict(self)


def summarize(matrix: list[list[float]]) -> tuple[float, float, float]:
    """ACC, BWT and forgetting of a square matrix R."""
    last = len(matrix) - 1
    acc = sum(matrix[last]) / len(matrix[last])
    if last == 0:
        return acc, 0.0, 0.0
    bwt = sum(matrix[last][j] - matrix[j][j] for j in range(last)) / last
    drops = [max(matrix[i][j] for i in range(j, last)) - matrix[last][j] for j in range(last)]
    return acc, bwt, sum(drops) / last


def _round(values: list[float]) -> list[float]:
    return [rounded(value) for value in values]


def report(
    metric: str,
    steps: list[str],
    groups: list[list[str]],
    matrix: list[list[float]],
    base: list[float] | None = None,
    leaf_gains: list[LeafGain] | None = None,
    intervals: dict[str, tuple[float, float]] | None = None,
) -> ForgettingReport:
    """The report of a filled matrix (and row 0 when given), rounded for reading."""
    acc, bwt, forgetting = summarize(matrix)
    shown = [_round(row) for row in matrix]
    learned = [shown[j][j] for j in range(len(matrix))]
    gains = [matrix[j][j] - base[j] for j in range(len(matrix))] if base is not None else None
    return ForgettingReport(
        metric,
        steps,
        groups,
        shown,
        rounded(acc),
        rounded(bwt),
        rounded(forgetting),
        learned,
        _round(base) if base is not None else None,
        _round(gains) if gains is not None else None,
        rounded(sum(gains) / len(gains)) if gains else None,
        leaf_gains or [],
        intervals or {},
    )


def lineage_matrix(
    checkpoint: Path,
    metric: str = "fact_recall",
    repo: Path | None = None,
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
    probes: ProbeRequest | None = None,
) -> ForgettingReport:
    """Score the starting model and every step of ``checkpoint``'s lineage on every step's new leaves (scores
    cached in the lineages), and each step's general drift from the starting model on ``probes`` (none when
    ``None`` or when they hold no prompt)."""
    chain = lineage_chain(checkpoint)
    git = GitRepo.find((repo or Path(chain[-1][1].taxonomy_repo)).resolve())
    matrix = steps_matrix(
        git, chain, [(lin.dataset_snapshot, lin.new_keys) for _, lin in chain], metric, batch_size, advance
    )
    prompts = probes.prompts(git.top) if probes is not None else ()
    if not prompts:
        return matrix
    return replace(matrix, drift=lineage_drift(chain, prompts, probes.max_new_tokens, batch_size, advance))


def steps_matrix(
    git: GitRepo,
    steps: list[tuple[Path, Lineage]],
    groups: list[tuple[str, dict[str, str]]],
    metric: str = "fact_recall",
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
    base: bool = True,
) -> ForgettingReport:
    """R for any checkpoints (rows) and leaf groups (columns: a snapshot and its leaf → key map), with row 0
    (the first step's starting model, cached in its lineage) unless ``base`` is false."""
    items = [item for snapshot, keys in groups for item in eval_items(git, snapshot, set(keys.values()))]
    wanted = {item.key for item in items}
    columns = [[key for key in keys.values() if key in wanted] for _, keys in groups]
    for (_, keys), column in zip(groups, columns, strict=True):
        if not column:
            raise LabError(f"a step's new leaves ({', '.join(sorted(keys))}) have no eval-split samples to score")
    rows = [base_scores(steps[0], items, batch_size, advance)] if base else []
    rows += [lineage_scores(folder, lineage, items, batch_size, advance) for folder, lineage in steps]
    names = [lineage.taxonomy_commit for _, lineage in steps]
    return scores_report(metric, names, [sorted(keys) for _, keys in groups], rows, columns, with_base=base)


def scores_report(
    metric: str,
    steps: list[str],
    leaves: list[list[str]],
    rows: list[dict[str, LeafScore]],
    columns: list[list[str]],
    with_base: bool = True,
    resamples: int = 1000,
) -> ForgettingReport:
    """The report of scored rows (row 0 first when ``with_base``): ``columns[j]`` holds the generation keys of
    the leaves new at step j."""
    table = _ItemTable(rows, columns, metric)
    matrix = table.matrix()
    if not with_base:
        return report(metric, steps, leaves, matrix)
    return report(metric, steps, leaves, matrix[1:], matrix[0], table.leaf_gains(), _intervals(table, resamples))


class _ItemTable:
    """Per-item values of one metric for every row (model) and leaf, aligned by item across rows. Only items
    that define the metric in every row count (key-fact recall is undefined for an answer the question gives
    away, the conditional gain for a leaf's only item), so a resample never draws a leaf with nothing to score."""

    def __init__(self, rows: list[dict[str, LeafScore]], columns: list[list[str]], metric: str) -> None:
        self.rows, self.all_columns, self.metric = rows, columns, metric
        values = [{key: _by_id(row[key], metric) for column in columns for key in column} for row in rows]
        self.ids = {
            key: [item.item_id for item in rows[0][key].items if all(v[key][item.item_id] is not None for v in values)]
            for column in columns
            for key in column
        }  # fmt: skip
        self.columns = [[key for key in column if self.ids[key]] for column in columns]
        for column, kept in zip(columns, self.columns, strict=True):
            if not kept:
                leaves = ", ".join(sorted(rows[0][key].leaf for key in column))
                raise LabError(f"no eval item of {leaves} defines {metric} in every row; use another --metric")
        self.values = [{key: [v[key][i] for i in self.ids[key]] for key in self.ids} for v in values]

    def matrix(self, draws: dict[str, list[int]] | None = None) -> list[list[float]]:
        """Each row's group scores: the mean over a group's leaves of each leaf's mean over its items (the
        items ``draws`` picks, when given)."""
        return [[_group(values, column, draws) for column in self.columns] for values in self.values]

    def draw(self, rng: random.Random) -> dict[str, list[int]]:
        """A bootstrap resample of every leaf's items (indices, with replacement)."""
        return {key: [rng.randrange(len(ids)) for _ in ids] for key, ids in self.ids.items() if ids}

    def leaf_gains(self) -> list[LeafGain]:
        """Each leaf's row-0, learned and final score and its gain, with the items they are measured on."""
        gains = []
        for step, column in enumerate(self.all_columns, start=1):
            for key in column:
                n = len(self.ids[key])
                base, learned, final = (
                    _mean(self.values[i][key]) if n else None for i in (0, step, len(self.values) - 1)
                )
                gain = learned - base if learned is not None and base is not None else None
                scores = rounded(base), rounded(learned), rounded(final), rounded(gain)
                gains.append(LeafGain(self.rows[step][key].leaf, key, step, n, *scores, n < TOO_FEW))
        return gains


def _group(values: dict[str, list[float]], column: list[str], draws: dict[str, list[int]] | None) -> float:
    means = [_mean(values[key], draws[key] if draws else None) for key in column]
    return sum(means) / len(means)


def _by_id(score: LeafScore, metric: str) -> dict[str, float | None]:
    return {item.item_id: getattr(item, metric) for item in score.items}


def _mean(values: list[float], picks: list[int] | None = None) -> float:
    chosen = [values[i] for i in picks] if picks is not None else values
    return sum(chosen) / len(chosen)


def _summary(matrix: list[list[float]]) -> tuple[float, float, float]:
    """ACC, BWT and mean gain of a matrix whose first row is row 0."""
    acc, bwt, _ = summarize(matrix[1:])
    gains = [matrix[j + 1][j] - matrix[0][j] for j in range(len(matrix) - 1)]
    return acc, bwt, sum(gains) / len(gains)


def _intervals(table: _ItemTable, resamples: int, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Bootstrap 95 % intervals of ACC, BWT and mean gain (one resample of items serves all three)."""
    rng = random.Random(seed)
    draws = [_summary(table.matrix(table.draw(rng))) for _ in range(resamples)]
    return {name: percentile_interval([d[i] for d in draws]) for i, name in enumerate(("acc", "bwt", "mean_gain"))}
