"""``lab serve``: the ecosystem's server (``transformers serve``: FastAPI + uvicorn, OpenAI chat API), configured
for lab — a local checkpoint or the bundled default, loopback by default, offline, CPU unless told otherwise —
and supervised: SIGINT and SIGTERM reach it, and lab waits for a clean exit.

``LocalTeacher`` starts the same server as a child process on a free loopback port for the duration of a
``with`` block, so the teacher client has one code path for local and remote teachers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from lab_cli.errors import TeacherError
from lab_cli.teacher.client import TeacherSettings

LOOPBACK = "127.0.0.1"

# Without a fixed size, transformers sizes the paged KV cache to ~90 % of free memory — all of a laptop's RAM on a
# CPU (14 GB measured for the 135M default). 64 pages of 256 tokens hold 16k tokens of context, room for lab's
# default 8 concurrent requests; 512 tokens per batch bounds the attention masks (the default model then peaks at
# 1.8 GB, as fast as with 2048: benchmarks/local_teacher_batching.py).
BATCHING_FLAGS = ("--continuous-batching", "--cb-num-blocks", "64", "--cb-max-batch-tokens", "512")


def server_command(
    model: Path, host: str, port: int, device: str = "cpu", continuous_batching: bool = False
) -> list[str]:
    """The command that serves ``model`` (``transformers serve``, run by this interpreter)."""
    return [
        sys.executable,
        "-m",
        "transformers.cli.transformers",
        "serve",
        str(model),
        "--host",
        host,
        "--port",
        str(port),
        "--device",
        device,
        "--log-level",
        "warning",
        *(BATCHING_FLAGS if continuous_batching else ()),
    ]


def server_environment() -> dict[str, str]:
    """Offline: a served checkpoint never reaches for a model hub."""
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


def samples_by_default(model: Path) -> bool:
    """Whether a checkpoint's generation config samples; if not, ``transformers serve`` ignores temperature."""
    config = model / "generation_config.json"
    try:
        return bool(json.loads(config.read_text(encoding="utf-8")).get("do_sample"))
    except (OSError, ValueError):
        return False


def run_server(
    model: Path, host: str = LOOPBACK, port: int = 8000, device: str = "cpu", continuous_batching: bool = False
) -> int:
    """Serve in the foreground until SIGINT/SIGTERM; the server's exit code (0 after a clean shutdown)."""
    if not samples_by_default(model):
        print(
            f"warning: {model}/generation_config.json has no do_sample: true, so requests' temperature is "
            "ignored and answers are greedy; set it for varied synthetic data",
            file=sys.stderr,
        )
    child = subprocess.Popen(server_command(model, host, port, device, continuous_batching), env=server_environment())

    def forward(signum: int, frame: object) -> None:
        child.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully on SIGTERM; SIGINT makes typer "abort"

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT, 130) else code


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_until_ready(url: str, child: subprocess.Popen, log: Path, timeout: float) -> str:
    """Poll ``/models`` until the server answers; the id of the model it serves."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            tail = log.read_text(errors="replace")[-800:]
            raise TeacherError(f"the local teacher exited with code {child.returncode} before it was ready:\n{tail}")
        with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(f"{url}/models", timeout=2) as answer:
            models = json.load(answer).get("data", [])
            if models:
                return models[0]["id"]
        time.sleep(0.5)
    raise TeacherError(f"the local teacher did not answer within {timeout:.0f} s (log: {log})")


@contextlib.contextmanager
def local_teacher(
    model: Path, ready_timeout: float = 300.0, workers: int = 4, continuous_batching: bool = False
) -> Iterator[TeacherSettings]:
    """Serve ``model`` on a free loopback port for the duration of the block; settings that reach it."""
    port = free_port()
    url = f"http://{LOOPBACK}:{port}/v1"
    with tempfile.NamedTemporaryFile(prefix="lab-teacher-", suffix=".log", delete=False) as log_file:
        log = Path(log_file.name)
    with open(log, "wb") as sink:
        child = subprocess.Popen(
            server_command(model, LOOPBACK, port, continuous_batching=continuous_batching),
            env=server_environment(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        model_id = wait_until_ready(url, child, log, ready_timeout)
        yield TeacherSettings(url=url, model=model_id, workers=workers)
    finally:
        stop(child)
        log.unlink(missing_ok=True)


def stop(child: subprocess.Popen, grace: float = 10.0) -> None:
    """Ask a server to stop (SIGTERM), then insist (SIGKILL) if it has not within ``grace`` seconds."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
