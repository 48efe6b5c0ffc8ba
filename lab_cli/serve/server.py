"""``lab serve``: the ecosystem's server (``transformers serve``: FastAPI + uvicorn, OpenAI chat API), configured
for lab — a local checkpoint or the bundled default, loopback by default, offline, CPU unless told otherwise —
and supervised: the port is checked before anything loads, "serving …" is printed once the server answers, the
log level holds for uvicorn's lines too (``transformers serve`` runs uvicorn at INFO whatever it is told), the
checkpoint folder's name is the model id, SIGINT and SIGTERM reach it, and lab waits for a clean exit.

``LocalTeacher`` starts the same server as a child process on a free loopback port for the duration of a
``with`` block, so the teacher client has one code path for local and remote teachers.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lab_cli.errors import LabError, TeacherError, UsageError
from lab_cli.teacher.client import TeacherSettings

LOOPBACK = "127.0.0.1"
LOG_LEVELS = ("debug", "info", "warning", "error")
_LEVEL_PREFIXES = {"debug": (), "info": (b"DEBUG:",), "warning": (b"DEBUG:", b"INFO:")}
"""Prefixes of uvicorn's lines that a log level hides (``error`` hides as much as ``warning`` among them)."""

# Without a fixed size, transformers sizes the paged KV cache to ~90 % of free memory — all of a laptop's RAM on a
# CPU (14 GB measured for the 135M default). 64 pages of 256 tokens hold 16k tokens of context, room for lab's
# default 8 concurrent requests; 512 tokens per batch bounds the attention masks (the default model then peaks at
# 1.8 GB, as fast as with 2048: benchmarks/local_teacher_batching.py).
BATCHING_FLAGS = ("--continuous-batching", "--cb-num-blocks", "64", "--cb-max-batch-tokens", "512")


def server_command(
    model: Path | str,
    host: str,
    port: int,
    device: str = "cpu",
    continuous_batching: bool = False,
    log_level: str = "warning",
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
        log_level,
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


def check_port(host: str, port: int) -> None:
    """Fail at once, in one line, when ``host:port`` cannot be listened on (before any model loads)."""
    if not 1 <= port <= 65535:
        raise UsageError(f"--port {port} is not a TCP port; give one from 1 to 65535")
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise UsageError(f"--host {host}: {exc.strerror}") from exc
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: only a listener is a clash
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"port {port} on {host} is already in use; stop what listens there or pick another with --port"
                ) from exc
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def served_as(model: Path) -> tuple[Path, str]:
    """The folder to run the server in and the model id clients name: the checkpoint folder's name (``c3``), or
    its absolute path when the name would read as a revision or a file (``@``, ``:``)."""
    absolute = model.resolve()
    if not absolute.name or any(mark in absolute.name for mark in "@:"):
        return absolute.parent, str(absolute)
    return absolute.parent, absolute.name


def _forward_output(stream, log_level: str) -> None:
    """Copy the server's output to standard error, without the uvicorn lines below ``log_level``."""
    hidden = _LEVEL_PREFIXES.get(log_level, _LEVEL_PREFIXES["warning"])
    for line in iter(stream.readline, b""):
        if not (hidden and line.startswith(hidden)):
            sys.stderr.buffer.write(line)
            sys.stderr.buffer.flush()


def _answers(url: str) -> str | None:
    """The id of the model the server at ``url`` serves, or None while it does not answer."""
    with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(f"{url}/models", timeout=2) as answer:
        models = json.load(answer).get("data", [])
        return models[0]["id"] if models else None
    return None


@dataclass(frozen=True)
class ServeOptions:
    """How ``lab serve`` serves a checkpoint."""

    host: str = LOOPBACK
    port: int = 8000
    device: str = "cpu"
    continuous_batching: bool = False
    log_level: str = "warning"


def run_server(model: Path, options: ServeOptions = ServeOptions(), say=print) -> int:
    """Serve in the foreground until SIGINT/SIGTERM; ``say`` the address once the server answers. 0 after a clean
    shutdown; a server that stops on its own is a ``LabError`` (its output is above)."""
    if not samples_by_default(model):
        print(
            f"warning: {model}/generation_config.json has no do_sample: true, so requests' temperature is "
            "ignored and answers are greedy; set it for varied synthetic data",
            file=sys.stderr,
        )
    folder, model_id = served_as(model)
    command = server_command(
        model_id, options.host, options.port, options.device, options.continuous_batching, options.log_level
    )
    child = subprocess.Popen(
        command, cwd=folder, env=server_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    copier = threading.Thread(target=_forward_output, args=(child.stdout, options.log_level), daemon=True)
    copier.start()
    stopping = []

    def forward(signum: int, frame: object) -> None:
        stopping.append(signum)
        child.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully on SIGTERM; SIGINT makes typer "abort"

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reach = LOOPBACK if options.host in ("0.0.0.0", "::", "") else options.host
        while child.poll() is None and _answers(f"http://{reach}:{options.port}/v1") is None:
            time.sleep(0.2)
        if child.poll() is None:
            say(f"serving {model} as model {model_id!r} at http://{options.host}:{options.port}/v1 (Ctrl-C to stop)")
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        copier.join(timeout=5)
    if stopping or code == 0:
        return 0
    raise LabError(f"the server stopped with exit code {code}; its output is above")


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
        if (model_id := _answers(url)) is not None:
            return model_id
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
