"""How ``lab diff`` scales: a 10,000-leaf taxonomy whose branch is 1,000 (then 10,000) commits ahead.

Builds each repository with ``git fast-import`` in a temporary folder, changes one leaf on the branch, and
times ``lab diff`` as a user runs it (a fresh process, interpreter start-up included), median of several
runs, against the commit range and against the work tree. Prints the times and the ratio between the two
history lengths; the cost should follow the change, not the history.

    python benchmarks/diff_speed.py [--leaves 10000] [--ahead 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SKILL = """version: 3
created_by: bench
task_description: Answer questions number {n}.
seed_examples:
{examples}"""
ATTRIBUTION = "Title of work: benchmark\nLicense of the work: CC0-1.0\n"


def skill(n: int) -> bytes:
    """A valid skill leaf, distinct per ``n``."""
    examples = "".join(f"  - question: Question {n}.{i}?\n    answer: Answer {n}.{i}.\n" for i in range(5))
    return SKILL.format(n=n, examples=examples).encode()


def _blob(stream: list[bytes], mark: int, data: bytes) -> None:
    stream += [b"blob\n", f"mark :{mark}\n".encode(), f"data {len(data)}\n".encode(), data, b"\n"]


def _commit(stream: list[bytes], ref: str, mark: int, parent: int | None, message: str, changes: list[str]) -> None:
    stamp = 1_700_000_000 + mark
    stream += [
        f"commit {ref}\n".encode(),
        f"mark :{mark}\n".encode(),
        f"committer bench <bench@example.org> {stamp} +0000\n".encode(),
        f"data {len(message)}\n{message}\n".encode(),
    ]
    if parent is not None:
        stream.append(f"from :{parent}\n".encode())
    stream += [f"{line}\n".encode() for line in changes]
    stream.append(b"\n")


def build(folder: Path, leaves: int, ahead: int) -> None:
    """A repository with ``leaves`` leaves on main and a branch ``ahead`` commits further, one leaf changed."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(folder)], check=True)
    stream: list[bytes] = []
    _blob(stream, 1, ATTRIBUTION.encode())
    files = []
    for n in range(leaves):
        _blob(stream, 10 + n, skill(n))
        folder_name = f"compositional_skills/area_{n % 100:02d}/topic_{n // 100:03d}/leaf_{n:05d}"
        files += [f"M 100644 :{10 + n} {folder_name}/qna.yaml", f"M 100644 :1 {folder_name}/attribution.txt"]
    base_mark = 10 + leaves
    _commit(stream, "refs/heads/main", base_mark, None, "taxonomy", files)
    mark = base_mark
    for step in range(ahead):
        mark += 1
        note = f"note {step}\n".encode()
        _blob(stream, mark + 10_000_000, note)
        _commit(stream, "refs/heads/feature", mark, mark - 1, f"step {step}", [f"M 100644 :{mark + 10_000_000} NOTES"])
    mark += 1
    _blob(stream, mark + 10_000_000, skill(10**6))
    leaf = "compositional_skills/area_00/topic_000/leaf_00000/qna.yaml"
    _commit(stream, "refs/heads/feature", mark, mark - 1, "change one leaf", [f"M 100644 :{mark + 10_000_000} {leaf}"])
    subprocess.run(["git", "fast-import", "--quiet"], cwd=folder, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "feature"], cwd=folder, check=True)


def time_command(command: list[str], cwd: Path, runs: int) -> float:
    """Median wall seconds of ``command``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        completed = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            raise SystemExit(completed.stderr.decode())
    return statistics.median(times)


def measure(leaves: int, ahead: int, runs: int) -> tuple[float, float]:
    """(commit range, work tree) median seconds of ``lab diff`` on a freshly built repository."""
    lab = [sys.executable, "-m", "lab_cli", "diff", "--format", "json"]
    with tempfile.TemporaryDirectory(prefix="lab-diff-bench-") as folder:
        repo = Path(folder)
        start = time.perf_counter()
        build(repo, leaves, ahead)
        print(f"  built {leaves:,} leaves, branch {ahead:,} commits ahead in {time.perf_counter() - start:.1f} s")
        changed = subprocess.run(
            [*lab, "--base", "main", "--head", "feature", "--name-only"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        print(f"  lab diff reports: {changed}")
        commits = time_command([*lab, "--base", "main", "--head", "feature"], repo, runs)
        worktree = time_command(lab, repo, runs)
    return commits, worktree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=10_000)
    parser.add_argument("--ahead", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    startup = time_command([sys.executable, "-c", "pass"], Path.cwd(), args.runs)
    results = {}
    for ahead in (args.ahead, args.ahead * 10):
        print(f"history: {ahead:,} commits ahead")
        results[ahead] = measure(args.leaves, ahead, args.runs)
        commits, worktree = results[ahead]
        print(f"  lab diff --base main --head feature: {commits:.3f} s;  lab diff (work tree): {worktree:.3f} s")
    short, long = results[args.ahead], results[args.ahead * 10]
    print(f"python -c pass: {startup:.3f} s")
    print(f"10x history: commit range {long[0] / short[0]:.2f}x, work tree {long[1] / short[1]:.2f}x the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
