"""``lab data``: the dataset snapshots recorded for taxonomy commits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lab_cli.cli.options import REPO, REPORT_FORMAT
from lab_cli.output import ReportFormat

GROUP_EPILOG = """Examples:

  lab data log                               # every snapshot, newest first

  lab data show HEAD                         # HEAD's snapshot, leaf by leaf

  lab data diff HEAD~1                       # what changed since HEAD~1

  lab data export HEAD --out dataset         # InstructLab training files

  lab data pull; lab data push               # share snapshots through origin (the dataset bot does the same)

Snapshots are recorded by lab generate (one per taxonomy commit) and live in refs/lab/datasets."""

PULL_EPILOG = """Examples:

  lab data pull                              # origin's snapshots and notes; the sample store filled from them

  lab data pull upstream --format json

Local snapshots the remote lacks are kept on top of its own (one the remote has for the same taxonomy commit
is dropped: the first to reach the remote wins). Exit codes: 0 done, 1 git failed, 2 usage error."""

PUSH_EPILOG = """Examples:

  lab data push                              # refs/lab/datasets and refs/notes/lab to origin, atomically

  lab data push upstream --format json

Never forced: when another writer moved the remote, lab fetches, puts its snapshots on top and tries again
(5 times). Both refs move together or not at all. Exit codes: 0 done (or nothing to send), 1 git failed or
the remote kept moving, 2 usage error."""

LOG_EPILOG = """Examples:

  lab data log

  lab data log --format json -C ../taxonomy

Exit codes: 0 listed (even when there are none yet), 2 usage error (not inside a git repository)."""

SHOW_EPILOG = """Examples:

  lab data show                              # the snapshot of HEAD

  lab data show v1.0 --format json

Exit codes: 0 shown, 1 no such revision or it has no snapshot (run lab generate), 2 usage error."""

DIFF_EPILOG = """Examples:

  lab data diff HEAD~1                       # since the previous commit

  lab data diff v1.0 v2.0 --format json

Exit codes: 0 shown, 1 no such revision or it has no snapshot (run lab generate), 2 usage error."""

EXPORT_EPILOG = """Examples:

  lab data export                            # HEAD's snapshot to ./dataset

  lab data export v1.0 --out exports/v1 --format parquet

  lab data export --json                     # counts as JSON, for scripts

Exit codes: 0 written, 1 no such revision or it has no snapshot (run lab generate), 2 usage error."""

VERIFY_EPILOG = """Examples:

  lab data verify                            # every snapshot

  lab data verify HEAD --format json

Exit codes: 0 intact, 1 corruption found (or no such snapshot), 2 usage error."""

GC_EPILOG = """Examples:

  lab data gc

  lab data gc --format json                  # the removed generation keys

Exit codes: 0 done (even when nothing was removed), 2 usage error."""


def _repo(path: Path):
    from lab_cli.gitrepo import GitRepo

    return GitRepo.find(path.resolve())


def log(
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """List dataset snapshots, newest first, with leaves, samples and new/changed/reused counts."""
    from lab_cli.datasets.history import dataset_log

    entries = dataset_log(_repo(repo_path))
    if output_format == "json":
        print(json.dumps([entry.as_dict() for entry in entries], indent=2))
    elif not entries:
        print("no dataset snapshots yet (lab generate records one per taxonomy commit)")
    for entry in entries if output_format != "json" else []:
        print(
            f"{entry.snapshot[:12]}  taxonomy {entry.taxonomy_commit[:12]}  {entry.leaves} leaves, "
            f"{entry.samples} samples  (+{entry.new} new, ~{entry.changed} changed, ={entry.reused} reused, "
            f"-{entry.removed} removed)"
        )
    return 0


def show(
    revision: Annotated[str, typer.Argument(help="A taxonomy commit or a snapshot.")] = "HEAD",
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Show one snapshot: per leaf, its kind, generation key and sample count."""
    from lab_cli.datasets.history import dataset_show

    shown = dataset_show(_repo(repo_path), revision)
    if output_format == "json":
        print(json.dumps(shown.as_dict(), indent=2))
        return 0
    print(f"snapshot {shown.snapshot[:12]} of taxonomy commit {shown.manifest.taxonomy_commit[:12]}")
    for leaf, entry in sorted(shown.manifest.leaves.items()):
        origin = ", ".join(f"{k}={v}" for k, v in sorted(entry.provenance.items()))
        print(
            f"  {leaf}  {entry.kind}  key {entry.generation_key[:12]}  {entry.samples} samples"
            + (f"  ({origin})" if origin else "")
        )
    return 0


def diff(
    first: Annotated[str, typer.Argument(help="Older taxonomy commit or snapshot.")],
    second: Annotated[str, typer.Argument(help="Newer taxonomy commit or snapshot.")] = "HEAD",
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Show the leaves added, changed and removed between two snapshots."""
    from lab_cli.datasets.history import dataset_diff

    data = dataset_diff(_repo(repo_path), first, second)
    if output_format == "json":
        print(json.dumps(data, indent=2))
        return 0
    print(f"{data['from'][:12]} → {data['to'][:12]}")
    for status, label in (("added", "A"), ("changed", "M"), ("removed", "D")):
        for leaf in data[status]:
            print(f"  {label}  {leaf}")
    print(f"  ({len(data['unchanged'])} leaves unchanged)")
    return 0


def export(
    revision: Annotated[str, typer.Argument(help="A taxonomy commit or a snapshot.")] = "HEAD",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path("dataset"),
    output_format: Annotated[str, typer.Option("--format", "-f", help="jsonl or parquet.")] = "jsonl",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    system_prompt: Annotated[
        str | None, typer.Option(help="System prompt of every record (default: .lab.toml's, else lab's).")
    ] = None,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Write a snapshot as InstructLab training files (knowledge/skills train, and eval)."""
    from lab_cli.datasets.export import export_snapshot

    counts = export_snapshot(_repo(repo_path), revision, out, output_format, system_prompt)
    if as_json:
        print(json.dumps({"out": str(out), "format": output_format, "records": counts}, indent=2))
    for name, count in counts.items() if not as_json else []:
        print(f"{out / name}.{output_format}: {count} records")
    return 0


def verify(
    revision: Annotated[str | None, typer.Argument(help="One snapshot (default: all).")] = None,
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Re-hash every stored sample blob and check it against its manifest; exit 1 on corruption."""
    from lab_cli.datasets.maintenance import verify as verify_snapshots

    report = verify_snapshots(_repo(repo_path), revision)
    if output_format == "json":
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(f"{report.snapshots} snapshot(s), {report.blobs} blob(s), {report.samples} sample(s) checked")
        for problem in report.problems:
            print(f"  corrupt: {problem}")
    return 1 if report.problems else 0


def gc(
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Delete stored samples that no snapshot references (unfinished generations are kept), and the response
    logs of keys a snapshot holds; refused while a lab generate run uses the repository."""
    from lab_cli.datasets.maintenance import garbage_collect
    from lab_cli.datasets.snapshot import default_store

    repo = _repo(repo_path)
    removed, pruned = garbage_collect(repo, default_store(repo), repo.git_dir() / "lab" / "responses")
    if output_format == "json":
        print(json.dumps({"removed": removed, "responses_removed": pruned}))
    else:
        print(f"removed {len(removed)} unreferenced key(s) and {len(pruned)} finished response log(s)")
    return 0


REMOTE = typer.Argument(help="A remote name or URL.")


def pull(
    remote: Annotated[str, REMOTE] = "origin",
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Fetch a remote's dataset snapshots and notes and fill the sample store from the newest."""
    from lab_cli.datasets.sync import pull_snapshots

    result = pull_snapshots(_repo(repo_path), remote)
    if output_format == "json":
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(
            f"{result.moved} snapshot(s) from {remote}; {result.replayed} local one(s) put on top, "
            f"{result.dropped} dropped; {result.filled} generation key(s) added to the sample store"
        )
    return 0


def push(
    remote: Annotated[str, REMOTE] = "origin",
    output_format: Annotated[ReportFormat, REPORT_FORMAT] = ReportFormat.HUMAN,
    repo_path: Annotated[Path, REPO] = Path("."),
) -> int:
    """Push the dataset snapshots and notes a remote lacks, in one atomic push."""
    from lab_cli.datasets.sync import push_snapshots

    result = push_snapshots(_repo(repo_path), remote)
    if output_format == "json":
        print(json.dumps(result.as_dict(), indent=2))
    else:
        retried = f" (after {result.attempts - 1} retry)" if result.attempts > 1 else ""
        print(f"{result.moved} snapshot(s) pushed to {remote}{retried}; {result.dropped} dropped")
    return 0
