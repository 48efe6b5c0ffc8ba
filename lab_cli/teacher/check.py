"""``lab teacher check``: one round trip to a teacher, for users debugging their endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from lab_cli.errors import TeacherError, UsageError
from lab_cli.teacher.client import ChatRequest, TeacherClient, TeacherSettings, api_key


@dataclass(frozen=True)
class CheckReport:
    """What the endpoint said: its models, the answering model, latency, and optional features."""

    url: str
    models: list[str]
    model: str
    latency_seconds: float
    answer: str
    json_mode: bool
    several_choices: bool

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return asdict(self)


def _supports(client: TeacherClient, request: ChatRequest, accept) -> bool:
    try:
        return accept(client.run([request])[0])
    except TeacherError:
        return False


def check_teacher(settings: TeacherSettings) -> CheckReport:
    """List models, ask one question, then probe JSON mode and ``n > 1``; raises ``TeacherError`` if unreachable."""
    import openai

    try:
        models = [
            model.id for model in openai.OpenAI(base_url=settings.url, api_key=api_key(), timeout=10).models.list()
        ]
    except openai.OpenAIError as exc:
        raise TeacherError(
            f"cannot list models at {settings.url}: {type(exc).__name__}: {str(exc)[:200].rstrip('.')}; "
            "check --teacher-url and that the server is running (lab serve starts one)"
        ) from None
    quick = TeacherSettings(settings.url, settings.model, workers=1, timeout=settings.timeout, max_attempts=2)
    client = TeacherClient(quick)
    question = ({"role": "user", "content": "Say hello in five words."},)
    start = time.perf_counter()
    answer = client.run([ChatRequest("check", question, max_tokens=32, temperature=0.0)])[0]
    latency = time.perf_counter() - start
    json_request = ChatRequest(
        "json",
        ({"role": "user", "content": 'Reply with {"ok": true} as JSON.'},),
        max_tokens=16,
        extra={"response_format": {"type": "json_object"}},
    )
    several = ChatRequest("n", question, max_tokens=8, n=2)
    return CheckReport(
        url=settings.url,
        models=models,
        model=answer.model,
        latency_seconds=round(latency, 3),
        answer=answer.texts[0],
        json_mode=_supports(client, json_request, lambda response: bool(response.texts[0].strip())),
        several_choices=_supports(client, several, lambda response: len(response.texts) == 2),
    )


def check_endpoint(
    url: str | None, model: str | None, timeout: float, say: Callable[[str], None] = lambda _: None
) -> CheckReport:
    """``lab teacher check``: one round trip to the teacher at ``url`` (asking for ``model``), or, with no URL,
    to the bundled default served locally for the duration of the check (``say`` is told so)."""
    if url is None:
        from lab_cli.serve.engines import choose
        from lab_cli.serve.launch import local_teacher

        say("no --teacher-url: starting the bundled default teacher locally…")
        with local_teacher(choose("auto", "default")) as settings:
            return check_teacher(TeacherSettings(settings.url, settings.model, timeout=timeout))
    if model is None:
        raise UsageError("--teacher-model is required with --teacher-url (see the server's /v1/models)")
    return check_teacher(TeacherSettings(url, model, timeout=timeout))
