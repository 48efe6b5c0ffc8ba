"""A client for any OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, hosted APIs).

Requests run concurrently up to ``workers``; 429s, 5xx, timeouts and dropped connections are retried with
exponential backoff and full jitter, honouring ``Retry-After``; every request either gets an answer or the run
stops with a ``TeacherError`` — when one request exhausts its attempts, when the whole run has failed more
often than its failure budget, or at once on errors retrying cannot fix (bad key, unknown model). The API key
is read from the environment and handed to the HTTP client only: it is never logged, stored or echoed.

Example::

    client = TeacherClient(TeacherSettings(url="http://127.0.0.1:8000/v1", model="smollm2"))
    answers = client.run([ChatRequest("q1", ({"role": "user", "content": "Hi"},))], on_response=store)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lab_cli.errors import TeacherError

API_KEY_VARIABLES = ("LAB_TEACHER_API_KEY", "OPENAI_API_KEY")
"""Where the API key comes from, in order; local servers need none."""

_RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class TeacherSettings:
    """Where the teacher is and how hard to try. Holds no secret: the key stays in the environment."""

    url: str
    model: str
    workers: int = 8
    timeout: float = 120.0
    max_attempts: int = 6
    failure_budget: int = 50
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    one_choice_per_request: bool = False  # the server ignores n (llama-cpp-python): ask n times, seeds seed+i


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion to ask for; ``id`` names it in the store and in errors."""

    id: str
    messages: tuple[dict[str, str], ...]
    temperature: float = 0.7
    max_tokens: int = 512
    n: int = 1
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChatResponse:
    """The teacher's answer to one request: its texts, the model that answered, token usage, attempts made."""

    id: str
    texts: tuple[str, ...]
    model: str
    usage: dict[str, int]
    attempts: int


def api_key() -> str:
    """The API key from the environment, or a placeholder that local servers accept."""
    for variable in API_KEY_VARIABLES:
        value = os.environ.get(variable)
        if value:
            return value
    return "not-needed"


class _Budget:
    """Counts failed attempts across the run and stops it once there have been too many."""

    def __init__(self, limit: int) -> None:
        self.limit, self.failures, self.last = limit, 0, ""

    def spend(self, reason: str) -> None:
        self.failures += 1
        self.last = reason
        if self.failures > self.limit:
            raise TeacherError(
                f"the teacher failed {self.failures} times in this run (budget {self.limit}); last error: {reason}. "
                "Check that the server is up and not overloaded, or lower --workers"
            )


class TeacherClient:
    """Runs chat requests against one endpoint and model."""

    def __init__(self, settings: TeacherSettings) -> None:
        self.settings = settings

    def run(
        self, requests: Sequence[ChatRequest], on_response: Callable[[ChatResponse], None] | None = None
    ) -> list[ChatResponse]:
        """Answers for all ``requests`` in their order; ``on_response`` sees each as soon as it arrives."""

        async def answer_all() -> list[ChatResponse]:
            async with self.session() as session:
                return await session.answer(list(requests), on_response)

        return asyncio.run(answer_all())

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[TeacherSession]:
        """One connection pool, failure budget and concurrency bound, shared by every caller inside it."""
        import openai  # ~1 s to import: only commands that talk to a teacher pay for it

        client = openai.AsyncOpenAI(
            base_url=self.settings.url, api_key=api_key(), max_retries=0, timeout=self.settings.timeout
        )
        try:
            yield TeacherSession(self, client)
        finally:
            await client.close()

    async def attempt(self, client: Any, request: ChatRequest, budget: _Budget) -> ChatResponse:
        import openai

        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                completion = await client.chat.completions.create(
                    model=self.settings.model,
                    messages=list(request.messages),
                    temperature=request.temperature,
                    max_tokens=request.max_tokens,
                    n=request.n,
                    seed=request.seed,
                    **request.extra,
                )
                return _response(request, completion, attempt)
            except openai.APIStatusError as error:
                if error.status_code not in _RETRYABLE_STATUS:
                    raise TeacherError(_fatal_message(error, self.settings)) from None
                reason, wait = f"HTTP {error.status_code}", _retry_after(error.response)
            except openai.APITimeoutError:
                reason, wait = f"no answer within {self.settings.timeout:g} s", None
            except openai.APIConnectionError as error:
                reason, wait = f"connection failed ({type(error.__cause__).__name__ or 'closed'})", None
            budget.spend(f"request {request.id}: {reason}")
            if attempt == self.settings.max_attempts:
                raise TeacherError(
                    f"request {request.id} failed {attempt} times (last: {reason}); the teacher at "
                    f"{self.settings.url} is not answering reliably"
                )
            await asyncio.sleep(wait if wait is not None else self._backoff(attempt))
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)


class TeacherSession:
    """Requests answered concurrently within one bound: many callers (leaves) may ``answer`` at once."""

    def __init__(self, owner: TeacherClient, client: Any) -> None:
        self.owner = owner
        self.client = client
        self.budget = _Budget(owner.settings.failure_budget)
        self.limit = asyncio.Semaphore(max(1, owner.settings.workers))

    async def answer(
        self, requests: list[ChatRequest], on_response: Callable[[ChatResponse], None] | None = None
    ) -> list[ChatResponse]:
        """Answers for ``requests`` in their order; ``on_response`` sees each as soon as it arrives."""

        async def one(request: ChatRequest) -> ChatResponse:
            async with self.limit:
                response = await self.ask(request)
            if on_response is not None:
                on_response(response)
            return response

        tasks = [asyncio.ensure_future(one(request)) for request in requests]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def ask(self, request: ChatRequest) -> ChatResponse:
        """One request's answer; ``n`` choices as ``n`` requests of one (seeds ``seed + i``) where the server
        answers only one."""
        if request.n == 1 or not self.owner.settings.one_choice_per_request:
            return await self.owner.attempt(self.client, request, self.budget)
        parts = []
        for index in range(request.n):
            seed = None if request.seed is None else request.seed + index
            single = replace(request, id=f"{request.id}#{index}", n=1, seed=seed)
            parts.append(await self.owner.attempt(self.client, single, self.budget))
        usage = {key: sum(part.usage.get(key, 0) for part in parts) for key in parts[0].usage}
        texts = tuple(text for part in parts for text in part.texts)
        return ChatResponse(request.id, texts, parts[0].model, usage, max(part.attempts for part in parts))


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return min(float(value), 300.0) if value is not None else None
    except ValueError:
        return None


def _fatal_message(error: Any, settings: TeacherSettings) -> str:
    status = error.status_code
    if status in (401, 403):
        names = " or ".join(f"${name}" for name in API_KEY_VARIABLES)
        return f"the teacher at {settings.url} refused the API key (HTTP {status}); set {names}"
    if status == 404:
        return f"the teacher at {settings.url} has no model {settings.model!r} or no chat endpoint (HTTP 404)"
    return f"the teacher at {settings.url} rejected a request (HTTP {status}): {_server_says(error)[:300]}"


def _server_says(error: Any) -> str:
    """The reason an OpenAI-compatible server gave in its error body (``detail`` or ``error.message``), else the
    client's own message ("Error code: 400" says nothing)."""
    body = error.body if isinstance(getattr(error, "body", None), dict) else {}
    nested = body.get("error")
    reason = (
        body.get("detail") or body.get("message") or (nested.get("message") if isinstance(nested, dict) else nested)
    )
    return str(reason) if reason else str(error.message)


def _response(request: ChatRequest, completion: Any, attempts: int) -> ChatResponse:
    texts = tuple((choice.message.content or "") for choice in completion.choices)
    usage = completion.usage.model_dump() if completion.usage is not None else {}
    usage = {key: value for key, value in usage.items() if isinstance(value, int)}
    return ChatResponse(request.id, texts, completion.model or "", usage, attempts)
