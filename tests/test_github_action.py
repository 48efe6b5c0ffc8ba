"""The composite action's script, run as GitHub would run it, on a real repository with a pull request branch."""

from __future__ import annotations

import json
import os
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
