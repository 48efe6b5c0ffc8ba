"""Starting and stopping a local model server as lab's child: the one launcher of both engines.

Every server is started through ``lab_cli.serve.die_with_parent``, so on Linux it gets SIGTERM when lab dies,
however lab dies (SIGKILL included); on other platforms lab stops it on every exit it lives through.
``local_teacher`` serves a model on a free loopback port for the duration of a ``with`` block: a port taken by
someone else between choosing and binding it is retried on another, and the server's log is deleted only when
the block ends cleanly — an error message that names the log leaves it there to read.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lab_cli.errors import TeacherError
from lab_cli.serve.engines import Served
from lab_cli.teacher.client import TeacherSettings

LOOPBACK = "127.0.0.1"
PORT_TRIES = 3


def server_environment() -> dict[str, str]:
    """Offline: a served checkpoint never reaches for a model hub."""
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


def spawn(
    command: list[str], output: int | IO[bytes], cwd: Path | None = None, new_session: bool = False
) -> subprocess.Popen:
    """Start ``command`` as a child that dies with this process (see ``die_with_parent``), offline."""
    guarded = [sys.executable, "-m", "lab_cli.serve.die_with_parent", str(os.getpid()), *command]
    return subprocess.Popen(
        guarded,
        cwd=cwd,
        env=server_environment(),
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=new_session,
    )


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


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def listened_on(port: int) -> bool:
    """Whether something accepts connections on ``127.0.0.1:port``."""
    with socket.socket() as probe:
        return probe.connect_ex((LOOPBACK, port)) == 0


def answers(url: str) -> str | None:
    """The id of the model the server at ``url`` serves, or None while it does not answer."""
    with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(f"{url}/models", timeout=2) as answer:
        models = json.load(answer).get("data", [])
        return models[0]["id"] if models else None
    return None


class PortTaken(TeacherError):
    """The server could not bind its port: someone else took it after it was chosen."""


def wait_until_ready(url: str, child: subprocess.Popen, log: Path, timeout: float) -> str:
    """Poll ``/models`` until the server answers; the id of the model it serves."""
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            if listened_on(port):
                raise PortTaken(f"port {port} was taken before the local teacher could bind it")
            tail = log.read_text(errors="replace")[-800:]
            raise TeacherError(
                f"the local teacher exited with code {child.returncode} before it was ready (log: {log}):\n{tail}"
            )
        if (model_id := answers(url)) is not None:
            return model_id
        time.sleep(0.5)
    raise TeacherError(f"the local teacher did not answer within {timeout:.0f} s (log: {log})")


def _start(served: Served, log: Path, ready_timeout: float) -> tuple[subprocess.Popen, str, str]:
    """Start the server on a free port (another one if that is taken meanwhile); the child, its URL, model id."""
    for attempt in range(1, PORT_TRIES + 1):
        port = free_port()
        url = f"http://{LOOPBACK}:{port}/v1"
        with open(log, "ab") as sink:
            child = spawn(served.command(LOOPBACK, port), sink, served.folder, new_session=True)
        try:
            return child, url, wait_until_ready(url, child, log, ready_timeout)
        except PortTaken:
            if attempt == PORT_TRIES:
                raise
        except BaseException:
            stop(child)
            raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def local_teacher(served: Served, ready_timeout: float = 300.0, workers: int = 4) -> Iterator[TeacherSettings]:
    """Serve ``served`` on a free loopback port for the duration of the block; settings that reach it."""
    with tempfile.NamedTemporaryFile(prefix=f"lab-teacher-{served.engine}-", suffix=".log", delete=False) as file:
        log = Path(file.name)
    child, url, model_id = _start(served, log, ready_timeout)
    try:
        yield TeacherSettings(url, model_id, workers, one_choice_per_request=served.one_choice_per_request)
    except TeacherError as exc:
        raise TeacherError(f"{exc} (the local teacher's log: {log})") from exc
    finally:
        stop(child)
    log.unlink(missing_ok=True)  # only after a clean block: every error above names the log
