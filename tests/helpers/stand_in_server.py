"""A stand-in for a model server, started by lab's real launcher in tests that must not wait for a model.

    python -m tests.helpers.stand_in_server HOST PORT [--fail]

Answers ``GET /v1/models`` with one model whose ``owned_by`` is its pid (so a test can find the process), exits 0
on SIGTERM, and exits 3 at once with ``--fail`` (a server that breaks before it is ready) or when the port is
taken, as uvicorn does. ``StandIn`` is a ``Served`` whose command runs it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from lab_cli.serve.engines import Served

REPO_ROOT = Path(__file__).resolve().parents[2]


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": "stand-in", "owned_by": str(os.getpid())}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class StandIn(Served):
    """A ``Served`` that runs the stand-in instead of a model server."""

    fail: bool = False

    @property
    def folder(self) -> Path:
        return REPO_ROOT

    def command(self, host: str, port: int, log_level: str = "warning", device: str = "cpu") -> list[str]:
        return [sys.executable, "-m", "tests.helpers.stand_in_server", host, str(port), *(["--fail"] * self.fail)]


def stand_in(fail: bool = False) -> StandIn:
    """The stand-in as lab's launcher takes it."""
    return StandIn("stand-in", REPO_ROOT, "stand-in", "stand-in", fail=fail)


def main(argv: list[str]) -> int:
    if "--fail" in argv:
        print("stand-in: failing before it is ready, as asked", flush=True)
        return 3
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server = HTTPServer((argv[0], int(argv[1])), _Models)
    except OSError as exc:
        print(f"stand-in: {exc}", flush=True)
        return 3
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
