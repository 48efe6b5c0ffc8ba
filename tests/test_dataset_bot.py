"""The dataset bot (taxonomy-datasets.yml and the action's generate mode), run as GitHub would run it: each run
is a fresh clone of a local bare "origin", the action's generate-mode scripts run in order with the environment
the action gives them, against a scripted teacher on a loopback port; the Actions cache is a folder carried
from one run to the next at the path the action names."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from lab_cli.output.escape import markdown_code
from tests.conftest import REPO_ROOT
from tests.generate.conftest import freeform
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher
from tests.helpers.scripted_teacher import answer, slow_answer, stored_answers

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "taxonomy-datasets.yml"
API_KEY = "sk-test-do-not-print-4242"
LEAVES = [f"compositional_skills/writing/skill_{i}" for i in range(3)]
_CACHE_SAVE = threading.Lock()


def _action() -> dict:
    return yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))


def _generate_steps() -> list[dict]:
    return [step for step in _action()["runs"]["steps"] if step.get("if", "").find("inputs.mode == 'generate'") >= 0]


def _cache_path() -> str:
    [restore] = [step for step in _generate_steps() if step.get("uses", "").startswith("actions/cache/restore@")]
    return restore["with"]["path"]


@dataclass
class Origin:
    """A bare remote, a developer's clone that pushes to it, and the Actions cache between bot runs."""

    top: Path
    dev: Repo
    cache: Path
    runs: int = 0

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", str(self.top), *args], check=True, capture_output=True, text=True
        ).stdout

    def snapshots(self) -> list[str]:
        """Snapshot commits on the remote, oldest first."""
        if "refs/lab/datasets" not in self.git("for-each-ref", "--format=%(refname)"):
            return []
        return self.git("rev-list", "--reverse", "--first-parent", "refs/lab/datasets").split()

    def note(self, commit: str) -> str:
        return self.git("notes", "--ref", "refs/notes/lab", "show", commit).strip()

    def manifest(self, snapshot: str) -> dict:
        return json.loads(self.git("show", f"{snapshot}:manifest.json"))["leaves"]


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    top = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(top)], check=True)
    dev = Repo(tmp_path / "dev")
    dev.git("remote", "add", "origin", str(top))
    return Origin(top, dev, tmp_path / "actions-cache")


def push_commit(origin: Origin, changed: dict[str, int], message: str = "change") -> str:
    """Commit leaves (leaf → which freeform text) in the developer's clone and push main; the commit id."""
    for leaf, number in changed.items():
        origin.dev.leaf(leaf, freeform(number))
    commit = origin.dev.commit(message)
    origin.dev.git("push", "-q", "origin", "main")
    return commit


@dataclass
class BotRun:
    """One workflow run: its checkout, the scripts' outputs and exit codes, and the requests it sent."""

    checkout: Path
    codes: list[int] = field(default_factory=list)
    output: str = ""
    sent: int = 0

    @property
    def report(self) -> list[dict]:
        return json.loads((self.checkout / "lab-report" / "generate.json").read_text())

    @property
    def summary(self) -> str:
        return (self.checkout / "summary.md").read_text()


def _expand(text: str, values: dict[str, str]) -> str:
    """``${{ expression }}`` replaced by the test's value for it (an unknown expression fails the test)."""
    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda match: values[match.group(1)], text)


def _values(server: FakeTeacher, tmp: Path) -> dict[str, str]:
    return {
        "github.action_path": str(REPO_ROOT),
        "github.server_url": "https://github.com",
        "inputs.token": "",
        "inputs.remote": "origin",
        "inputs.teacher-url": server.url,
        "inputs.teacher-model": "fake-teacher",
        "inputs.teacher-api-key": API_KEY,
        "inputs.scale": "1",
        "inputs.workers": "4",
        "inputs.max-commits": "20",
        "inputs.all": "false",
        "inputs.time-limit-minutes": "5",
        "inputs.report-dir": "lab-report",
    }


def _environment(checkout: Path, shims: Path) -> dict[str, str]:
    shims.mkdir(exist_ok=True)
    lab = shims / "lab"
    lab.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lab_cli "$@"\n')
    lab.chmod(0o755)
    keep = {key: value for key, value in os.environ.items() if not key.startswith(("LAB_", "GITHUB_"))}
    return {
        **keep,
        "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO_ROOT),
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(checkout.parent / f"{checkout.name}-output"),
        "GITHUB_STEP_SUMMARY": str(checkout / "summary.md"),
        "LAB_CACHE_DIR": str(checkout.parent / "lab-cache"),
        "XDG_STATE_HOME": str(checkout.parent / "state"),
    }


def start_run(origin: Origin, server: FakeTeacher) -> tuple[BotRun, dict[str, str]]:
    """A fresh checkout (actions/checkout, fetch-depth 0) with the cache restored into it."""
    origin.runs += 1
    checkout = origin.top.parent / f"run-{origin.runs}"
    subprocess.run(["git", "clone", "-q", str(origin.top), str(checkout)], check=True)
    if origin.cache.is_dir():
        shutil.copytree(origin.cache, checkout / _cache_path())
    return BotRun(checkout), _environment(checkout, origin.top.parent / "shims")


def run_step(run: BotRun, step: dict, env: dict[str, str], server: FakeTeacher) -> subprocess.Popen:
    """Start one of the action's scripts as GitHub runs it (bash, the step's env expanded)."""
    values = _values(server, run.checkout)
    step_env = {key: _expand(str(value), values) for key, value in (step.get("env") or {}).items()}
    return subprocess.Popen(
        ["bash", "-e", "-c", step["run"]],
        cwd=run.checkout,
        env={**env, **step_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def finish_run(origin: Origin, run: BotRun, env: dict[str, str], server: FakeTeacher, steps: list[dict]) -> BotRun:
    """Run ``steps`` in order; after a failure only ``always()`` steps run. Then save the cache."""
    for step in steps:
        if run.codes and any(run.codes) and "always()" not in step["if"]:
            continue
        before = len(server.requests)
        process = run_step(run, step, env, server)
        out, _ = process.communicate(timeout=300)
        run.codes.append(process.returncode)
        run.output += out
        run.sent += len(server.requests) - before
    saved = run.checkout / _cache_path()
    with _CACHE_SAVE:
        shutil.rmtree(origin.cache, ignore_errors=True)
        if saved.is_dir():
            shutil.copytree(saved, origin.cache)
    return run


def bot(origin: Origin, server: FakeTeacher) -> BotRun:
    """One whole workflow run."""
    run, env = start_run(origin, server)
    return finish_run(origin, run, env, server, [step for step in _generate_steps() if "run" in step])


def test_two_pushes_two_snapshots_and_the_second_sends_only_the_changed_leaf(origin: Origin) -> None:
    first_commit = push_commit(origin, {leaf: i for i, leaf in enumerate(LEAVES)}, "three leaves")
    with FakeTeacher(answer=answer) as server:
        first = bot(origin, server)
        assert first.codes == [0, 0, 0], first.output
        second_commit = push_commit(origin, {LEAVES[1]: 101}, "change one leaf")
        second = bot(origin, server)
        assert second.codes == [0, 0, 0], second.output
        keys_sent = {header.get("authorization") for header in server.headers}

    snapshots = origin.snapshots()
    assert len(snapshots) == 2
    assert origin.note(first_commit) == f"lab-dataset: {snapshots[0]}"
    assert origin.note(second_commit) == f"lab-dataset: {snapshots[1]}"
    [report] = second.report
    assert [result["leaf"] for result in report["generated"]] == [LEAVES[1]]
    assert second.sent == report["requests_sent"] == 16 and first.sent == 3 * 16  # 16 requests per leaf
    before, after = origin.manifest(snapshots[0]), origin.manifest(snapshots[1])
    assert {leaf for leaf in LEAVES if before[leaf]["blob"] != after[leaf]["blob"]} == {LEAVES[1]}
    # the job summary, rendered by lab, leaf paths escaped for Markdown
    assert f"### lab dataset of `{second_commit[:12]}`" in second.summary
    assert f"| {markdown_code(LEAVES[1])} | 16 | 0 |" in second.summary
    assert "1 leaves generated, 2 reused" in second.summary
    # the key reached the teacher and nothing else: not the log, not the summary, not the pushed refs
    assert keys_sent == {f"Bearer {API_KEY}"}
    assert API_KEY not in first.output + second.output + first.summary + second.summary
    assert API_KEY not in origin.git("log", "-p", "--all")


def test_a_push_of_several_commits_gets_a_snapshot_for_each(origin: Origin) -> None:
    push_commit(origin, {leaf: i for i, leaf in enumerate(LEAVES)})
    with FakeTeacher(answer=answer) as server:
        bot(origin, server)
        origin.dev.leaf(LEAVES[0], freeform(100))
        middle = origin.dev.commit("first of two")
        head = push_commit(origin, {LEAVES[2]: 102}, "second of two")
        run = bot(origin, server)
    assert run.codes == [0, 0, 0], run.output
    snapshots = origin.snapshots()
    assert len(snapshots) == 3
    assert origin.note(middle) == f"lab-dataset: {snapshots[1]}" and origin.note(head) == f"lab-dataset: {snapshots[2]}"
    assert [[r["leaf"] for r in report["generated"]] for report in run.report] == [[LEAVES[0]], [LEAVES[2]]]
    first, second, third = (origin.manifest(snapshot) for snapshot in snapshots)
    assert second[LEAVES[0]] == third[LEAVES[0]] != first[LEAVES[0]]  # the middle commit's own dataset
    assert second[LEAVES[2]] == first[LEAVES[2]] != third[LEAVES[2]]


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def test_a_killed_run_leaves_the_remote_as_it_was_and_the_next_run_resumes(origin: Origin) -> None:
    commit = push_commit(origin, {f"compositional_skills/writing/skill_{i}": i for i in range(6)})
    pull, generate, *after = [step for step in _generate_steps() if "run" in step]
    with FakeTeacher(answer=slow_answer) as server:
        run, env = start_run(origin, server)
        finish_run(origin, run, env, server, [pull])
        process = run_step(run, generate, env, server)
        deadline = time.monotonic() + 120
        while stored_answers(run.checkout) < 30 and time.monotonic() < deadline:
            time.sleep(0.02)
        for pid in [process.pid, *_descendants(process.pid)]:  # the step, lab and all (timeout has its own group)
            os.kill(pid, signal.SIGKILL)
        process.wait()
        run.codes.append(process.returncode)
        killed = finish_run(origin, run, env, server, after)  # the always() steps: push, cache save
        assert origin.snapshots() == [] and "refs/notes/lab" not in origin.git("for-each-ref")
        stored = stored_answers(killed.checkout)
        rerun = bot(origin, server)
    assert rerun.codes == [0, 0, 0], rerun.output
    [report] = rerun.report
    reused = sum(result["requests_reused"] for result in report["generated"])
    assert 30 <= stored == reused and rerun.sent == report["requests_sent"] == 6 * 16 - stored
    [snapshot] = origin.snapshots()
    assert origin.note(commit) == f"lab-dataset: {snapshot}"


def test_two_runs_at_once_end_with_one_snapshot_per_commit(origin: Origin) -> None:
    commit = push_commit(origin, {leaf: i for i, leaf in enumerate(LEAVES)})
    with FakeTeacher(answer=answer) as server:
        started = [start_run(origin, server) for _ in range(2)]
        steps = [step for step in _generate_steps() if "run" in step]
        threads = [threading.Thread(target=finish_run, args=(origin, run, env, server, steps)) for run, env in started]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for run, _ in started:
        assert run.codes == [0, 0, 0], run.output
    [snapshot] = origin.snapshots()
    assert origin.note(commit) == f"lab-dataset: {snapshot}"


def _workflow() -> dict:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def test_the_bot_runs_one_at_a_time_from_the_default_branch_only() -> None:
    workflow = _workflow()
    assert set(workflow["on"]) == {"push", "workflow_dispatch"}, "never pull_request(_target): no untrusted code"
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert workflow["concurrency"] == {"group": "lab-datasets-${{ github.repository }}", "cancel-in-progress": False}
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write"}
    assert "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)" in job["if"]
    [checkout] = [step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["persist-credentials"] is False, "the token goes to the pull and push steps only"
    for other in (REPO_ROOT / ".github" / "workflows").glob("*.yml"):
        if other != WORKFLOW:
            assert "contents: write" not in other.read_text(encoding="utf-8"), other.name


def test_the_teacher_key_and_the_token_reach_only_their_steps() -> None:
    for step in _generate_steps():
        env = " ".join(str(value) for value in (step.get("env") or {}).values())
        name = step.get("id", step.get("name"))
        assert ("inputs.teacher-api-key" in env) == (name == "generate"), name
        assert ("inputs.token" in env) == (name in ("pull", "push")), name
        assert "${{" not in step.get("run", ""), f"{name}: values reach scripts through env, never spliced in"


def test_the_summary_escapes_what_the_repository_wrote() -> None:
    from lab_cli.generate.plan import LeafPlan, Plan
    from lab_cli.generate.run import GenerateReport, LeafResult
    from lab_cli.output.summary import generation_summary

    hostile = "compositional_skills/<img src=x onerror=alert(1)>"
    invalid = LeafPlan("knowledge/a|b", "knowledge/a|b/qna.yaml", "knowledge", "added", "invalid", problem="@team *x*")
    plan = Plan(
        "c" * 40, None, "teacher", [LeafPlan(hostile, f"{hostile}/qna.yaml", "freeform_skill", "added"), invalid]
    )
    result = LeafResult(hostile, "k" * 64, sent=3, drops={"@here [link](http://x)": 2})
    text = generation_summary(GenerateReport(plan, [result], None, "1 leaves are invalid"))
    assert "<img" not in text and "@here [" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
    assert "\\@here \\[link\\]\\(http\\://x\\) 2" in text and "\\@team \\*x\\*" in text and "a\\|b" in text
