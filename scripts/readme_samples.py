"""Rerun the demo and put what it printed into the README, between its ``<!-- sample: NAME -->`` markers.

    python scripts/readme_samples.py            # the quick demo (a tiny model, about two minutes): demo-quick
    python scripts/readme_samples.py --full     # the full demo (the bundled 135M model, about 16 minutes): demo-full

Only the demo's closing tables go in (from its ``leaves  samples`` header to its ``total`` line), with the work
folder shown relative to the project, so the README shows what the command really prints today.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
README = PROJECT / "README.md"


def closing_tables(output: str) -> str:
    """The demo's closing tables from its whole output; ValueError when they are not there."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.split() == ["leaves", "samples"]), None)
    end = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith("total ")), None)
    if start is None or end is None or end < start:
        raise ValueError("the demo's output has no closing tables (did it fail?)")
    text = "\n".join(line.rstrip() for line in lines[start : end + 1])
    return text.replace(f"{PROJECT}/", "")


def replace_sample(readme: str, name: str, sample: str) -> str:
    """``readme`` with the fenced block after ``<!-- sample: name -->`` replaced by ``sample``."""
    pattern = re.compile(rf"(<!-- sample: {re.escape(name)} -->\n```text\n)(.*?)(\n```)", re.DOTALL)
    if not pattern.search(readme):
        raise ValueError(f"README.md has no '<!-- sample: {name} -->' marker before a text block")
    return pattern.sub(lambda match: match.group(1) + sample + match.group(3), readme, count=1)


def main() -> int:
    """Run the demo, then rewrite its sample in the README; exit 1 when the demo fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full demo with the bundled 135M model")
    args = parser.parse_args()
    command = [sys.executable, str(PROJECT / "examples" / "demo.py"), *([] if args.full else ["--quick"])]
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        print(f"readme_samples: the demo exited {done.returncode}; README left as it was", file=sys.stderr)
        return 1
    name = "demo-full" if args.full else "demo-quick"
    try:
        README.write_text(replace_sample(README.read_text(), name, closing_tables(done.stdout)))
    except ValueError as problem:
        print(f"readme_samples: {problem}", file=sys.stderr)
        return 1
    print(f"README.md: {name} updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
