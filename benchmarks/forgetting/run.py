"""Forgetting benchmark: a tiny model learns three taxonomy commits through ``lab train``, three ways.

    python benchmarks/forgetting/run.py                 # tiny model, seeds 0 1 2 (≈10 min on 2 cores)
    python benchmarks/forgetting/run.py --smollm2       # reduced run on the bundled SmolLM2-135M-Instruct

naive: each commit trained from the previous model with no replay (``--replay-ratio 0``);
replay: lab's default incremental recipe (per-leaf replay re-drawn every epoch);
joint: at each commit, the base model retrained on everything so far with replay ratio 1 (the upper bound).
Tiny settings: the ``tiny`` preset (the issue's pilot: lr 1e-3, 20 epochs, AdamW β2 0.98, 50 warm-up steps, cosine,
clip 1.0) with batch 16, 30 epochs for skills (20 left a skill half-learned in some seeds) and no per-epoch
checkpoints (settings.json); a 2-layer, width-128 Llama built here.
Prints R (score of leaf group j after step i, exact match), ACC, BWT, forgetting, R[j][j] and wall times;
writes forgetting.png and results.json into --out.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from tasks import corpus, suite  # noqa: E402

METHODS = ("naive", "replay", "joint")
METRIC = "exact_match"  # strict: a half-remembered answer is not remembered


def build(work: Path, facts: int, skills: int) -> tuple[Path, list[str]]:
    """The taxonomy repo with three commits and their snapshots (no skill leaves when ``skills`` is 0)."""
    from tests.helpers.gitrepos import Repo
    from tests.helpers.snapshots import commit_leaves

    repo = Repo(work / "taxonomy")
    commits = [{leaf: qas for leaf, qas in leaves.items() if qas} for leaves in suite(facts, skills)]
    return repo.top, [commit_leaves(repo, leaves, f"commit {i + 1}")[0] for i, leaves in enumerate(commits)]


def lab_train(repo: Path, commit: str, out: Path, start: list[str], extra: list[str]) -> None:
    """One ``lab train`` run, in this process, through the command line."""
    from lab_cli.cli.main import main

    code = main(["train", "-C", str(repo), "--data", commit, "--out", str(out), *start, *extra])
    if code != 0:
        raise SystemExit(f"lab train failed ({code}) for {out}")


def run_method(method: str, repo: Path, commits: list[str], base: Path, work: Path, extra: list[str]) -> list[Path]:
    """Train the three steps of one method; the checkpoints."""
    outs = []
    for step, commit in enumerate(commits):
        out = work / method / f"step{step + 1}"
        if method == "naive":
            start = ["--model", str(base)] if step == 0 else ["--parent", str(outs[-1])]
            lab_train(repo, commit, out, start, [*extra, "--replay-ratio", "0"])
        elif method == "joint":
            lab_train(repo, commit, out, ["--model", str(base)], [*extra, "--replay-ratio", "1"])
        elif step == 0:
            lab_train(repo, commit, out, ["--model", str(base)], extra)
        else:
            lab_train(repo, commit, out, ["--parent", str(outs[-1])], extra)
        outs.append(out)
    return outs


def score(method: str, outs: list[Path], replay_last: Path, repo: Path) -> dict:
    """R and its summary for the checkpoints of a method, on the leaf groups of lab's lineage."""
    from lab_cli.evaluate.matrix import steps_matrix
    from lab_cli.gitrepo import GitRepo
    from lab_cli.train.lineage import lineage_chain, read_lineage

    groups = [(lineage.dataset_snapshot, lineage.new_keys) for _, lineage in lineage_chain(replay_last)]
    steps = [(out, read_lineage(out)) for out in outs]
    return steps_matrix(GitRepo(repo), steps, groups, METRIC).as_dict()


def one_seed(seed: int, args: argparse.Namespace) -> dict:
    """Every method for one seed (model init, data order and replay draws all follow the seed)."""
    import torch

    torch.set_num_threads(args.threads)
    from tests.helpers.tiny_model import build_tiny_model

    work = Path(tempfile.mkdtemp(prefix=f"forgetting-{seed}-", dir=args.work))
    repo, commits = build(work, args.facts, args.skills)
    if args.smollm2:
        from lab_cli.teacher.local_model import resolve_model

        base = resolve_model("default")
        extra = ["--preset", "default", "--settings", str(Path(__file__).with_name("settings-smollm2.json"))]
        extra += ["--epochs", str(args.epochs), "--lr", str(args.lr)]
    else:
        text = corpus(suite(args.facts, args.skills))
        base = build_tiny_model(work / "base", vocab_size=1000, hidden=128, layers=2, corpus=text, seed=seed)
        extra = ["--preset", "tiny", "--settings", str(Path(__file__).with_name("settings.json"))]
    extra += ["--seed", str(seed)]
    result = {"seed": seed, "methods": {}}
    trained = {}
    for method in args.methods:
        began = time.perf_counter()
        trained[method] = run_method(method, repo, commits, base, work, extra)
        result["methods"][method] = {"train_seconds": round(time.perf_counter() - began, 1)}
    for method in args.methods:
        began = time.perf_counter()
        result["methods"][method].update(score(method, trained[method], trained["replay"][-1], repo))
        result["methods"][method]["eval_seconds"] = round(time.perf_counter() - began, 1)
    print(
        f"seed {seed} done: " + ", ".join(f"{m} ACC {r['acc']:.3f}" for m, r in result["methods"].items()), flush=True
    )
    return result


def print_seed(result: dict) -> None:
    """Each method's R, learned diagonal, summary and wall time for one seed."""
    for method, r in result["methods"].items():
        print(f"\nseed {result['seed']}  {method}  (train {r['train_seconds']} s, eval {r['eval_seconds']} s)")
        for i, row in enumerate(r["matrix"]):
            print(f"  after step {i + 1}: " + "  ".join(f"{value:.3f}" for value in row))
        print(f"  R[j][j] {r['learned']}  ACC {r['acc']:.3f}  BWT {r['bwt']:+.3f}  forgetting {r['forgetting']:.3f}")


def summary(results: list[dict]) -> dict:
    """Mean and standard deviation over seeds of each method's numbers."""
    table = {}
    for method in results[0]["methods"]:
        rows = [r["methods"][method] for r in results]
        entry = {}
        for key in ("acc", "bwt", "forgetting", "train_seconds"):
            values = [row[key] for row in rows]
            entry[key] = (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)
        entry["min_learned"] = min(min(row["learned"]) for row in rows)
        table[method] = entry
    return table


def print_summary(table: dict, seeds: list[int]) -> list[str]:
    """The table over seeds, and the must-show checks with their verdicts."""
    print(f"\nover seeds {seeds} ({METRIC}; mean ± std)")
    print(f"{'method':8} {'ACC':>15} {'BWT':>16} {'forgetting':>15} {'min R[j][j]':>12} {'train s':>14}")
    for method, e in table.items():
        cells = [f"{e[k][0]:.3f} ± {e[k][1]:.3f}" for k in ("acc", "bwt", "forgetting")]
        time_cell = f"{e['train_seconds'][0]:.0f} ± {e['train_seconds'][1]:.0f}"
        print(f"{method:8} {cells[0]:>15} {cells[1]:>16} {cells[2]:>15} {e['min_learned']:12.3f} {time_cell:>14}")
    checks = []
    if "replay" in table:
        checks.append(("replay learns every leaf group: min R[j][j] >= 0.95", table["replay"]["min_learned"] >= 0.95))
        checks.append(("replay BWT >= -0.02", table["replay"]["bwt"][0] >= -0.02))
    if "naive" in table:
        checks.append(("naive BWT <= -0.5", table["naive"]["bwt"][0] <= -0.5))
    if "replay" in table and "joint" in table:
        gap = table["joint"]["acc"][0] - table["replay"]["acc"][0]
        checks.append((f"replay ACC within 0.03 of joint (joint - replay = {gap:+.3f})", abs(gap) <= 0.03))
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return [text for text, ok in checks if not ok]


def plot(results: list[dict], path: Path) -> None:
    """R of each method, averaged over seeds, side by side."""
    from lab_cli.evaluate.matrix import report
    from lab_cli.evaluate.plot import plot_matrices

    panels = []
    for method in results[0]["methods"]:
        runs = [r["methods"][method] for r in results]
        size = len(runs[0]["matrix"])
        mean = [[statistics.mean(run["matrix"][i][j] for run in runs) for j in range(size)] for i in range(size)]
        panels.append(
            (f"{method} (mean of {len(runs)} seeds)", report(METRIC, runs[0]["steps"], runs[0]["groups"], mean))
        )
    plot_matrices(panels, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", type=int, default=2, help="seeds trained at once (one CPU thread each)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per job")
    parser.add_argument("--facts", type=int, default=30, help="facts per knowledge leaf")
    parser.add_argument("--skills", type=int, default=150, help="samples per skill leaf")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--smollm2", action="store_true", help="reduced run on the bundled SmolLM2-135M-Instruct")
    parser.add_argument("--epochs", type=int, default=8, help="epochs per phase (--smollm2)")
    parser.add_argument("--lr", type=float, default=1e-4, help="learning rate (--smollm2)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args()
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one_seed, args.seeds, [args] * len(args.seeds)))
    for result in results:
        print_seed(result)
    table = summary(results)
    failed = print_summary(table, args.seeds)
    name = "smollm2" if args.smollm2 else "tiny"
    args.out.mkdir(parents=True, exist_ok=True)
    plot(results, args.out / f"forgetting-{name}.png")
    document = {"args": {k: str(v) for k, v in vars(args).items()}, "results": results, "summary": table}
    (args.out / f"results-{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwall time {time.perf_counter() - began:.0f} s; wrote the plot and results-{name}.json in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
