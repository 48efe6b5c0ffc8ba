"""``lab eval``: per-leaf scores of a checkpoint, or the forgetting matrix along its lineage."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from lab_cli.cli.options import REPORT_FORMAT
from lab_cli.output import ReportFormat

EPILOG = """Examples:

  lab eval --model models/c2                   # per-leaf scores on the eval split of the snapshot it was trained on

  lab eval --model models/c2 --data HEAD       # ... on another commit's snapshot

  lab eval --lineage models/c3 --plot forgetting.png   # R[i][j], ACC, BWT, forgetting along c1 → c2 → c3

Exit codes: 0 scored, 1 no snapshot to score on or a broken lineage, 2 usage error (not a checkpoint folder)."""


@contextlib.contextmanager
def question_progress(enabled: bool) -> Iterator[Callable[[int], None]]:
    """A rich progress line on stderr advanced by answered questions, or a no-op when off."""
    if not enabled:
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("answering eval questions", total=None)
        yield lambda count: progress.advance(task, count)


def _per_leaf(model: Path, data: str | None, repo: Path | None, batch_size: int, output_format: str) -> int:
    from lab_cli.evaluate.scores import eval_items, lineage_scores, scored_snapshot

    git, snapshot, lineage = scored_snapshot(model, data, repo)
    with question_progress(sys.stderr.isatty()) as advance:
        scored = lineage_scores(model, lineage, eval_items(git, snapshot), batch_size, advance)
    scores = sorted(scored.values(), key=lambda s: s.leaf)
    if output_format == "json":
        print(json.dumps({"snapshot": snapshot, "leaves": [s.as_dict() for s in scores]}, indent=2))
        return 0
    print(f"{'leaf':50} {'n':>4} {'EM':>6} {'F1':>6} {'ROUGE-L':>8}")
    for s in scores:
        print(f"{s.leaf:50} {s.samples:>4} {s.exact_match:6.3f} {s.token_f1:6.3f} {s.rouge_l:8.3f}")
    return 0


def print_matrix(report) -> None:
    """R with the learned diagonal and the summary, as text."""
    size = len(report.matrix)
    print(f"R[i][j] ({report.metric}): row = after step i, column = leaves new at step j")
    print("        " + "".join(f"{'group ' + str(j + 1):>10}" for j in range(size)))
    for i, row in enumerate(report.matrix):
        print(f"step {i + 1:<3}" + "".join(f"{value:10.3f}" for value in row) + f"   {report.steps[i][:12]}")
    print(f"learned R[j][j]: {' '.join(f'{v:.3f}' for v in report.learned)}")
    print(f"ACC {report.acc:.4f}  BWT {report.bwt:+.4f}  forgetting {report.forgetting:.4f}")


def evaluate(
    model: Annotated[Path | None, typer.Option("--model", help="Checkpoint to score per leaf.")] = None,
    lineage: Annotated[Path | None, typer.Option("--lineage", help="Checkpoint whose chain to score.")] = None,
    data: Annotated[str | None, typer.Option("--data", help="Taxonomy commit or snapshot (with --model).")] = None,
    metric: Annotated[str, typer.Option(help="rouge_l, token_f1 or exact_match (for the matrix).")] = "rouge_l",
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the matrix as a heat-map PNG.")] = None,
    batch_size: Annotated[int, typer.Option(help="Questions answered per batch.")] = 32,
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path | None, typer.Option("--repo", "-C", help="Taxonomy repo (default: lineage's).")] = None,
) -> int:
    """Score a checkpoint per leaf on eval splits (never trained on), or measure forgetting along its lineage."""
    from lab_cli.errors import UsageError

    if (model is None) == (lineage is None):
        raise UsageError("give exactly one of --model CHECKPOINT or --lineage CHECKPOINT")
    if metric not in ("rouge_l", "token_f1", "exact_match"):
        raise UsageError(f"unknown metric {metric!r}; use rouge_l, token_f1 or exact_match")
    if model is not None:
        return _per_leaf(model, data, repo_path, batch_size, output_format)
    from lab_cli.evaluate.matrix import lineage_matrix

    with question_progress(sys.stderr.isatty()) as advance:
        report = lineage_matrix(lineage, metric, repo_path, batch_size, advance)
    if plot is not None:
        from lab_cli.evaluate.plot import plot_matrix

        plot_matrix(report, plot, str(lineage))
        print(f"wrote {plot}", file=sys.stderr)
    if output_format == "json":
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print_matrix(report)
    return 0
