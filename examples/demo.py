"""The whole mission on the bundled example taxonomy, offline: contributions commit by commit, each commit's diff
validated, data generated only for what changed, a dataset snapshot per commit, a model trained incrementally
with replay, and forgetting measured.

    python examples/demo.py [--quick] [--workdir demo-run]

It builds a throw-away taxonomy repository from ``taxonomy/`` as three contribution commits (a base; new
leaves; a modified leaf, a deleted one and a new one) and runs, for each commit, the commands a user runs:
``lab diff`` → ``lab generate`` (the bundled local teacher) → ``lab train`` (the bundled SmolLM2 student, or a
tiny local model with ``--quick``) → ``lab eval``. It ends with the per-commit table and the forgetting plot.

The example's knowledge leaves point at GitHub repositories this demo cannot reach offline, so each one's
document is stood in for by a local repository holding the leaf's own seed contexts (which are excerpts of
the real document), and ``document.repo``/``document.commit`` are rewritten to it (``--allow-local-documents``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE = PROJECT / "taxonomy"

BASE = [
    "knowledge/science/animals/birds/black_capped_chickadee",
    "compositional_skills/linguistics/synonyms",
    "compositional_skills/writing/freeform/emoji",
]
ADDED = [
    "knowledge/history/public_transportation/boston",
    "compositional_skills/grounded/linguistics/inclusion",
]
THIRD_ADDED = ["knowledge/arts/music/fandom/swifties"]
MODIFIED = "compositional_skills/linguistics/synonyms"
DELETED = "compositional_skills/writing/freeform/emoji"


@dataclass
class Step:
    """What happened at one contribution commit."""

    name: str
    commit: str = ""
    changes: list[str] = field(default_factory=list)
    valid: bool = True
    requests: int = 0
    generated_leaves: int = 0
    reused_leaves: int = 0
    samples: int = 0
    reused_samples: int = 0
    document_samples: int = 0
    train_seconds: float = 0.0
    scores: dict[str, float | None] = field(default_factory=dict)  # leaf → key-fact recall on its eval items
    drift: dict | None = None  # general drift from the starting model (lab eval's "drift": n, kl, agreement)


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder``; its output."""
    done = subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def new_repository(folder: Path) -> None:
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.email", "demo@example.org")
    git(folder, "config", "user.name", "lab demo")
    git(folder, "config", "commit.gpgsign", "false")


def commit(folder: Path, message: str) -> str:
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", message)
    return git(folder, "rev-parse", "HEAD")


def stand_in_document(workdir: Path, leaf: str, data: dict) -> tuple[str, str]:
    """A local repository holding the leaf's seed contexts under its document's pattern; (path, commit)."""
    folder = workdir / "documents" / leaf.replace("/", "__")
    new_repository(folder)
    name = str(data["document"]["patterns"][0])
    contexts = [" ".join(str(example["context"]).split()) for example in data["seed_examples"]]
    (folder / name).write_text("\n\n".join(contexts) + "\n", encoding="utf-8")
    return str(folder), commit(folder, f"stand-in document for {leaf}")


def copy_leaf(workdir: Path, taxonomy: Path, leaf: str) -> None:
    """Copy a leaf of the example taxonomy, pointing a knowledge leaf at its stand-in document."""
    source, target = EXAMPLE / leaf, taxonomy / leaf
    shutil.copytree(source, target)
    if leaf.startswith("knowledge/"):
        text = (target / "qna.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        repo, sha = stand_in_document(workdir, leaf, data)
        text = text.replace(data["document"]["repo"], repo).replace(data["document"]["commit"], sha)
        (target / "qna.yaml").write_text(text, encoding="utf-8")


def modify_leaf(taxonomy: Path, leaf: str) -> None:
    """A contributor's edit: one more seed example, first in the list."""
    path = taxonomy / leaf / "qna.yaml"
    example = "  - question: List a synonym for the word begin.\n    answer: A synonym for begin is start.\n"
    text = path.read_text(encoding="utf-8").replace("seed_examples:\n", "seed_examples:\n" + example, 1)
    path.write_text(text, encoding="utf-8")


def lab(*args: str, cwd: Path) -> dict:
    """Run a lab command with ``--format json``; its JSON output (progress goes to the terminal)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lab_cli", *args, "--format", "json"], cwd=cwd, stdout=subprocess.PIPE, text=True
    )
    command = " ".join(args[:2] if args[0] == "data" else args[:1])
    print(f"  lab {command}: exit {done.returncode}, {time.perf_counter() - started:.1f} s", flush=True)
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise SystemExit(f"lab {' '.join(args)} failed with exit code {done.returncode}; stopping the demo")
    return json.loads(done.stdout)


def contributions(workdir: Path, taxonomy: Path) -> list[tuple[str, Callable[[], None]]]:
    """The three contribution commits, each as (message, edit of the work tree)."""

    def base() -> None:
        for leaf in BASE:
            copy_leaf(workdir, taxonomy, leaf)

    def additions() -> None:
        for leaf in ADDED:
            copy_leaf(workdir, taxonomy, leaf)

    def edits() -> None:
        modify_leaf(taxonomy, MODIFIED)
        shutil.rmtree(taxonomy / DELETED)
        for leaf in THIRD_ADDED:
            copy_leaf(workdir, taxonomy, leaf)

    return [
        ("base: a knowledge leaf and two skills", base),
        ("add a knowledge leaf and a grounded skill", additions),
        ("modify a skill, delete a skill, add a knowledge leaf", edits),
    ]


def run_step(
    index: int, message: str, taxonomy: Path, models: Path, options: argparse.Namespace, previous: str | None
) -> Step:
    """diff → generate → train → eval for one commit."""
    step = Step(message, commit=git(taxonomy, "rev-parse", "HEAD"))
    if previous is not None:
        diff = lab("diff", "--base", previous, "--head", step.commit, cwd=taxonomy)
        step.changes = [f"{c['status']} {c['leaf']}" for c in diff["changes"]]
        step.valid = diff["validation"]["summary"]["errors"] == 0
        if not step.valid:
            raise SystemExit(f"commit {step.commit[:12]} has invalid leaves (lab diff says why); stopping")
    else:
        step.changes = [f"A {leaf}" for leaf in BASE]
    generated = lab(
        "generate", *options.teacher, "--scale", str(options.scale), "--allow-local-documents", cwd=taxonomy
    )
    step.requests = generated["requests_sent"]
    step.generated_leaves = len(generated["generated"])
    step.reused_leaves = generated["counts"]["cached"]
    step.samples = sum(r["seed_samples"] + r["generated_samples"] for r in generated["generated"])
    step.document_samples = sum(r.get("document_samples", 0) for r in generated["generated"])
    snapshot = lab("data", "show", step.commit, cwd=taxonomy)
    total = sum(leaf["samples"] for leaf in snapshot["leaves"].values())
    step.reused_samples = total - step.samples - step.document_samples
    out = models / f"c{index}"
    parent = ["--parent", str(models / f"c{index - 1}")] if index > 1 else ["--model", options.student]
    started = time.perf_counter()
    lab("train", *parent, "--data", step.commit, "--out", str(out), *options.train, cwd=taxonomy)
    step.train_seconds = time.perf_counter() - started
    scores = lab("eval", "--model", str(out), cwd=taxonomy)
    step.scores = {leaf["leaf"]: leaf["fact_recall"] for leaf in scores["leaves"]}
    step.drift = scores.get("drift")
    return step


def print_table(steps: list[Step], forgetting: dict) -> None:
    """The per-commit table and the forgetting summary."""
    print()
    print(f"{'':<26}{'':>9}{'leaves':^18}{'samples':^24}")
    print(
        f"{'commit':<10}{'changes':<9}{'valid':<7}{'requests':>9}{'generated':>10}{'reused':>8}"
        f"{'new':>10}{'reused':>8}{'docs':>6}{'train s':>9}"
    )
    for step in steps:
        print(
            f"{step.commit[:8]:<10}{len(step.changes):<9}{'yes' if step.valid else 'NO':<7}{step.requests:>9}"
            f"{step.generated_leaves:>10}{step.reused_leaves:>8}{step.samples:>10}{step.reused_samples:>8}"
            f"{step.document_samples:>6}{step.train_seconds:>9.0f}"
        )
        for change in step.changes:
            print(f"    {change}")
    print("\nper-leaf key-fact recall on eval splits (never trained on), after each commit:")
    leaves = sorted({leaf for step in steps for leaf in step.scores})
    for leaf in leaves:
        cells = "".join(_cell(step.scores[leaf]) if leaf in step.scores else f"{'-':>8}" for step in steps)
        print(f"  {leaf:<60}{cells}")
    measured = [step for step in steps if step.drift]
    if measured:
        print(
            f"\ngeneral drift from the starting model after each commit ({measured[0].drift['n']} probe prompts):"
            "\n  KL(base || model) per token on the base's own greedy answers; agreement = ROUGE-L with them"
        )
        for step in measured:
            print(f"  {step.commit[:8]:<10}KL {step.drift['kl']:.4f}  agreement {step.drift['agreement']:.3f}")
    print("\nwhat each leaf learned, against the starting model (row 0 = before any training):")
    print(f"  {'leaf':<56}{'step':>5}{'n':>4}{'start':>8}{'learned':>9}{'now':>7}{'gain':>8}")
    for gain in forgetting["leaf_gains"]:
        flag = "  too few to judge" if gain["too_few"] else ""
        print(
            f"  {gain['leaf']:<56}{gain['step']:>5}{gain['n']:>4}{_cell(gain['base'])}{_cell(gain['learned'], 9)}"
            f"{_cell(gain['final'], 7)}{_cell(gain['gain'], 8, '+')}{flag}"
        )
    intervals = forgetting["intervals"]
    print(
        f"\nforgetting along the lineage ({forgetting['metric']}, 95 % intervals over eval items):\n  "
        f"ACC {forgetting['acc']:.3f} {_bounds(intervals['acc'])}  BWT {forgetting['bwt']:+.3f} "
        f"{_bounds(intervals['bwt'])}  mean gain {forgetting['mean_gain']:+.3f} {_bounds(intervals['mean_gain'])}"
        f"\n  start row {forgetting['base']}, learned R[j][j] {forgetting['learned']}"
    )


def _cell(value: float | None, width: int = 8, sign: str = "") -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{sign}{width}.3f}"


def _bounds(bounds: list[float]) -> str:
    return f"[{bounds[0]:+.2f}, {bounds[1]:+.2f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="A tiny local teacher and student, a few samples.")
    parser.add_argument("--workdir", type=Path, default=PROJECT / "demo-run")
    options = parser.parse_args(argv)
    workdir = options.workdir.resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    taxonomy, models = workdir / "taxonomy", workdir / "models"
    new_repository(taxonomy)
    if options.quick:
        sys.path.insert(0, str(PROJECT))
        from tests.helpers.tiny_model import build_tiny_model

        tiny = str(build_tiny_model(workdir / "tiny-model"))
        options.teacher, options.student, options.scale = ["--teacher-model", tiny, "--max-tokens", "64"], tiny, 1
        options.train = ["--preset", "tiny", "--epochs", "2"]
    else:  # the bundled SmolLM2-135M-Instruct teaches and learns; 128-token answers and one epoch per phase keep a
        # 2-core CPU run near a quarter of an hour (256 tokens and two epochs took about twice as long).
        # It cannot judge (it answers "no" to every judge prompt), so candidates are filtered by parsing and
        # near-duplicates only; with no greedy judges, continuous batching's shared temperature costs nothing.
        teacher = ["--max-tokens", "128", "--no-judges", "--continuous-batching"]
        options.teacher, options.student, options.scale = teacher, "default", 1
        options.train = ["--epochs", "1", "--batch-size", "8"]  # a commit's few samples still make several steps
    started = time.perf_counter()
    steps, previous = [], None
    for index, (message, edit) in enumerate(contributions(workdir, taxonomy), start=1):
        print(f"\n== commit {index}: {message}", flush=True)
        edit()
        commit(taxonomy, message)
        steps.append(run_step(index, message, taxonomy, models, options, previous))
        previous = steps[-1].commit
    plot = workdir / "forgetting.png"
    forgetting = lab("eval", "--lineage", str(models / f"c{len(steps)}"), "--plot", str(plot), cwd=taxonomy)
    print_table(steps, forgetting)
    print(f"\nplot: {plot}\ntotal {time.perf_counter() - started:.0f} s (workdir {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
