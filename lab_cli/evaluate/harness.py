"""Standard benchmarks through lm-evaluation-harness (the ``lmeval`` extra): a checkpoint's scores on named tasks.

The harness runs on the model lab loads itself (any checkpoint folder, or the bundled default), so it needs no
model hub; a task defined in a local folder (``--include-path``, with ``dataset_path: json`` and local
``data_files``) needs no network at all. Task folders may hold Python (``!function``), which the harness runs:
give only folders you trust.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from lab_cli.errors import UsageError

INSTALL_HINT = "pip install 'lab-cli[train,lmeval]' (lm-eval 0.4)"


@dataclass(frozen=True)
class TaskScore:
    """One task's aggregated metrics (``acc``, ``acc_norm``, … with the harness's filter suffix where not
    ``none``), their standard errors where the harness gives one, and how many items were scored."""

    task: str
    n: int
    metrics: dict[str, float]
    stderr: dict[str, float]
    version: str


@dataclass(frozen=True)
class HarnessRun:
    """What one harness run measured, with what it ran under."""

    lm_eval_version: str
    num_fewshot: int | None
    limit: int | None
    scores: tuple[TaskScore, ...]

    def as_lineage_entries(self) -> dict[str, dict]:
        """Per task, the record a lineage keeps (the latest run of a task replaces the one before)."""
        run = {"lm_eval_version": self.lm_eval_version, "num_fewshot": self.num_fewshot, "limit": self.limit}
        return {score.task: {**asdict(score), **run} for score in self.scores}


def _harness():
    try:
        import lm_eval
        from lm_eval.models.huggingface import HFLM
        from lm_eval.tasks import TaskManager
    except ImportError as error:
        raise UsageError(f"--lm-eval needs lm-evaluation-harness, which is not installed: {INSTALL_HINT}") from error
    return lm_eval, HFLM, TaskManager


def _task_manager(task_manager_class, tasks: Sequence[str], include_path: Path | None):
    if include_path is not None and not include_path.is_dir():
        raise UsageError(f"--include-path {include_path}: no such folder of task definitions")
    manager = task_manager_class(include_path=str(include_path) if include_path else None)
    known = set(manager.all_tasks)
    for task in tasks:
        if task not in known:
            close = difflib.get_close_matches(task, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            where = f" (nor in {include_path})" if include_path else " (a local task needs --include-path DIR)"
            raise UsageError(f"lm-eval has no task {task!r}{where}{hint}")
    return manager


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _task_score(task: str, results: dict, samples: dict, version: object) -> TaskScore:
    metrics: dict[str, float] = {}
    stderr: dict[str, float] = {}
    for name, value in results.items():
        if "," not in name or not _finite(value):
            continue
        metric, filter_name = name.split(",", 1)
        label = metric if filter_name == "none" else f"{metric},{filter_name}"
        if metric.endswith("_stderr"):
            stderr[label.replace("_stderr", "")] = float(value)
        else:
            metrics[label] = float(value)
    return TaskScore(task, int(samples.get("effective", 0)), metrics, stderr, str(version))


def run_harness(
    checkpoint: Path,
    tasks: Sequence[str],
    include_path: Path | None = None,
    batch_size: int = 8,
    limit: int | None = None,
    num_fewshot: int | None = None,
) -> HarnessRun:
    """Score the checkpoint on lm-eval ``tasks`` (bundled names, or ones defined under ``include_path``)."""
    lm_eval, hflm_class, task_manager_class = _harness()
    manager = _task_manager(task_manager_class, tasks, include_path)  # a wrong name fails before the model loads
    from lab_cli.evaluate.answers import load

    model, tokenizer = load(checkpoint)
    lm = hflm_class(pretrained=model, tokenizer=tokenizer, batch_size=batch_size)
    found = lm_eval.simple_evaluate(
        model=lm,
        tasks=list(tasks),
        task_manager=manager,
        limit=limit,
        num_fewshot=num_fewshot,
        log_samples=False,
        bootstrap_iters=1000,
    )
    if not found:
        raise UsageError("lm-eval returned no results (it runs only on the main process)")
    samples, versions = found.get("n-samples", {}), found.get("versions", {})
    scores = tuple(
        _task_score(task, results, samples.get(task, {}), versions.get(task, ""))
        for task, results in found["results"].items()
    )
    return HarnessRun(str(lm_eval.__version__), num_fewshot, limit, scores)
