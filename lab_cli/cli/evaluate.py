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

  lab eval --lineage models/c3 --plot forgetting.png   # row 0 (the starting model), R[i][j], per-leaf gains,
                                                       # ACC, BWT, forgetting with 95 % intervals along c1 → c2 → c3

  lab eval --lineage models/c3 --metric rouge_l        # the matrix of a surface metric instead of key-fact recall

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


def _per_leaf(
    model: Path, data: str | None, repo: Path | None, batch_size: int, system_prompt: str | None, output_format: str
) -> int:
    from lab_cli.evaluate.scores import TOO_FEW, eval_items, eval_system_prompt, lineage_scores, scored_snapshot

    git, snapshot, lineage = scored_snapshot(model, data, repo)
    prompt = eval_system_prompt(lineage, system_prompt, git)
    with question_progress(sys.stderr.isatty()) as advance:
        scored = lineage_scores(model, lineage, eval_items(git, snapshot), batch_size, advance, prompt)
    scores = sorted(scored.values(), key=lambda s: s.leaf)
    if output_format == "json":
        document = {"snapshot": snapshot, "system_prompt": prompt, "leaves": [s.as_dict() for s in scores]}
        print(json.dumps(document, indent=2))
        return 0
    print(f"{'':58}{'content':^20}  {'surface':^22}")
    print(f"{'leaf':44} {'origin':9} {'n':>4} {'recall':>9} {'cond.gain':>10}  {'EM':>6} {'F1':>6} {'ROUGE-L':>8}")
    for s in scores:
        for origin, part in s.by_origin.items():
            flag = "  too few to judge" if part.n < TOO_FEW else ""
            print(
                f"{s.leaf:44} {origin:9} {part.n:>4} {_cell(part.fact_recall, 9)} {_cell(part.cond_gain, 10, '+')}"
                f"  {_cell(part.exact_match, 6)} {_cell(part.token_f1, 6)} {_cell(part.rouge_l, 8)}{flag}"
            )
    print(
        "\nrecall: share of the reference's key facts (content words and numbers the question lacks) the answer "
        "states;\ncond.gain: NLL of the reference after another question of the leaf minus after its own (nats "
        "per token;\n> 0 when the question, not the answer's wording, makes the answer likely). seed = held-out "
        "human pairs."
    )
    return 0


def _cell(value: float | None, width: int, sign: str = "") -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{sign}{width}.3f}"


def print_matrix(report) -> None:
    """Row 0, R with the learned diagonal, per-leaf gains and the summary with intervals, as text."""
    size = len(report.matrix)
    print(f"R[i][j] ({report.metric}): row = after step i (0 = the starting model), column = leaves new at step j")
    print("        " + "".join(f"{'group ' + str(j + 1):>10}" for j in range(size)))
    if report.base is not None:
        print("start   " + "".join(f"{value:10.3f}" for value in report.base))
    for i, row in enumerate(report.matrix):
        print(f"step {i + 1:<3}" + "".join(f"{value:10.3f}" for value in row) + f"   {report.steps[i][:12]}")
    print(f"learned R[j][j]: {' '.join(f'{v:.3f}' for v in report.learned)}")
    if report.leaf_gains:
        print(f"\n{'leaf':50} {'step':>4} {'n':>4} {'start':>7} {'learned':>8} {'now':>7} {'gain':>7}")
        for g in report.leaf_gains:
            flag = "  too few to judge" if g.too_few else ""
            print(
                f"{g.leaf:50} {g.step:>4} {g.n:>4} {_cell(g.base, 7)} {_cell(g.learned, 8)} {_cell(g.final, 7)}"
                f" {_cell(g.gain, 7, '+')}{flag}"
            )
    intervals = report.intervals
    print(
        f"\nACC {report.acc:.4f}{_interval(intervals.get('acc'))}  BWT {report.bwt:+.4f}"
        f"{_interval(intervals.get('bwt'))}  forgetting {report.forgetting:.4f}"
    )
    if report.mean_gain is not None:
        print(f"mean gain over the start {report.mean_gain:+.4f}{_interval(intervals.get('mean_gain'))}")


def _interval(bounds) -> str:
    return f" [{bounds[0]:+.3f}, {bounds[1]:+.3f}]" if bounds else ""


def evaluate(
    model: Annotated[Path | None, typer.Option("--model", help="Checkpoint to score per leaf.")] = None,
    lineage: Annotated[Path | None, typer.Option("--lineage", help="Checkpoint whose chain to score.")] = None,
    data: Annotated[str | None, typer.Option("--data", help="Taxonomy commit or snapshot (with --model).")] = None,
    metric: Annotated[
        str, typer.Option(help="Metric of the matrix: fact_recall, exact_match, token_f1, rouge_l or cond_gain.")
    ] = "fact_recall",
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the matrix as a heat-map PNG.")] = None,
    batch_size: Annotated[int, typer.Option(help="Questions answered per batch.")] = 32,
    system_prompt: Annotated[
        str | None, typer.Option(help="Ask with this system prompt (default: the one it was trained with).")
    ] = None,
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path | None, typer.Option("--repo", "-C", help="Taxonomy repo (default: lineage's).")] = None,
) -> int:
    """Score a checkpoint per leaf on eval splits (never trained on), or measure learning and forgetting along
    its lineage against the starting model."""
    from lab_cli.errors import UsageError
    from lab_cli.evaluate.matrix import MATRIX_METRICS

    if (model is None) == (lineage is None):
        raise UsageError("give exactly one of --model CHECKPOINT or --lineage CHECKPOINT")
    if metric not in MATRIX_METRICS:
        raise UsageError(f"unknown metric {metric!r}; use one of {', '.join(MATRIX_METRICS)}")
    if model is not None:
        return _per_leaf(model, data, repo_path, batch_size, system_prompt, output_format)
    if system_prompt is not None:
        raise UsageError("--system-prompt goes with --model; a lineage is asked with the prompt it was trained with")
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
