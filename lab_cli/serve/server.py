"""``lab serve``: an engine's OpenAI chat server (``transformers serve`` or llama-cpp-python's, both FastAPI +
uvicorn) configured for lab — a local checkpoint, a GGUF file or the bundled default, loopback by default,
offline, CPU unless told otherwise — and supervised: the port is checked before anything loads, "serving …" is
printed once the server answers, the log level holds for uvicorn's lines too (both servers run uvicorn at INFO
whatever they are told), the checkpoint folder's (or GGUF file's) name is the model id, SIGINT and SIGTERM reach
it, lab waits for a clean exit, and the server dies with lab (``launch.spawn``).
"""

from __future__ import annotations

import errno
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lab_cli.errors import LabError, UsageError
from lab_cli.serve.engines import Served
from lab_cli.serve.launch import LOOPBACK, answers, spawn

LOG_LEVELS = ("debug", "info", "warning", "error")
_LEVEL_PREFIXES = {"debug": (), "info": (b"DEBUG:",), "warning": (b"DEBUG:", b"INFO:")}
"""Prefixes of uvicorn's lines that a log level hides (``error`` hides as much as ``warning`` among them)."""


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


def _forward_output(stream, log_level: str) -> None:
    """Copy the server's output to standard error, without the uvicorn lines below ``log_level``."""
    hidden = _LEVEL_PREFIXES.get(log_level, _LEVEL_PREFIXES["warning"])
    for line in iter(stream.readline, b""):
        if not (hidden and line.startswith(hidden)):
            sys.stderr.buffer.write(line)
            sys.stderr.buffer.flush()


@dataclass(frozen=True)
class ServeOptions:
    """How ``lab serve`` serves a checkpoint."""

    host: str = LOOPBACK
    port: int = 8000
    device: str = "cpu"
    log_level: str = "warning"


def run_server(
    served: Served,
    options: ServeOptions = ServeOptions(),
    say: Callable[[str], None] = print,
    warn: Callable[[str], None] = lambda _: None,
) -> int:
    """Serve in the foreground until SIGINT/SIGTERM; ``say`` the address once the server answers, ``warn`` what
    the user should fix. 0 after a clean shutdown; a server that stops on its own is a ``LabError`` (its output
    is above)."""
    model, model_id = served.model, served.model_id
    if served.engine == "transformers" and not samples_by_default(model):
        warn(
            f"warning: {model}/generation_config.json has no do_sample: true, so requests' temperature is "
            "ignored and answers are greedy; set it for varied synthetic data"
        )
    command = served.command(options.host, options.port, options.log_level, options.device)
    child = spawn(command, subprocess.PIPE, served.folder)
    copier = threading.Thread(target=_forward_output, args=(child.stdout, options.log_level), daemon=True)
    copier.start()
    stopping = []

    def forward(signum: int, frame: object) -> None:
        stopping.append(signum)
        child.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully on SIGTERM; SIGINT makes typer "abort"

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        reach = LOOPBACK if options.host in ("0.0.0.0", "::", "") else options.host
        while child.poll() is None and answers(f"http://{reach}:{options.port}/v1") is None:
            time.sleep(0.2)
        if child.poll() is None:
            say(
                f"serving {model} as model {model_id!r} at http://{options.host}:{options.port}/v1 with "
                f"{served.engine} (Ctrl-C to stop)"
            )
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        copier.join(timeout=5)
    if stopping or code == 0:
        return 0
    raise LabError(f"the server stopped with exit code {code}; its output is above")
