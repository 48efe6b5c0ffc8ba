"""``lab teacher check`` and ``lab model default``: the teacher endpoint and the bundled model."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from lab_cli.cli.options import REPORT_FORMAT
from lab_cli.output import ReportFormat

TEACHER_URL = typer.Option(
    "--teacher-url", envvar="LAB_TEACHER_URL", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1."
)
TEACHER_MODEL = typer.Option("--teacher-model", envvar="LAB_TEACHER_MODEL", help="Model name the server knows.")

GROUP_EPILOG = """Examples:

  lab teacher check                          # the bundled teacher, locally

  lab teacher check --teacher-url http://127.0.0.1:8000/v1 --teacher-model Qwen/Qwen2.5-7B-Instruct"""

CHECK_EPILOG = """Examples:

  lab teacher check                          # the bundled default, started locally for the check

  lab teacher check --teacher-url http://127.0.0.1:8000/v1 --teacher-model Qwen/Qwen2.5-7B-Instruct

  LAB_TEACHER_API_KEY=sk-... lab teacher check --teacher-url https://api.example.com/v1 --teacher-model m

The API key comes from $LAB_TEACHER_API_KEY (or $OPENAI_API_KEY) and is never printed."""


def check(
    teacher_url: Annotated[str | None, TEACHER_URL] = None,
    teacher_model: Annotated[str | None, TEACHER_MODEL] = None,
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer.")] = 60.0,
) -> int:
    """Ask the teacher one question: prints its models, the latency, and whether JSON mode and n>1 work."""
    from lab_cli.teacher.check import check_endpoint

    report = check_endpoint(teacher_url, teacher_model, timeout, lambda line: print(line, file=sys.stderr))
    if output_format == "json":
        print(json.dumps(report.as_dict(), indent=2))
        return 0
    print(f"teacher {report.url}: models {', '.join(report.models) or '(none listed)'}")
    print(f"  answered as {report.model!r} in {report.latency_seconds:.2f} s: {report.answer.strip()[:80]!r}")
    print(
        f"  JSON mode: {'yes' if report.json_mode else 'no'}; several choices (n>1): "
        f"{'yes' if report.several_choices else 'no'}"
    )
    return 0
