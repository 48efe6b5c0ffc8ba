"""Every teacher response is stored before it is used: a run killed at any point resumes without resending.

Responses are appended to one JSONL file per generation key, keyed by the digest of the request (model,
messages, sampling settings, seed). Each line is written to the operating system the moment its answer
arrives (so a killed process loses nothing), and the file is fsynced before any answer of a batch is used
(so even a machine crash loses no answer that shaped a sample). A torn last line is ignored on reading.
Requests are built deterministically from the leaf and the seed, so a
rerun asks the same questions and finds their answers here. Each line is one write to a file opened for
appending, so two runs on one key at once add whole lines side by side.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

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
        self._stream: BinaryIO | None = None
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line torn by a crash: that request is simply asked again
                self.answers[record["request"]] = record["texts"]

    def recorder(self, requests: list[ChatRequest], digests: list[str] | None = None) -> Callable[[ChatResponse], None]:
        """A callback for ``TeacherClient.run`` that writes each response the moment it arrives (``digests``:
        the requests' digests, when the caller has them already)."""
        keys = digests or [request_digest(self.model, request) for request in requests]
        by_id = {request.id: key for request, key in zip(requests, keys, strict=True)}

        def record(response: ChatResponse) -> None:
            key = by_id[response.id]
            self.answers[key] = list(response.texts)
            if self._stream is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._stream = open(self.path, "ab", buffering=0)  # noqa: SIM115 (kept open across answers)
            # one unbuffered write of the whole line to an O_APPEND file: two runs on one key never interleave
            self._stream.write((json.dumps({"request": key, "texts": list(response.texts)}) + "\n").encode())

        return record

    def sync(self) -> None:
        """Make every recorded answer durable (fsync); call before using them."""
        if self._stream is not None:
            os.fsync(self._stream.fileno())

    def close(self) -> None:
        """Sync and close the log file."""
        if self._stream is not None:
            self.sync()
            self._stream.close()
            self._stream = None
