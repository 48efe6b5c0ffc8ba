"""``lab diff`` on every pull-request head of the real taxonomy, compared with what ``git diff`` implies.

Clones ``../shared/taxonomy-repo/taxonomy.bundle`` (``main`` and 650 pull-request heads) into a temporary
folder and, for each ``refs/pr/N``, runs ``lab diff --base $(git merge-base main refs/pr/N) --head refs/pr/N
--format json`` through lab's own entry point. The expected leaf changes are derived from ``git diff
--name-status -M`` alone, with the rules the README documents (a qna.yaml, or a misnamed YAML file inside a
taxonomy folder, decides A/D/R; any other file of a leaf folder present at both ends marks it M; hidden
folders outside the taxonomy folders hold no leaves). Prints the agreement count, exit codes, wall time.

    python benchmarks/pr_agreement.py [--bundle PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lab_cli.cli.main import main  # noqa: E402

BUNDLE = ROOT.parent / "shared" / "taxonomy-repo" / "taxonomy.bundle"
TAXONOMY_FOLDERS = ("knowledge", "compositional_skills", "foundational_skills")

Change = tuple[str, str, str | None]


def git(top: Path, *args: str) -> str:
    """Output of a git command in ``top``."""
    return subprocess.run(["git", *args], cwd=top, check=True, capture_output=True, text=True).stdout


def clone(bundle: Path, into: Path) -> Path:
    """A clone of the bundle's ``main`` with every pull-request head as ``refs/pr/N``."""
    top = into / "taxonomy"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(bundle), str(top)], check=True)
    git(top, "fetch", "-q", str(bundle), "refs/pull/*/head:refs/pr/*")
    return top


def pr_refs(top: Path) -> list[str]:
    """The pull-request refs, in pull-request number order."""
    refs = git(top, "for-each-ref", "--format=%(refname)", "refs/pr").split()
    return sorted(refs, key=lambda ref: int(ref.rsplit("/", 1)[1]))


def unmerged(top: Path, refs: list[str]) -> list[str]:
    """The refs that are not already part of ``main`` (a merged head has no changes against its merge-base)."""
    merged = set(git(top, "for-each-ref", "--merged", "main", "--format=%(refname)", "refs/pr").split())
    return [ref for ref in refs if ref not in merged]


def _is_leaf_file(path: str) -> bool:
    parts = PurePosixPath(path).parts
    in_taxonomy = bool(parts) and parts[0] in TAXONOMY_FOLDERS
    if not in_taxonomy and any(part.startswith(".") for part in parts[:-1]):
        return False
    name = parts[-1]
    misnamed = (
        name.endswith((".yaml", ".yml")) and not name.startswith(".") and any(p in TAXONOMY_FOLDERS for p in parts[:-1])
    )
    return name == "qna.yaml" or misnamed


def _files_at(top: Path, revision: str, paths: set[str]) -> set[str]:
    if not paths:
        return set()
    out = git(top, "ls-tree", "-z", "--full-tree", revision, "--", *sorted(paths))
    return {record.split("\t", 1)[1] for record in out.split("\0") if record and " blob " in record.split("\t")[0]}


def expected(top: Path, base: str, head: str) -> set[Change]:
    """The leaf changes ``git diff --name-status -M`` implies."""
    fields = git(top, "-c", "core.quotepath=off", "diff", "--name-status", "-M", "-z", base, head).split("\0")
    changes: set[Change] = set()
    others, index = set(), 0
    while index < len(fields) and fields[index]:
        status = fields[index][0]
        if status in "RC":
            old, new = fields[index + 1], fields[index + 2]
            index += 3
            if status == "R" and (_is_leaf_file(new) or _is_leaf_file(old)):
                changes.add(("R", new, old))
                continue
            paths = [(new, "A")]
        else:
            paths = [(fields[index + 1], {"T": "M"}.get(status, status))]
            index += 2
        for path, kind in paths:
            if _is_leaf_file(path):
                changes.add((kind, path, None))
            else:
                others.add(str(PurePosixPath(path).parent / "qna.yaml"))
    claimed = {path for _, path, _ in changes} | {old for _, _, old in changes if old}
    candidates = others - claimed
    for path in _files_at(top, base, candidates) & _files_at(top, head, candidates):
        changes.add(("M", path, None))
    return changes


def lab_view(top: Path, base: str, head: str) -> tuple[int, set[Change]]:
    """Exit code and leaf changes of ``lab diff --format json``, run through lab's entry point."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["diff", "-C", str(top), "--base", base, "--head", head, "--format", "json"])
    if not out.getvalue().strip():
        return code, set()
    changes = json.loads(out.getvalue())["changes"]
    return code, {(c["status"], c["path"], c["old_path"]) for c in changes}


def compare(top: Path, refs: list[str]) -> dict[str, object]:
    """Agreement, exit codes and disagreements of lab with git over ``refs``."""
    codes: collections.Counter[int] = collections.Counter()
    disagreements, no_base, leaves = [], 0, 0
    for ref in refs:
        try:
            base = git(top, "merge-base", "main", ref).strip()
        except subprocess.CalledProcessError:
            no_base += 1
            continue
        code, found = lab_view(top, base, ref)
        codes[code] += 1
        wanted = expected(top, base, ref)
        leaves += len(wanted)
        if found != wanted:
            disagreements.append((ref, sorted(found ^ wanted, key=str)[:4]))
    return {"refs": len(refs), "no_base": no_base, "codes": codes, "disagreements": disagreements, "leaves": leaves}


def main_benchmark() -> None:
    """Clone, compare every pull-request head, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pull requests")
    args = parser.parse_args()
    if not args.bundle.exists():
        sys.exit(f"no bundle at {args.bundle}: the shared taxonomy repository is needed (see its README)")
    with tempfile.TemporaryDirectory() as scratch:
        top = clone(args.bundle, Path(scratch))
        refs = pr_refs(top)[: args.limit]
        started = time.perf_counter()
        result = compare(top, refs)
        elapsed = time.perf_counter() - started
    compared = result["refs"] - result["no_base"]
    agreeing = compared - len(result["disagreements"])
    print(f"pull-request heads: {result['refs']} ({result['no_base']} without a merge-base with main)")
    print(f"agree with git diff --name-status -M: {agreeing}/{compared} ({result['leaves']} leaf changes)")
    print("exit codes: " + ", ".join(f"{code}: {n}" for code, n in sorted(result["codes"].items())))
    print(f"exit 3 (unexpected error): {result['codes'].get(3, 0)}")
    print(f"wall time for all of them: {elapsed:.1f} s ({elapsed / max(compared, 1) * 1000:.0f} ms per pull request)")
    for ref, difference in result["disagreements"][:10]:
        print(f"  disagree {ref}: {difference}")


if __name__ == "__main__":
    main_benchmark()
