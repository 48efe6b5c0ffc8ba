"""lab's launcher of local model servers (both engines): the server dies with lab even when lab is SIGKILLed, a
port taken between choosing and binding it is retried, the log an error names is still there, and a clean
block stops the server and removes its log. A stand-in server keeps these fast; the launcher is lab's own."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lab_cli.errors import TeacherError
from lab_cli.serve import launch
from lab_cli.serve.launch import local_teacher
from tests.helpers.stand_in_server import REPO_ROOT, stand_in

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux only")

PARENT = """
import sys, time
from lab_cli.serve.launch import local_teacher
from tests.helpers.stand_in_server import stand_in
with local_teacher(stand_in()) as settings:
    print(settings.url, flush=True)
    time.sleep(600)
"""


def server_pid(url: str) -> int:
    """The stand-in's pid, as it reports it."""
    with urllib.request.urlopen(f"{url}/models", timeout=5) as answer:
        return int(json.load(answer)["data"][0]["owned_by"])


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie waiting for its reaper is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_the_server_dies_with_lab_when_lab_is_sigkilled() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = parent.stdout.readline().strip()
        pid = server_pid(url)
        assert alive(pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert gone_within(pid, 5), f"the server (pid {pid}) outlived its SIGKILLed parent"
    finally:
        parent.kill()
        with_pid = locals().get("pid")
        if with_pid and alive(with_pid):
            os.kill(with_pid, signal.SIGKILL)


def test_a_clean_block_stops_the_server_and_removes_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(launch.tempfile, "tempdir", None)
    with local_teacher(stand_in()) as settings:
        pid = server_pid(settings.url)
        assert [path.name.startswith("lab-teacher-") for path in tmp_path.iterdir()] == [True]
    assert gone_within(pid, 5) and list(tmp_path.iterdir()) == []


def test_a_port_taken_after_it_was_chosen_is_retried_on_another(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports = iter([port])
        real = launch.free_port
        monkeypatch.setattr(launch, "free_port", lambda: next(ports, None) or real())
        with local_teacher(stand_in()) as settings:
            assert f":{port}/" not in settings.url and server_pid(settings.url) > 0


def test_the_log_an_error_names_is_still_there() -> None:
    with pytest.raises(TeacherError) as raised, local_teacher(stand_in(fail=True)):
        pass
    message = str(raised.value)
    assert "exited with code 3 before it was ready" in message
    log = Path(message.split("(log: ", 1)[1].split(")", 1)[0])
    try:
        assert "failing before it is ready, as asked" in log.read_text()
    finally:
        log.unlink(missing_ok=True)
