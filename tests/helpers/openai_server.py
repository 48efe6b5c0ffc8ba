"""A real HTTP server on 127.0.0.1 that speaks enough of the OpenAI API, and fails on cue.

Each incoming chat request takes the next behaviour from a script (then ``ok`` forever):
``ok``, ``429`` (with ``Retry-After: 0``), ``500``, ``slow`` (answers after ``slow_seconds``), ``drop`` (closes
the connection without answering), ``401``. Answers are made by ``answer(request_json)``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def echo(body: dict[str, Any]) -> str:
    """Answer with the last user message, reversed (so tests see the request made it through)."""
    return "echo: " + body["messages"][-1]["content"]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a burst of concurrent clients must queue, not be refused (the default is 5)
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up (killed on purpose in tests) is not a server error


class FakeTeacher:
    """Start with ``with FakeTeacher(script=[...]) as server:``; ``server.url`` is the /v1 base URL."""

    def __init__(
        self, script: list[str] | None = None, answer: Callable[[dict[str, Any]], str] = echo, slow_seconds=2.0
    ):
        self.script = list(script or [])
        self.answer = answer
        self.slow_seconds = slow_seconds
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeTeacher:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> str:
        with self.lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self.script.pop(0) if self.script else "ok"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers speak

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "fake-teacher", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not body.get("messages"):
                    self._send(400, {"error": {"message": "messages are required", "type": "invalid_request"}})
                    return
                behaviour = fake._next(body, {key.lower(): value for key, value in self.headers.items()})
                if behaviour == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if behaviour == "slow":
                    time.sleep(fake.slow_seconds)
                if behaviour == "400":  # as transformers serve (FastAPI) refuses a prompt too long for the model
                    self._send(400, {"detail": "The prompt has 827 tokens, but the model takes at most 512"})
                    return
                if behaviour in ("429", "500", "401"):
                    error = {"error": {"message": f"scripted {behaviour}", "type": "scripted"}}
                    self._send(int(behaviour), error, {"Retry-After": "0"} if behaviour == "429" else None)
                    return
                choices = [
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": fake.answer(body)},
                        "finish_reason": "stop",
                    }
                    for i in range(body.get("n") or 1)
                ]
                self._send(
                    200,
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "fake-teacher"),
                        "choices": choices,
                        "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
                    },
                )

        return Handler
