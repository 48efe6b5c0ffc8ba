#!/usr/bin/env python3
"""Post or update lab's report comment on the pull request a run of lab checked.

Run by the report job of taxonomy-pr-check.yml with a write token, from the base repository's own checkout.
The report was rendered by the base's lab from the pull request's content, so it is only ever the comment's
body, never a source of where to post: the pull request comes from the event, as the given pull requests
whose head is the checked head commit (the workflow passes the one its ``pull_request_target`` event names);
where that list is empty, from the open pull requests whose head is that commit. Exactly one must match, or
nothing is posted. Only the bot's own earlier comment is ever updated, and the body is bounded.

Environment: ``REPOSITORY`` (owner/name), ``HEAD_SHA`` (the checked head commit), ``PULL_REQUESTS`` (the
event's pull requests, as JSON: ``[{"number": N, "head": {"sha": ...}}]``), ``GH_TOKEN`` (for ``gh``).
Argument: the comment file. Exit 0 when it posted, updated or rightly refused; 1 when ``gh`` failed.

Standard library only: the runner's python3 runs it before anything is installed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

MARKER = "<!-- lab-diff-report -->"
BOT = "github-actions[bot]"
MAX_BODY = 60_000  # GitHub refuses bodies over 65,536 characters
SHA = re.compile(r"[0-9a-f]{40}")
# one JSON line per pull request / comment, whatever gh's output formatting
PULLS = ".[] | [.number, .head.sha] | @json"
COMMENTS = f'.[] | [.id, .user.login, (.body | startswith("{MARKER}"))] | @json'


def gh(*args: str) -> str:
    """Run ``gh ARGS``; its standard output."""
    return subprocess.run(["gh", *args], check=True, capture_output=True, text=True, timeout=120).stdout


def pull_request_numbers(repository: str, head_sha: str, event_pull_requests: list) -> set[int]:
    """The pull requests whose head is ``head_sha``: from the event, else from the open pull requests."""
    numbers = {
        pr["number"]
        for pr in event_pull_requests
        if isinstance(pr, dict) and isinstance(pr.get("number"), int) and (pr.get("head") or {}).get("sha") == head_sha
    }
    if numbers:
        return numbers
    listed = gh("api", "--paginate", f"repos/{repository}/pulls?state=open&per_page=100", "--jq", PULLS)
    return {number for number, sha in map(json.loads, filter(None, listed.splitlines())) if sha == head_sha}


def comment_body(path: Path) -> str | None:
    """The comment to post: lab's report, bounded; ``None`` when it is not one."""
    if path.is_symlink() or not path.is_file():  # a link in the artifact could point at this job's secrets
        return None
    try:
        body = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not body.startswith(MARKER):
        return None
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + "\n\n… (the report was cut here; the full report is in the workflow's artifact)\n"
    return body


def post(repository: str, number: int, body: str) -> str:
    """Update the bot's earlier report on pull request ``number``, or post a new one; what was done."""
    comments = gh("api", "--paginate", f"repos/{repository}/issues/{number}/comments", "--jq", COMMENTS)
    rows = map(json.loads, filter(None, comments.splitlines()))
    ours = [comment_id for comment_id, login, marked in rows if login == BOT and marked]
    payload = json.dumps({"body": body})
    if ours:
        endpoint, method, done = f"repos/{repository}/issues/comments/{ours[0]}", "PATCH", "updated"
    else:
        endpoint, method, done = f"repos/{repository}/issues/{number}/comments", "POST", "posted"
    subprocess.run(
        ["gh", "api", "--method", method, endpoint, "--input", "-"], input=payload, text=True, check=True, timeout=120
    )
    return done


def main(argv: list[str]) -> int:
    repository, head_sha = os.environ.get("REPOSITORY", ""), os.environ.get("HEAD_SHA", "")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository) or not SHA.fullmatch(head_sha) or len(argv) != 1:
        print("usage: REPOSITORY=owner/name HEAD_SHA=<40 hex> PULL_REQUESTS=<json> post_lab_comment.py COMMENT.md")
        return 1
    try:
        event = json.loads(os.environ.get("PULL_REQUESTS") or "[]")
    except json.JSONDecodeError:
        event = []
    body = comment_body(Path(argv[0]))
    if body is None:
        print(f"{argv[0]} is not a lab report (a regular file starting with {MARKER}); nothing posted")
        return 0
    try:
        numbers = pull_request_numbers(repository, head_sha, event if isinstance(event, list) else [])
        if len(numbers) != 1:
            print(f"{len(numbers)} open pull requests have head {head_sha}; nothing posted")
            return 0
        [number] = numbers
        print(f"{post(repository, number, body)} lab's report on pull request #{number}")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, json.JSONDecodeError) as problem:
        print(f"gh failed: {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
