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
    from lab_cli.errors import UsageError
    from lab_cli.teacher.check import check_teacher
    from lab_cli.teacher.client import TeacherSettings

    if teacher_url is None:  # no endpoint: the bundled default, served locally for the duration of the check
        from lab_cli.serve.engines import choose
        from lab_cli.serve.launch import local_teacher

        print("no --teacher-url: starting the bundled default teacher locally…", file=sys.stderr)
        with local_teacher(choose("auto", "default")) as settings:
            report = check_teacher(TeacherSettings(settings.url, settings.model, timeout=timeout))
    elif teacher_model is None:
        raise UsageError("--teacher-model is required with --teacher-url (see the server's /v1/models)")
    else:
        report = check_teacher(TeacherSettings(teacher_url, teacher_model, timeout=timeout))
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


MODEL_GROUP_EPILOG = """Examples:

  lab model default                          # the bundled model's folder

  lab model log models/c2                    # a trained checkpoint's lineage"""

MODEL_EPILOG = """Examples:

  lab model default            # convert once, then print the folder

  lab model default --force    # convert again"""


def default(force: Annotated[bool, typer.Option("--force", help="Convert again even if cached.")] = False) -> int:
    """Materialise the bundled SmolLM2-135M-Instruct as a Hugging Face checkpoint in lab's cache; print where."""
    from lab_cli.teacher.local_model import materialize_default

    path = materialize_default(force, say=lambda line: print(line, file=sys.stderr))
    print(path)
    return 0
