"""The comment workflow's script, run as the workflow runs it, with a stub ``gh`` that records every call and a
report artifact forged by the pull request's own run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / ".github" / "scripts" / "post_lab_comment.py"
HEAD = "a" * 40
MARKER = "<!-- lab-diff-report -->"
STUB = """#!{python}
import json, os, sys
args = sys.argv[1:]
body = sys.stdin.read() if "--input" in args else None
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps({{"args": args, "body": body}}) + "\\n")
answers = json.load(open(os.environ["GH_ANSWERS"]))
endpoint = next((a for a in args if a.startswith("repos/")), "")
for key, lines in answers.items():
    if endpoint.startswith(key) and lines:
        print("\\n".join(json.dumps(line) for line in lines))
"""


def _run(
    tmp_path: Path, event: list, answers: dict, comment: str | Path = MARKER + "\n| added |\n"
) -> tuple[int, list]:
    """The script as the workflow runs it (``comment``: the report's text, or a file it is a link to)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(STUB.format(python=sys.executable))
    (bin_dir / "gh").chmod(0o755)
    report = tmp_path / "lab-report"
    report.mkdir(exist_ok=True)
    (report / "comment.md").unlink(missing_ok=True)
    if isinstance(comment, Path):
        (report / "comment.md").symlink_to(comment)
    else:
        (report / "comment.md").write_text(comment)
    (report / "pr-number").write_text("999\n")  # forged: the pull request's run may write anything here
    (tmp_path / "answers.json").write_text(json.dumps(answers))
    log = tmp_path / "gh.log"
    log.write_text("")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GH_LOG": str(log),
        "GH_ANSWERS": str(tmp_path / "answers.json"),
        "REPOSITORY": "owner/taxonomy",
        "HEAD_SHA": HEAD,
        "PULL_REQUESTS": json.dumps(event),
    }
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "lab-report/comment.md"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert "Traceback" not in done.stdout + done.stderr
    return done.returncode, [json.loads(line) for line in log.read_text().splitlines()]


def _writes(calls: list) -> list[str]:
    return [next(a for a in c["args"] if a.startswith("repos/")) for c in calls if "--method" in c["args"]]


def test_the_comment_goes_to_the_pull_request_the_event_names_not_the_artifact(tmp_path: Path) -> None:
    code, calls = _run(tmp_path, [{"number": 7, "head": {"sha": HEAD}}], {})
    assert code == 0
    assert _writes(calls) == ["repos/owner/taxonomy/issues/7/comments"]
    assert not any("999" in " ".join(c["args"]) for c in calls)  # the forged number reaches no call
    assert json.loads(calls[-1]["body"])["body"].startswith(MARKER)


def test_an_event_pull_request_with_another_head_gets_nothing(tmp_path: Path) -> None:
    # the event's list names PR 8, but at another head: the run did not check PR 8's current commit
    code, calls = _run(tmp_path, [{"number": 8, "head": {"sha": "b" * 40}}], {"repos/owner/taxonomy/pulls": []})
    assert code == 0 and _writes(calls) == []


def test_a_fork_pull_request_is_found_by_its_head_commit_and_only_one_may_match(tmp_path: Path) -> None:
    pulls = {"repos/owner/taxonomy/pulls": [[5, HEAD], [6, "c" * 40]]}
    code, calls = _run(tmp_path, [], pulls)  # GitHub leaves the event's list empty for forks
    assert code == 0 and _writes(calls) == ["repos/owner/taxonomy/issues/5/comments"]
    code, calls = _run(tmp_path, [], {"repos/owner/taxonomy/pulls": [[5, HEAD], [9, HEAD]]})
    assert code == 0 and _writes(calls) == []  # two pull requests at one commit: which one is unknown


def test_only_the_bots_own_report_is_updated(tmp_path: Path) -> None:
    comments = {"repos/owner/taxonomy/issues/7/comments": [[11, "mallory", True], [12, "github-actions[bot]", True]]}
    code, calls = _run(tmp_path, [{"number": 7, "head": {"sha": HEAD}}], comments)
    assert code == 0 and _writes(calls) == ["repos/owner/taxonomy/issues/comments/12"]


def test_an_artifact_that_is_not_a_report_posts_nothing(tmp_path: Path) -> None:
    code, calls = _run(tmp_path, [{"number": 7, "head": {"sha": HEAD}}], {}, comment="@everyone hello")
    assert code == 0 and calls == []
    secret = tmp_path / "secret"
    secret.write_text(MARKER + " the job's token")  # a link in the artifact to a file of the comment job
    code, calls = _run(tmp_path, [{"number": 7, "head": {"sha": HEAD}}], {}, comment=secret)
    assert code == 0 and calls == []


def test_a_long_report_is_cut_to_what_github_accepts(tmp_path: Path) -> None:
    code, calls = _run(tmp_path, [{"number": 7, "head": {"sha": HEAD}}], {}, comment=MARKER + "x" * 100_000)
    assert code == 0 and len(json.loads(calls[-1]["body"])["body"]) < 65_536
