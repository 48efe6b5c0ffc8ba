"""``lab eval``: per-leaf scores of a checkpoint, or the forgetting matrix along its lineage."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lab_cli.cli.options import REPORT_FORMAT
from lab_cli.evaluate.metrics import MATRIX_METRICS
from lab_cli.general import PROBE_COUNT
from lab_cli.output import ReportFormat
from lab_cli.output.progress import progress_by, wanted

if TYPE_CHECKING:
    from lab_cli.evaluate.drift import ProbeRequest

EPILOG = """Examples:

  lab eval --model models/c2                   # per-leaf scores on the eval split of the snapshot it was trained on

  lab eval --model models/c2 --data HEAD       # ... on another commit's snapshot

  lab eval --lineage models/c3 --plot forgetting.png   # row 0 (the starting model), R[i][j], per-leaf gains,
                                                       # ACC, BWT, forgetting with 95 % intervals along c1 → c2 → c3

  lab eval --lineage models/c3 --metric rouge_l        # the matrix of a surface metric instead of key-fact recall

  lab eval --model models/c2 --probe my_probes.jsonl   # general drift also on your own prompts
                                                       # (one {"prompt": "..."} per line)

  lab eval --model models/c2 --lm-eval tiny_mc --include-path my_tasks   # lm-evaluation-harness tasks (the lmeval
                                                       # extra), offline with local task files; kept in the lineage

Both also report general drift from the starting model: KL(base || checkpoint) per token on the base's greedy
answers to lab's probe prompts (plus the taxonomy's lab_probes.jsonl and --probe files), and agreement (ROUGE-L
of the checkpoint's answers against the base's). --probe-count 0 with no probe file turns it off.

Exit codes: 0 scored, 1 no snapshot to score on, a broken lineage or a malformed probe file, 2 usage error (not a
checkpoint folder, an unknown lm-eval task, lm-eval not installed)."""


def _per_leaf(
    model: Path,
    data: str | None,
    repo: Path | None,
    batch_size: int,
    system_prompt: str | None,
    output_format: str,
    probes: ProbeRequest,
) -> int:
    from lab_cli.evaluate.drift import StartingModelMissing, checkpoint_drift
    from lab_cli.evaluate.scores import TOO_FEW, eval_items, eval_system_prompt, lineage_scores, scored_snapshot

    git, snapshot, lineage = scored_snapshot(model, data, repo)
    prompt = eval_system_prompt(lineage, system_prompt, git)
    prompts = probes.prompts(git.top) if lineage is not None else ()  # a model lab did not train has no base
    drift, drift_skipped = None, None
    with progress_by("answering eval questions", wanted()) as advance:
        scored = lineage_scores(model, lineage, eval_items(git, snapshot), batch_size, advance, prompt)
        if prompts:
            try:
                drift = checkpoint_drift(model, prompts, prompt, probes.max_new_tokens, batch_size, advance)
            except StartingModelMissing as missing:
                drift_skipped = str(missing)
    scores = sorted(scored.values(), key=lambda s: s.leaf)
    if output_format == "json":
        document = {"snapshot": snapshot, "system_prompt": prompt, "leaves": [s.as_dict() for s in scores]}
        drift_fields = {"drift": asdict(drift) if drift else None, "drift_skipped": drift_skipped}
        print(json.dumps({**document, **drift_fields}, indent=2))
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
    if drift is not None:
        print(f"\ngeneral drift from the starting model ({drift.n} probe prompts):")
        print(
            f"  KL {drift.kl:.4f}{_plain(drift.kl_interval)}  agreement {drift.agreement:.3f}"
            f"{_plain(drift.agreement_interval)}"
        )
        print(DRIFT_LEGEND)
    if drift_skipped:
        print(f"\ngeneral drift not measured: {drift_skipped}")
    return 0


def _harness(
    model: Path,
    tasks: str,
    include_path: Path | None,
    batch_size: int,
    limit: int | None,
    num_fewshot: int | None,
    output_format: str,
) -> int:
    from lab_cli.errors import UsageError
    from lab_cli.evaluate.harness import run_harness
    from lab_cli.teacher.local_model import resolve_model
    from lab_cli.train.lineage import cache_benchmarks

    names = [name.strip() for name in tasks.split(",") if name.strip()]
    if not names:
        raise UsageError("--lm-eval needs at least one task name, e.g. --lm-eval arc_easy,my_task")
    checkpoint = resolve_model(str(model))
    run = run_harness(checkpoint, names, include_path, batch_size, limit, num_fewshot)
    recorded = cache_benchmarks(checkpoint, run.as_lineage_entries())
    if output_format == "json":
        print(json.dumps({"model": str(checkpoint), "recorded_in_lineage": recorded, **asdict(run)}, indent=2))
        return 0
    print(f"lm-eval {run.lm_eval_version} on {checkpoint} (few-shot: {run.num_fewshot or 0}, limit: {run.limit})")
    print(f"{'task':32} {'n':>6}  {'metric':24} {'value':>8} {'± stderr':>9}")
    for score in run.scores:
        for name, value in score.metrics.items():
            error = score.stderr.get(name)
            print(f"{score.task:32} {score.n:>6}  {name:24} {value:8.4f} {'' if error is None else f'{error:9.4f}'}")
    where = "recorded in its lineage" if recorded else "not recorded: the model has no lineage (lab did not train it)"
    print(f"\n{where}")
    return 0


DRIFT_LEGEND = (
    "KL: mean per-token KL(base || checkpoint) in nats, teacher-forced on the starting model's greedy answers "
    "(0 = predicts\nas the base did); agreement: ROUGE-L of the checkpoint's greedy answers against the base's "
    "(1 = the same answers)."
)


def _plain(bounds) -> str:
    return f" [{bounds[0]:.3f}, {bounds[1]:.3f}]" if bounds else ""


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
    if report.drift:
        print(f"\ngeneral drift from the starting model ({report.drift[0].n} probe prompts, 95 % intervals):")
        print(f"{'':8}{'KL':>8}{'':18}{'agreement':>10}")
        print(f"start   {0.0:8.4f}{'':18}{1.0:10.3f}")
        for i, step in enumerate(report.drift):
            print(
                f"step {i + 1:<3}{step.kl:8.4f}{_plain(step.kl_interval):18}{step.agreement:10.3f}"
                f"{_plain(step.agreement_interval)}   {report.steps[i][:12]}"
            )
        print(DRIFT_LEGEND)


def _interval(bounds) -> str:
    return f" [{bounds[0]:+.3f}, {bounds[1]:+.3f}]" if bounds else ""


def evaluate(
    model: Annotated[Path | None, typer.Option("--model", help="Checkpoint to score per leaf.")] = None,
    lineage: Annotated[Path | None, typer.Option("--lineage", help="Checkpoint whose chain to score.")] = None,
    data: Annotated[str | None, typer.Option("--data", help="Taxonomy commit or snapshot (with --model).")] = None,
    metric: Annotated[str, typer.Option(help=f"Metric of the matrix: {', '.join(MATRIX_METRICS)}.")] = "fact_recall",
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the matrix as a heat-map PNG.")] = None,
    batch_size: Annotated[int, typer.Option(help="Questions answered per batch.")] = 32,
    system_prompt: Annotated[
        str | None, typer.Option(help="Ask with this system prompt (default: the one it was trained with).")
    ] = None,
    probe: Annotated[
        list[Path] | None,
        typer.Option("--probe", help='More drift probe prompts: JSON Lines, one {"prompt": ...} per line.'),
    ] = None,
    probe_count: Annotated[
        int, typer.Option(min=0, help="How many of lab's general probe prompts to measure drift on.")
    ] = PROBE_COUNT,
    lm_eval: Annotated[
        str | None,
        typer.Option(
            "--lm-eval", help="Run lm-evaluation-harness tasks (comma-separated) on --model instead of the leaves."
        ),
    ] = None,
    include_path: Annotated[
        Path | None, typer.Option("--include-path", help="A folder of your own lm-eval task definitions (trusted).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="With --lm-eval: at most this many items a task.")] = None,
    num_fewshot: Annotated[int | None, typer.Option(min=0, help="With --lm-eval: few-shot examples per item.")] = None,
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path | None, typer.Option("--repo", "-C", help="Taxonomy repo (default: lineage's).")] = None,
) -> int:
    """Score a checkpoint per leaf on eval splits (never trained on), or measure learning and forgetting along
    its lineage against the starting model."""
    from lab_cli.errors import UsageError
    from lab_cli.evaluate.drift import ProbeRequest
    from lab_cli.general.probes import read_prompt_files

    probes = ProbeRequest(probe_count, read_prompt_files(tuple(probe or ())))  # a bad file fails before any work
    if (model is None) == (lineage is None):
        raise UsageError("give exactly one of --model CHECKPOINT or --lineage CHECKPOINT")
    if lm_eval is not None:
        if model is None:
            raise UsageError("--lm-eval scores one checkpoint: give --model CHECKPOINT (or --model default)")
        return _harness(model, lm_eval, include_path, batch_size, limit, num_fewshot, output_format)
    if include_path is not None or limit is not None or num_fewshot is not None:
        raise UsageError("--include-path, --limit and --num-fewshot go with --lm-eval TASKS")
    if metric not in MATRIX_METRICS:
        raise UsageError(f"unknown metric {metric!r}; use one of {', '.join(MATRIX_METRICS)}")
    if model is not None:
        return _per_leaf(model, data, repo_path, batch_size, system_prompt, output_format, probes)
    if system_prompt is not None:
        raise UsageError("--system-prompt goes with --model; a lineage is asked with the prompt it was trained with")
    from lab_cli.evaluate.matrix import lineage_matrix

    with progress_by("answering eval questions", wanted()) as advance:
        report = lineage_matrix(lineage, metric, repo_path, batch_size, advance, probes)
    if plot is not None:
        from lab_cli.evaluate.plot import plot_matrix

        plot_matrix(report, plot, str(lineage))
        print(f"wrote {plot}", file=sys.stderr)
    if output_format == "json":
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print_matrix(report)
    return 0
