"""``lab serve`` starting up: a port in use or out of range is one line and exit 2 before anything loads; "serving"
is printed only once the server answers; the log level holds for uvicorn's lines; the folder name is the model id."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lab_cli.serve.launch import free_port
from tests.cli.test_validate_cli import run_lab

pytest.importorskip("torch", reason="the training extra (torch, transformers) is not installed")
pytest.importorskip("fastapi", reason="serving needs fastapi and uvicorn (the train extra)")


def test_a_port_in_use_is_one_line_before_the_model_loads(tiny_model: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        began = time.monotonic()
        completed = run_lab("serve", "--model", str(tiny_model), "--port", str(port))
    assert completed.returncode == 2 and time.monotonic() - began < 20
    assert completed.stderr.splitlines() == [
        f"lab: error: port {port} on 127.0.0.1 is already in use; stop what listens there or pick another with --port"
    ]


@pytest.mark.parametrize("port", ["99999", "0"])
def test_a_port_out_of_range_is_one_line(tiny_model: Path, port: str) -> None:
    completed = run_lab("serve", "--model", str(tiny_model), "--port", port)
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [f"lab: error: --port {port} is not a TCP port; give one from 1 to 65535"]


def chat(url: str, model: str) -> dict:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}).encode()
    request = urllib.request.Request(f"{url}/chat/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def serve(tiny_model: Path, *options: str) -> tuple[str, str]:
    """Start lab serve, wait for its "serving" line, check it answers at that moment and by the folder's name;
    stop it and return its standard error (and the line)."""
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "lab_cli", "serve", "--model", str(tiny_model), "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        line = child.stdout.readline().decode()  # blocks until lab says it is serving
        url = f"http://127.0.0.1:{port}/v1"
        with urllib.request.urlopen(f"{url}/models", timeout=5) as answer:  # no retry: it must answer now
            assert [model["id"] for model in json.load(answer)["data"]] == [tiny_model.name]
        assert chat(url, tiny_model.name)["usage"]["completion_tokens"] > 0
    finally:
        child.send_signal(signal.SIGINT)
        _, errors = child.communicate(timeout=60)
    assert child.returncode == 0, errors[-500:]
    return line, errors.decode(errors="replace")


def test_serving_is_said_once_it_answers_and_the_log_level_holds(tiny_model: Path) -> None:
    line, errors = serve(tiny_model)
    assert line.startswith(f"serving {tiny_model} as model {tiny_model.name!r} at http://127.0.0.1:")
    assert "INFO:" not in errors and "Traceback" not in errors
    _, verbose = serve(tiny_model, "--log-level", "info")
    assert "INFO:" in verbose
