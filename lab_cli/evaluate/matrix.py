"""The forgetting matrix along a lineage: R[i][j] = score of leaf group j (leaves new at step j) after step i.

ACC = mean of the last row; BWT = mean over j < T of (R[T][j] − R[j][j]); forgetting = mean over j < T of
(max over j ≤ i < T of R[i][j] − R[T][j]). R[j][j] is reported beside them: a leaf never learned has
nothing to forget, and must not pass as "not forgotten".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from lab_cli.errors import LabError
from lab_cli.evaluate.scores import LeafScore, eval_items, lineage_scores
from lab_cli.gitrepo import GitRepo
from lab_cli.train.lineage import Lineage, lineage_chain


@dataclass(frozen=True)
class ForgettingReport:
    """R with its summary numbers."""

    metric: str
    steps: list[str]  # the taxonomy commit of each step
    groups: list[list[str]]  # the leaves new at each step
    matrix: list[list[float]]
    acc: float
    bwt: float
    forgetting: float
    learned: list[float]  # R[j][j]

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


def report(metric: str, steps: list[str], groups: list[list[str]], matrix: list[list[float]]) -> ForgettingReport:
    """The report of a filled matrix, rounded for reading."""
    acc, bwt, forgetting = summarize(matrix)
    rounded = [[round(value, 4) for value in row] for row in matrix]
    learned = [rounded[j][j] for j in range(len(matrix))]
    return ForgettingReport(metric, steps, groups, rounded, round(acc, 4), round(bwt, 4), round(forgetting, 4), learned)


def lineage_matrix(
    checkpoint: Path,
    metric: str = "rouge_l",
    repo: Path | None = None,
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
) -> ForgettingReport:
    """Score every step of ``checkpoint``'s lineage on every step's new leaves (scores cached in each lineage)."""
    chain = lineage_chain(checkpoint)
    git = GitRepo.find((repo or Path(chain[-1][1].taxonomy_repo)).resolve())
    return steps_matrix(
        git, chain, [(lin.dataset_snapshot, lin.new_keys) for _, lin in chain], metric, batch_size, advance
    )


def steps_matrix(
    git: GitRepo,
    steps: list[tuple[Path, Lineage]],
    groups: list[tuple[str, dict[str, str]]],
    metric: str = "rouge_l",
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
) -> ForgettingReport:
    """R for any checkpoints (rows) and leaf groups (columns: a snapshot and its leaf → key map)."""
    items = [item for snapshot, keys in groups for item in eval_items(git, snapshot, set(keys.values()))]
    wanted = {item.key for item in items}
    matrix = []
    for folder, lineage in steps:
        scores = lineage_scores(folder, lineage, items, batch_size, advance)
        matrix.append([_group_score(scores, keys, wanted, metric) for _, keys in groups])
    names = [lineage.taxonomy_commit for _, lineage in steps]
    return report(metric, names, [sorted(keys) for _, keys in groups], matrix)


def _group_score(scores: dict[str, LeafScore], keys: dict[str, str], wanted: set[str], metric: str) -> float:
    """Mean over the group's leaves (those with eval samples) of the leaf's metric."""
    values = [getattr(scores[key], metric) for key in keys.values() if key in wanted]
    if not values:
        raise LabError(f"a step's new leaves ({', '.join(sorted(keys))}) have no eval-split samples to score")
    return sum(values) / len(values)
