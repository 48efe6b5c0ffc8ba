"""The composite action's script, run as GitHub would run it, on a real repository with a pull request branch; and
the required check (taxonomy-pr-check.yml): its properties from the parsed workflow, and its steps run on a
hostile pull request fetched from a real origin."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO_ROOT
from tests.helpers.gitrepos import Repo
from tests.helpers.leaves import skill_text


def _diff_step() -> str:
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    [step] = [step for step in action["runs"]["steps"] if step.get("id") == "diff"]
    return step["run"]


def test_action_writes_annotations_json_and_comment(repo: Repo, tmp_path: Path) -> None:
    repo.leaf("compositional_skills/writing/good", skill_text())
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "pr")
    repo.leaf("compositional_skills/writing/bad", skill_text(examples=2))
    repo.commit("pull request")
    output = tmp_path / "github-output"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "BASE_INPUT": "main",
        "BASE_REF": "",
        "STRICT": "false",
        "REPORT_DIR": "lab-report",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_ACTIONS": "true",
    }
    completed = subprocess.run(["bash", "-c", _diff_step()], cwd=repo.top, env=env, capture_output=True, text=True)
    assert completed.returncode == 1
    assert "::error file=compositional_skills/writing/bad/qna.yaml,line=5,col=3" in completed.stdout
    assert output.read_text() == "exit-code=1\n"
    report = json.loads((repo.top / "lab-report/diff.json").read_text())
    assert [c["leaf"] for c in report["changes"]] == ["compositional_skills/writing/bad"]
    comment = (repo.top / "lab-report/comment.md").read_text()
    assert comment.startswith("<!-- lab-diff-report -->") and "| added | freeform_skill | 1 | 0 |" in comment


WORKFLOWS = REPO_ROOT / ".github" / "workflows"
TRUSTED = WORKFLOWS / "taxonomy-pr-check.yml"
# git commands that would write the pull request's files into the work tree (or run its hooks and filters)
WORK_TREE_GIT = re.compile(
    r"\bgit\b[^\n|;&]*\s(checkout|switch|worktree|restore|reset|merge|pull|rebase|cherry-pick|am|apply|"
    r"stash|read-tree|checkout-index|clone|submodule)(?![\w-])"
)


def _workflow(path: Path = TRUSTED) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def _steps(workflow: dict):
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, job, step


def _step(step_id: str) -> dict:
    [step] = [step for _, _, step in _steps(_workflow()) if step.get("id") == step_id]
    return step


def test_the_required_check_runs_from_the_base_on_every_pull_request() -> None:
    trigger = _workflow()["on"]
    assert set(trigger) == {"pull_request_target"}, "pull_request would run the workflow as the PR changed it"
    assert not set(trigger["pull_request_target"]) & {"paths", "paths-ignore", "branches-ignore"}, (
        "a required check skipped by a filter never reports"
    )


def test_no_step_checks_out_or_runs_the_pull_request() -> None:
    for job, _, step in _steps(_workflow()):
        uses, run = step.get("uses", ""), step.get("run", "")
        assert not uses.startswith("."), f"{job}: a local action is whatever the work tree holds"
        assert not uses or re.fullmatch(r"[\w.-]+/[\w.-]+@[\w.-]+", uses), f"{job}: {uses} is not a pinned action"
        if uses.startswith("actions/checkout@"):
            options = step.get("with") or {}
            assert set(options) <= {"fetch-depth", "persist-credentials", "sparse-checkout"}, (
                f"{job}: checkout takes no ref or repository, so it is the base"
            )
            assert options["persist-credentials"] is False
        assert not WORK_TREE_GIT.search(run), f"{job}: {run}"
        assert "${{" not in run, f"{job}: values reach scripts through env, never spliced into their text"
    [lab] = [step for _, _, step in _steps(_workflow()) if "lab diff" in step.get("run", "")]
    calls = [line for line in lab["run"].splitlines() if line.strip().startswith("lab diff")]
    assert calls and all('--pr --base "$BASE" --head "$HEAD_SHA"' in line for line in calls), "commit mode only"


def test_only_the_report_job_can_write_and_it_reads_nothing_of_the_pull_request() -> None:
    workflow = _workflow()
    assert workflow["permissions"] == {}, "jobs get what they name, nothing by default"
    assert "secrets." not in TRUSTED.read_text(encoding="utf-8")
    for name, job in workflow["jobs"].items():
        granted = job["permissions"]
        writes = {scope for scope, level in granted.items() if level == "write"}
        assert set(granted.values()) <= {"read", "write", "none"}
        scripts = " ".join(step.get("run", "") for step in job["steps"])
        if re.search(r"\blab diff|\bgit fetch|\bpip install", scripts):
            assert writes == set(), f"{name} reads the pull request: read-only"
        elif writes:
            assert writes <= {"pull-requests", "statuses"} and name == "report"
            [checkout] = [step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout@")]
            assert checkout["with"]["sparse-checkout"] == ".github/scripts"


def _run_step(step: dict, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A step's script as GitHub runs it (bash -e -o pipefail), with the step's env filled in by the test."""
    shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
    return subprocess.run(shell, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)


def test_the_check_reads_a_hostile_pull_request_as_objects_with_the_base_settings(tmp_path: Path) -> None:
    base = Repo(tmp_path / "author")
    base.leaf("compositional_skills/writing/good", skill_text())
    base_sha = base.commit("base")
    base.git("checkout", "-q", "-b", "pr")
    base.leaf("compositional_skills/writing/bad", skill_text(examples=2))
    (base.top / ".lab.toml").write_text('[documents]\nallowed_hosts = ["evil.example.com"]\n')
    (base.top / ".github/workflows").mkdir(parents=True)
    (base.top / ".github/workflows/taxonomy-pr-check.yml").write_text("on: pull_request_target\njobs: {}\n")
    (base.top / "planted.sh").write_text("echo ran > /tmp/should-never-exist\n")
    head_sha = base.commit("a pull request that brings its own settings and workflow")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(base.top), str(origin)], check=True)
    subprocess.run(["git", "-C", str(origin), "update-ref", "refs/pull/7/head", head_sha], check=True)
    subprocess.run(["git", "-C", str(origin), "update-ref", "-d", "refs/heads/pr"], check=True)
    workspace = tmp_path / "workspace"  # what actions/checkout leaves: the base, full history
    subprocess.run(["git", "clone", "-q", "--branch", "main", str(origin), str(workspace)], check=True)
    output = tmp_path / "github-output"
    output.write_text("")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_ACTIONS": "true",
        "PR_NUMBER": "7",
        "HEAD_SHA": head_sha,
        "BASE_SHA": base_sha,
        "SERVER": "https://github.com",
        "TOKEN": "read-only-token-value",
    }
    fetched = _run_step(_step("fetch"), workspace, env)
    assert fetched.returncode == 0, fetched.stderr
    assert output.read_text() == f"base={base_sha}\n"
    judged = _run_step(_step("lab"), workspace, {**env, "BASE": base_sha})
    assert judged.returncode == 0, judged.stderr
    assert output.read_text().endswith("exit-code=1\n")
    assert "::error file=compositional_skills/writing/bad/qna.yaml" in judged.stdout
    report = json.loads((workspace / "lab-report/diff.json").read_text())
    assert report["head"] == head_sha and [c["leaf"] for c in report["changes"]] == ["compositional_skills/writing/bad"]
    warned = {f["path"]: [w["rule"] for w in f["warnings"]] for f in report["validation"]["files"]}
    assert warned[".lab.toml"] == ["settings-changed"]
    comment = (workspace / "lab-report/comment.md").read_text()
    assert comment.startswith("<!-- lab-diff-report -->")
    # the work tree is the base, untouched: the pull request's files were never written, its token never kept
    assert (
        subprocess.run(["git", "rev-parse", "HEAD"], cwd=workspace, capture_output=True, text=True).stdout.strip()
        == base_sha
    )
    status = subprocess.run(["git", "status", "--porcelain"], cwd=workspace, capture_output=True, text=True).stdout
    assert status == "?? lab-report/\n"
    assert not (workspace / "planted.sh").exists() and not (workspace / ".lab.toml").exists()
    kept = (workspace / ".git/config").read_text()
    assert "extraheader" not in kept and base64.b64encode(b"x-access-token:read-only-token-value").decode() not in kept


def test_the_verdict_is_a_commit_status_on_the_head_that_was_judged(tmp_path: Path) -> None:
    from tests.test_comment_script import STUB

    (tmp_path / "gh").write_text(STUB.format(python=sys.executable))
    (tmp_path / "gh").chmod(0o755)
    (tmp_path / "answers.json").write_text("{}")
    env = {
        "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
        "GH_LOG": str(tmp_path / "gh.log"),
        "GH_ANSWERS": str(tmp_path / "answers.json"),
        "REPOSITORY": "owner/taxonomy",
        "HEAD_SHA": "c" * 40,
        "RUN_URL": "https://github.com/owner/taxonomy/actions/runs/1",
    }
    assert _step("status")["env"]["HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}", "the head, not the base"
    states = []
    for code in ("1", "0"):
        (tmp_path / "gh.log").write_text("")
        assert _run_step(_step("status"), tmp_path, {**env, "EXIT_CODE": code}).returncode == 0
        [call] = [json.loads(line) for line in (tmp_path / "gh.log").read_text().splitlines()]
        assert call["args"][:4] == ["api", "--method", "POST", "repos/owner/taxonomy/statuses/" + "c" * 40]
        assert "context=lab/taxonomy" in call["args"]
        states += [arg for arg in call["args"] if arg.startswith("state=")]
    assert states == ["state=failure", "state=success"]
