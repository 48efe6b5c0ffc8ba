"""Every teacher response is stored before it is used: a run killed at any point resumes without resending.

Responses are appended to one JSONL file per generation key, keyed by the digest of the request (model,
messages, sampling settings, seed), each line flushed and fsynced as the answer arrives. A torn last line
from a crash is ignored on reading. Requests are built deterministically from the leaf and the seed, so a
rerun asks the same questions and finds their answers here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from lab_cli.datasets.keys import digest
from lab_cli.teacher.client import ChatRequest, ChatResponse


def request_digest(model: str, request: ChatRequest) -> str:
    """What identifies a request: the same digest means the same question to the same teacher."""
    return digest(
        {
            "model": model,
            "messages": request.messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "n": request.n,
            "seed": request.seed,
            "extra": request.extra,
        }
    )


class ResponseLog:
    """The stored responses of one generation key."""

    def __init__(self, path: Path, model: str) -> None:
        self.path = path
        self.model = model
        self.answers: dict[str, list[str]] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line torn by a crash: that request is simply asked again
                self.answers[record["request"]] = record["texts"]

    def cached(self, request: ChatRequest) -> list[str] | None:
        """The stored texts for ``request``, if it was answered before."""
        return self.answers.get(request_digest(self.model, request))

    def recorder(self, requests: list[ChatRequest]) -> Callable[[ChatResponse], None]:
        """A callback for ``TeacherClient.run`` that stores each response the moment it arrives."""
        by_id = {request.id: request for request in requests}

        def record(response: ChatResponse) -> None:
            key = request_digest(self.model, by_id[response.id])
            self.answers[key] = list(response.texts)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as stream:
                stream.write(json.dumps({"request": key, "texts": list(response.texts)}) + "\n")
                stream.flush()
                os.fsync(stream.fileno())

        return record
