"""Snapshot cost follows the change: 1,000 leaves × 100 samples, then 1 or 100 leaves changed.

Fills a sample store, records a first snapshot (every blob hashed once), then times the snapshot of a commit
where 1 leaf changed and one where 100 leaves changed, and prints both.

    python benchmarks/snapshot_speed.py [--leaves 1000] [--samples 100]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lab_cli.datasets.keys import digest
from lab_cli.datasets.snapshot import LeafData, default_store, write_snapshot
from lab_cli.gitrepo import GitRepo


def fill(store, leaf: str, version: int, samples: int) -> str:
    """Store ``samples`` made-up samples for one version of a leaf; its key."""
    key = digest({"leaf": leaf, "version": version})
    batch = [
        {
            "messages": [
                {"role": "user", "content": f"{leaf} q{index} v{version}"},
                {"role": "assistant", "content": "an answer " * 20},
            ],
            "metadata": {"leaf": leaf, "generation_key": key},
        }
        for index in range(samples)
    ]
    store.append(key, batch)
    store.mark_complete(key)
    return key


def commit(repo: Path, message: str) -> str:
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message], cwd=repo, check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaves", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lab-snapshot-bench-") as folder:
        top = Path(folder)
        subprocess.run(["git", "init", "-q", str(top)], check=True)
        for setting in (("user.email", "b@example.org"), ("user.name", "bench")):
            subprocess.run(["git", "config", *setting], cwd=top, check=True)
        repo = GitRepo(top)
        store = default_store(repo)
        leaves = {f"compositional_skills/area_{n % 20}/leaf_{n:04d}": 0 for n in range(args.leaves)}
        keys = {leaf: fill(store, leaf, 0, args.samples) for leaf in leaves}
        start = time.perf_counter()
        write_snapshot(
            repo, store, commit(top, "base"), [LeafData(name, "freeform_skill", key) for name, key in keys.items()]
        )
        print(f"first snapshot, {args.leaves} leaves x {args.samples} samples: {time.perf_counter() - start:.2f} s")
        for changed in (1, 100):
            for leaf in list(keys)[:changed]:
                leaves[leaf] += 1
                keys[leaf] = fill(store, leaf, leaves[leaf], args.samples)
            taxonomy_commit = commit(top, f"{changed} changed")
            start = time.perf_counter()
            write_snapshot(
                repo, store, taxonomy_commit, [LeafData(name, "freeform_skill", key) for name, key in keys.items()]
            )
            print(f"snapshot with {changed:>3} leaf/leaves changed: {time.perf_counter() - start:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
