"""How a leaf's pipeline asks the teacher: answers stored in the leaf's response log are reused, the rest
are sent (concurrently, within the run's shared bound) and stored the moment they arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from lab_cli.generate.responses import ResponseLog, request_digest
from lab_cli.teacher.client import ChatRequest, ChatResponse, TeacherSession


@dataclass
class LoggedAsker:
    """An ``Ask`` for one leaf; counts what it sent and what the log already knew."""

    session: TeacherSession
    log: ResponseLog
    on_answer: Callable[[int], None] = lambda count: None
    sent: int = 0
    reused: int = 0

    async def __call__(self, requests: list[ChatRequest]) -> list[list[str]]:
        """The texts answering each of ``requests``, in order."""
        digests = [request_digest(self.log.model, request) for request in requests]
        missing = {d: r for d, r in zip(digests, requests, strict=True) if d not in self.log.answers}
        self.reused += len(requests) - len(missing)
        self.on_answer(len(requests) - len(missing))
        if missing:
            record = self.log.recorder(list(missing.values()), list(missing))

            def arrived(response: ChatResponse) -> None:
                record(response)
                self.sent += 1
                self.on_answer(1)

            try:
                await self.session.answer(list(missing.values()), arrived)
            finally:
                # durable before any answer is used (and what arrived before a failure is kept); in a thread, so
                # other leaves' answers are handled while the disk syncs
                await asyncio.to_thread(self.log.sync)
        return [list(self.log.answers.get(digest) or [""]) for digest in digests]
