"""A ``lab generate`` process SIGKILLed midway: the rerun sends only what was not stored, and ends with the same
samples as a run that was never interrupted."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from lab_cli.datasets.snapshot import leaf_samples, read_manifest, snapshot_of
from lab_cli.gitrepo import GitRepo
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher
from tests.helpers.scripted_teacher import answer, slow_answer, stored_answers


def lab_generate(repo: Path, url: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "lab_cli", "generate", "--teacher-url", url, "--teacher-model", "fake-teacher"]
    options = ["--scale", "2", "--workers", "2", "--allow-local-documents", "--format", "json"]
    return subprocess.Popen([*command, *options], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def all_samples(repo: Path) -> dict[str, list[dict]]:
    git = GitRepo(repo)
    snapshot = snapshot_of(git, "HEAD")
    return {leaf: leaf_samples(git, snapshot, leaf) for leaf in read_manifest(git, snapshot).leaves}


def test_sigkill_midway_then_rerun_matches_an_uninterrupted_run(twenty_leaves: Repo, tmp_path: Path) -> None:
    for extra in sorted((twenty_leaves.top / "compositional_skills/writing").iterdir())[6:]:
        shutil.rmtree(extra)  # 10 leaves are enough here
    twenty_leaves.commit("fewer leaves")
    twin = tmp_path / "twin"
    shutil.copytree(twenty_leaves.top, twin)

    with FakeTeacher(answer=slow_answer) as server:
        child = lab_generate(twenty_leaves.top, server.url)
        deadline = time.monotonic() + 60
        while stored_answers(twenty_leaves.top) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        stored = stored_answers(twenty_leaves.top)
        killed_run = len(server.requests)
        rerun = lab_generate(twenty_leaves.top, server.url)
        out, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err.decode()
        resent = len(server.requests) - killed_run

    with FakeTeacher(answer=answer) as server:
        uninterrupted = lab_generate(twin, server.url)
        _, err = uninterrupted.communicate(timeout=120)
        assert uninterrupted.returncode == 0, err.decode()
        total = len(server.requests)

    assert 60 <= stored < total  # the kill came midway
    assert resent == total - stored  # every stored answer was reused, everything else asked exactly once
    report = json.loads(out)
    assert report["requests_sent"] == resent and report["snapshot"]
    assert all_samples(twenty_leaves.top) == all_samples(twin)


def test_sigterm_stops_cleanly_with_its_exit_code(twenty_leaves: Repo) -> None:
    with FakeTeacher(answer=slow_answer) as server:
        child = lab_generate(twenty_leaves.top, server.url)
        deadline = time.monotonic() + 60
        while stored_answers(twenty_leaves.top) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        child.terminate()
        _, err = child.communicate(timeout=60)
    assert child.returncode == 143 and "lab: error: terminated" in err.decode() and b"Traceback" not in err
