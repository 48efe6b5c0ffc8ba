"""``lab generate``: synthetic training data for the leaves that changed, and the dataset snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lab_cli.cli.options import CONTINUOUS_BATCHING, ENGINE, REPO, REPORT_FORMAT
from lab_cli.cli.teacher import TEACHER_URL
from lab_cli.output import ReportFormat

LOCAL_OR_REMOTE_MODEL = typer.Option(
    "--teacher-model",
    envvar="LAB_TEACHER_MODEL",
    help="Model name the server knows; without --teacher-url, a local checkpoint folder (default: the bundled one).",
)

EPILOG = """Examples:

  lab generate --dry-run                     # the plan: leaves, keys, cached vs to generate, requests

  lab generate                               # changed leaves since the last snapshot, bundled local teacher

  lab generate --teacher-url http://127.0.0.1:8000/v1 --teacher-model mistral-7b-instruct --workers 16

  lab generate --base origin/main --format json   # a PR bot: the branch's leaves only, a JSON summary

  lab generate --all                         # also every unchanged leaf without samples for this teacher

  lab generate --each --summary summary.md   # a snapshot for every commit since the last one (the dataset bot)

Data lives in .git/lab (samples, response logs); the snapshot in refs/lab/datasets. A run stopped at any
point (even killed) resumes where it stopped: every teacher answer is stored before it is used.

Exit codes: 0 done (or nothing to do), 1 a leaf is invalid, a knowledge document is unavailable (offline:
the plan says "unavailable", not "invalid") or a lab error, 2 usage error, 130 interrupted."""


def generate(
    revision: Annotated[str, typer.Argument(help="The taxonomy commit to generate for.")] = "HEAD",
    base: Annotated[
        str | None, typer.Option(help="Generate leaves changed since this revision (default: the last snapshot).")
    ] = None,
    all_leaves: Annotated[bool, typer.Option("--all", help="Consider every leaf, not only changed ones.")] = False,
    teacher_url: Annotated[str | None, TEACHER_URL] = None,
    teacher_model: Annotated[str | None, LOCAL_OR_REMOTE_MODEL] = None,
    scale: Annotated[int, typer.Option(help="New samples sought per seed example.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of every request (part of the generation key).")] = 0,
    workers: Annotated[int, typer.Option(help="Requests in flight at once.")] = 8,
    engine: Annotated[str, ENGINE] = "auto",
    continuous_batching: Annotated[bool, CONTINUOUS_BATCHING] = False,
    max_tokens: Annotated[
        int | None, typer.Option(help="Cap on every request's answer length, for slow local teachers (in the key).")
    ] = None,
    judges: Annotated[
        bool,
        typer.Option(
            help="Filter candidates with the pipelines' judge steps. --no-judges: for teachers too small to judge "
            "(the bundled SmolLM2-135M answers 'no' to every judge); parsing and near-duplicates still filter."
        ),
    ] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; send nothing.")] = False,
    each: Annotated[
        bool,
        typer.Option(
            "--each",
            help="A snapshot for each first-parent commit since the newest one with a snapshot, oldest first "
            "(the commit alone on a first run).",
        ),
    ] = False,
    max_commits: Annotated[
        int, typer.Option(help="With --each, the newest N commits only (older ones get no snapshot).")
    ] = 20,
    summary: Annotated[
        Path | None, typer.Option(help="Append a Markdown summary per commit to this file ($GITHUB_STEP_SUMMARY).")
    ] = None,
    allow_local_documents: Annotated[
        bool, typer.Option("--allow-local-documents", help="Let document.repo be a local path (trusted repos only).")
    ] = False,
    pipelines: Annotated[
        Path | None, typer.Option(help="A folder of pipeline YAML files overriding the shipped ones.")
    ] = None,
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Generate synthetic data for changed leaves with a teacher model, and record the commit's dataset."""
    from lab_cli.datasets.maintenance import generation_lease
    from lab_cli.errors import UsageError
    from lab_cli.generate.engine import TeacherChoice, prepare, prepare_each
    from lab_cli.generate.plan import GenerateOptions
    from lab_cli.gitrepo import GitRepo
    from lab_cli.output.generation import print_plan, report_console

    repo = GitRepo.find(repo_path.resolve())
    options = GenerateOptions(
        revision, base, all_leaves, scale, seed, pipelines, allow_local_documents, max_tokens, judges
    )
    choice = TeacherChoice(teacher_url, teacher_model, workers, continuous_batching, engine)
    if each and dry_run:
        raise UsageError("--dry-run plans one commit (the next depends on its snapshot); drop --each")
    if dry_run:
        prepared = prepare(repo, options, choice)
        if output_format == "json":
            print(json.dumps(prepared.plan.as_dict(), indent=2))
        else:
            print_plan(report_console(), prepared.plan)
        return _failed([prepared.plan])
    reports = []
    with generation_lease(repo):  # from the plan to the snapshot: lab data gc is refused meanwhile
        runs = prepare_each(repo, options, choice, max_commits) if each else iter([prepare(repo, options, choice)])
        for prepared in runs:
            reports.append(_carry_out(prepared, output_format, summary, len(reports) if each else None))
    if output_format == "json":
        dumped = [report.as_dict() for report in reports]
        print(json.dumps(dumped if each else dumped[0], indent=2))
    return _failed([report.plan for report in reports])


def _failed(plans) -> int:
    """Exit 1 when a leaf of any plan is invalid or its document unavailable (nothing recorded for it)."""
    from lab_cli.generate.plan import BLOCKING

    return 1 if any(plan.by_action(action) for plan in plans for action in BLOCKING) else 0


def _carry_out(prepared, output_format: ReportFormat, summary: Path | None, number: int | None):
    """Generate one plan with the live display; print its report unless JSON is wanted, append its summary."""
    from lab_cli.generate.engine import carry_out
    from lab_cli.output.generation import GenerationProgress, print_report, report_console
    from lab_cli.output.summary import generation_summary

    console = report_console(stderr=output_format == "json")
    if number is not None:
        console.print(f"taxonomy commit {prepared.plan.commit[:12]} ({number + 1})")
    with GenerationProgress(prepared.plan, report_console(stderr=True)) as progress:
        report = carry_out(prepared, progress)
    if output_format != "json":
        print_report(console, report)
    if summary is not None:
        with open(summary, "a", encoding="utf-8") as stream:
            stream.write(generation_summary(report))
    return report
