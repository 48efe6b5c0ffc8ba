"""Learning benchmark: does the bundled SmolLM2-135M-Instruct learn new leaves through lab, measured against where
it started, and does it keep what it could do before?

    python benchmarks/learning/run.py                       # controlled and pipeline, seeds 0 1
    python benchmarks/learning/run.py --settings controlled --seeds 0 1 2 --methods replay no_rehearsal
    python benchmarks/learning/run.py --settings pipeline --work /tmp/learning   # reuses generated data there
    python benchmarks/learning/run.py --settings document   # do document samples teach a document's facts?

controlled — leaves whose data carries the facts: three leaves of made-up facts (each fact trained in three
phrasings and asked in a fourth, held out) and a made-up-word translation skill, added over three commits and
trained through ``lab train --preset small``: ``replay`` (lab's default: replay and self rehearsal),
``no_rehearsal`` (replay only), ``naive`` (neither), and on request ``greedy_rehearsal`` (rehearsing the base's
greedy answers). Exact match on the held-out items; every leaf's gain is its score after the step that added it
minus the starting model's (row 0), so a fact the base already knew earns nothing. Each method's last checkpoint
gets its general drift from the base: KL(base || checkpoint) on the base's answers to lab's probe prompts, and
the agreement of its own answers with the base's.

pipeline — the example taxonomy's knowledge leaves through the whole pipeline: ``lab generate`` with the bundled
teacher (the demo's settings), then one ``lab train --preset small`` from the base model, as lab trains
(``lab``: document samples and the per-leaf floor) and on the Q/A pairs alone (``qa_only``). Scored on each
leaf's held-out human seed pairs only: key-fact recall and the conditional likelihood gain, base and trained,
with bootstrap 95 % intervals, and general drift. No threshold: the point is an honest table.

document — one leaf of made-up island capitals, each stated once in its document; half are also trained as Q/A,
half are only in the document. lab's document samples (``documents``) against the Q/A pairs alone (``qa_only``),
the same floor; held-out questions on both halves.

Writes ``results.json`` into --out (keeping the settings this run did not redo); prints the tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1].parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks" / "forgetting"), str(ROOT / "examples")]

from tasks import knowledge_leaf, skill_leaf  # noqa: E402

CONTROLLED_COMMITS = [
    ["knowledge/geography/capitals"],
    ["knowledge/history/inventors"],
    ["knowledge/biology/creatures", "compositional_skills/words/zorbish"],
]
PIPELINE_LEAVES = [
    "knowledge/science/animals/birds/black_capped_chickadee",
    "knowledge/history/public_transportation/boston",
    "knowledge/arts/music/fandom/swifties",
]
TEACHER = ["--max-tokens", "128", "--no-judges", "--continuous-batching", "--scale", "1"]  # as the full demo
METRIC = "exact_match"  # controlled: a made-up fact is stated or it is not


def lab(*args: str, cwd: Path | None = None) -> dict:
    """Run ``lab ARGS --format json`` in a child process (progress to this terminal); its JSON output."""
    done = subprocess.run(
        [sys.executable, "-m", "lab_cli", *args, "--format", "json"], cwd=cwd, stdout=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"lab {' '.join(args)} failed with exit code {done.returncode}")
    return json.loads(done.stdout)


# ---------------------------------------------------------------------------------------------------- controlled


def controlled_suite(facts: int, skill_samples: int) -> list[dict[str, list]]:
    """The leaves of each commit; every held-out phrasing is a human eval item (``origin: seed``)."""
    rng, taken = random.Random(1234), set()
    commits = []
    for leaves in CONTROLLED_COMMITS:
        commit = {}
        for leaf in leaves:
            qas = knowledge_leaf(leaf, facts, rng, taken) if leaf.startswith("knowledge/") else None
            qas = qas if qas is not None else skill_leaf(leaf, skill_samples, rng)
            commit[leaf] = [dataclasses.replace(qa, origin="seed") if qa.split == "eval" else qa for qa in qas]
        commits.append(commit)
    return commits


# lab's default (replay + self rehearsal) and what each baseline turns off; --replay-ratio applies to every method
# that replays
CONTROLLED_METHODS = {
    "replay": [],
    "no_rehearsal": ["--no-self-rehearsal"],
    "greedy_rehearsal": ["--rehearsal-temperature", "0"],  # the starting model's greedy answers (not a default)
    "naive": ["--replay-ratio", "0", "--no-self-rehearsal"],
}


def method_options(method: str, args: argparse.Namespace) -> list[str]:
    """The ``lab train`` options of a controlled method (with ``--replay-ratio`` where it replays)."""
    options = CONTROLLED_METHODS[method]
    if args.replay_ratio is not None and "--replay-ratio" not in options:
        options = [*options, "--replay-ratio", str(args.replay_ratio)]
    return options


def _first_step(options: list[str]) -> list[str]:
    """The options that matter at step 1, which has nothing to replay: all but the replay ratio."""
    kept, skip = [], False
    for option in options:
        if skip or option == "--replay-ratio":
            skip = not skip
            continue
        kept.append(option)
    return kept


def controlled_train(seed: int, args: argparse.Namespace, work: Path) -> tuple[Path, dict[str, list[Path]]]:
    """Train each method through three commits for one seed (a step already trained in ``work`` is kept; methods
    that train step 1 alike share it); the repository and each method's checkpoints."""
    from lab_cli.teacher.local_model import resolve_model
    from tests.helpers.gitrepos import Repo
    from tests.helpers.snapshots import commit_leaves

    folder = work / f"controlled-{seed}"
    fresh = not (folder / "taxonomy" / ".git").is_dir()
    repo = Repo(folder / "taxonomy")
    if fresh:
        for i, leaves in enumerate(controlled_suite(args.facts, args.skill_samples)):
            commit_leaves(repo, leaves, f"commit {i + 1}")
    commits = repo.git("rev-list", "--reverse", "HEAD").split()
    base = resolve_model("default")
    extra = ["--preset", "small", "--lr", str(args.lr), "--seed", str(seed), "-C", str(repo.top)]
    outs: dict[str, list[Path]] = {method: [] for method in args.methods}
    for step, commit in enumerate(commits):
        for method in args.methods:
            options = method_options(method, args)
            if step == 0:
                same = [m for m in outs if outs[m] and _first_step(method_options(m, args)) == _first_step(options)]
                if same:
                    outs[method].append(outs[same[0]][0])
                    continue
            label = method if args.replay_ratio is None or method == "naive" else f"{method}-ratio{args.replay_ratio}"
            out = folder / label / f"step{step + 1}"
            start = ["--model", str(base)] if step == 0 else ["--parent", str(outs[method][-1])]
            if not (out / "lab_lineage.json").is_file():
                lab("train", *start, "--data", commit, "--out", str(out), *extra, *options)
            outs[method].append(out)
    return repo.top, outs


def general_drift(checkpoint: Path) -> dict:
    """A checkpoint's drift from its chain's starting model on lab's probe prompts (cached in the lineages)."""
    from lab_cli.evaluate.drift import checkpoint_drift
    from lab_cli.general import PROBE_COUNT
    from lab_cli.general.probes import probe_set

    drift = checkpoint_drift(checkpoint, probe_set(None, PROBE_COUNT))
    return {
        "n": drift.n,
        "kl": drift.kl,
        "kl_interval": drift.kl_interval,
        "agreement": drift.agreement,
        "agreement_interval": drift.agreement_interval,
    }


def train_seconds(outs: list[Path]) -> float:
    """Seconds the phases of these checkpoints trained (from their lineages; a shared step counted once)."""
    from lab_cli.train.lineage import read_lineage

    return round(
        sum(
            p["metrics"]["seconds"] for out in dict.fromkeys(outs) for p in read_lineage(out).phases if p.get("metrics")
        ),
        1,
    )


def controlled_seed(seed: int, args: argparse.Namespace, work: Path) -> dict:
    """replay and naive for one seed: their forgetting reports with row 0 (the bundled base model)."""
    from lab_cli.evaluate.matrix import steps_matrix
    from lab_cli.gitrepo import GitRepo
    from lab_cli.train.lineage import read_lineage

    top, outs = controlled_train(seed, args, work)
    chain = [read_lineage(out) for out in outs[args.methods[0]]]
    groups = [(lineage.dataset_snapshot, lineage.new_keys) for lineage in chain]
    results = {}
    for method in args.methods:
        began = time.perf_counter()
        steps = [(out, read_lineage(out)) for out in outs[method]]
        report = steps_matrix(GitRepo(top), steps, groups, METRIC)  # row 0: the base, cached in step 1
        results[method] = {
            **report.as_dict(),
            "general": general_drift(outs[method][-1]),
            "train_seconds": train_seconds(outs[method]),
            "eval_seconds": round(time.perf_counter() - began, 1),
        }
    return results


def controlled(args: argparse.Namespace, work: Path) -> dict:
    """Per method, over seeds: mean gain per leaf, BWT and ACC (and each seed's full report)."""
    runs = [controlled_seed(seed, args, work) for seed in args.seeds]
    summary = {}
    for method in args.methods:
        reports = [run[method] for run in runs]
        leaves = [entry["leaf"] for entry in reports[0]["leaf_gains"]]
        gains = [statistics.mean(r["leaf_gains"][i]["gain"] for r in reports) for i in range(len(leaves))]
        summary[method] = {
            "leaves": leaves,
            "gain_per_leaf": [round(g, 4) for g in gains],
            "bwt": round(statistics.mean(r["bwt"] for r in reports), 4),
            "acc": round(statistics.mean(r["acc"] for r in reports), 4),
            "bwt_per_seed": [r["bwt"] for r in reports],
            "acc_per_seed": [r["acc"] for r in reports],
            "bwt_interval_per_seed": [r["intervals"]["bwt"] for r in reports],
            "train_seconds": [r["train_seconds"] for r in reports],
            "general_kl": round(statistics.mean(r["general"]["kl"] for r in reports), 4),
            "general_agreement": round(statistics.mean(r["general"]["agreement"] for r in reports), 4),
            "general_per_seed": [r["general"] for r in reports],
        }
    return {**summary, "per_seed": dict(zip(map(str, args.seeds), runs, strict=True))}


def print_controlled(result: dict, args: argparse.Namespace) -> list[str]:
    """The controlled table and its targets' verdicts; the failed targets."""
    print(
        f"\ncontrolled ({METRIC} on held-out phrasings; seeds {args.seeds}; {args.facts} facts per leaf; lr {args.lr})"
    )
    summary = {method: result[method] for method in args.methods}
    for method, entry in summary.items():
        print(f"  {method}")
        for leaf, gain in zip(entry["leaves"], entry["gain_per_leaf"], strict=True):
            print(f"    gain {gain:+.3f}  {leaf}")
        print(
            f"    ACC {entry['acc']:.3f} (per seed {entry['acc_per_seed']})  BWT {entry['bwt']:+.3f} "
            f"(per seed {entry['bwt_per_seed']}, 95% CI per seed {entry['bwt_interval_per_seed']})  "
            f"train s {entry['train_seconds']}"
        )
        print(
            f"    general drift from the base (last step, {entry['general_per_seed'][0]['n']} probes): "
            f"KL {entry['general_kl']:.4f} nats/token, agreement {entry['general_agreement']:.3f} "
            f"(per seed KL {[g['kl'] for g in entry['general_per_seed']]}, "
            f"95% CI {[g['kl_interval'] for g in entry['general_per_seed']]})"
        )
    checks = []
    for method, entry in summary.items():
        checks.append((f"{method}: every leaf's gain >= 0.9", min(entry["gain_per_leaf"]) >= 0.9))
    if "replay" in summary:
        checks.append(("replay BWT >= -0.02", summary["replay"]["bwt"] >= -0.02))
    if "naive" in summary:
        checks.append(("naive BWT <= -0.3", summary["naive"]["bwt"] <= -0.3))
    if "replay" in summary and "no_rehearsal" in summary:
        replay, plain = summary["replay"], summary["no_rehearsal"]
        checks.append(("replay general KL <= 0.5 x no_rehearsal's", replay["general_kl"] <= 0.5 * plain["general_kl"]))
        gap = statistics.mean(replay["gain_per_leaf"]) - statistics.mean(plain["gain_per_leaf"])
        checks.append((f"replay mean gain within 0.03 of no_rehearsal's ({gap:+.3f})", abs(gap) <= 0.03))
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {text}")
    return [text for text, ok in checks if not ok]


# ------------------------------------------------------------------------------------------------------ pipeline


def example_repository(work: Path) -> tuple[Path, str]:
    """The example taxonomy's knowledge leaves in one commit, documents stood in for locally (as the demo does);
    reused when ``work`` has it already, so its generated data is too."""
    import demo

    taxonomy = work / "pipeline" / "taxonomy"
    if not (taxonomy / ".git").is_dir():
        demo.new_repository(taxonomy)
        for leaf in PIPELINE_LEAVES:
            demo.copy_leaf(work / "pipeline", taxonomy, leaf)
        demo.commit(taxonomy, "the example taxonomy's knowledge leaves")
    return taxonomy, demo.git(taxonomy, "rev-parse", "HEAD")


def pipeline_generate(work: Path) -> tuple[Path, str, dict]:
    """The example repository with its snapshot generated by the bundled teacher; the generate report."""
    taxonomy, commit = example_repository(work)
    began = time.perf_counter()
    report = lab("generate", *TEACHER, "--allow-local-documents", cwd=taxonomy)
    report["seconds"] = round(time.perf_counter() - began, 1)
    return taxonomy, commit, report


PIPELINE_METHODS = {"lab": [], "qa_only": ["--no-document-samples", "--leaf-floor", "0"]}


def pipeline(args: argparse.Namespace, work: Path) -> dict:
    """Base and trained content metrics per leaf on its human eval items, for each pipeline method."""
    from lab_cli.evaluate.scores import base_scores, eval_items, lineage_scores, origin_interval
    from lab_cli.gitrepo import GitRepo
    from lab_cli.teacher.local_model import resolve_model
    from lab_cli.train.lineage import read_lineage

    taxonomy, commit, generated = pipeline_generate(work)
    base = resolve_model("default")
    result: dict = {"generate_seconds": generated["seconds"], "requests": generated["requests_sent"]}
    for method, options in PIPELINE_METHODS.items():
        out = work / "pipeline" / method
        if not (out / "lab_lineage.json").is_file():
            train = ["--model", str(base), "--data", commit, "--out", str(out), "--preset", "small"]
            train += ["--epochs", str(args.pipeline_epochs), "--seed", str(args.seeds[0]), *options]
            lab("train", *train, cwd=taxonomy)
        lineage = read_lineage(out)
        items = eval_items(GitRepo(taxonomy), lineage.dataset_snapshot)
        before = base_scores((out, lineage), items)  # the base model, cached in this checkpoint's lineage
        trained = lineage_scores(out, lineage, items)
        rows = []
        for key, score in sorted(trained.items(), key=lambda item: item[1].leaf):
            row = {
                "leaf": score.leaf,
                "kind": "knowledge" if score.leaf.startswith("knowledge/") else "skill",
                "n_eval_human": score.by_origin["seed"].n if "seed" in score.by_origin else 0,
            }
            for which, part in (("base", before[key]), ("trained", score)):
                for metric in ("fact_recall", "cond_gain"):
                    row[f"{which}_{metric}"] = _mean(part, "seed", metric)
                    row[f"{which}_{metric}_ci"] = origin_interval(part, "seed", metric)
            rows.append(row)
        phases = [p for p in lineage.phases if p["status"] == "done"]
        result[method] = {
            "per_leaf": rows,
            "train_seconds": train_seconds([out]),
            "samples_per_epoch": [p["metrics"]["samples_per_epoch"] for p in phases],
            "epochs_run": [p["metrics"].get("epochs_run") for p in phases],
            "general": general_drift(out),
        }
        result[method]["general_kl"] = result[method]["general"]["kl"]
        result[method]["general_agreement"] = result[method]["general"]["agreement"]
    return result


def _mean(score, origin: str, metric: str) -> float | None:
    value = score.mean(metric, origin)
    return round(value, 4) if value is not None else None


def print_pipeline(result: dict, args: argparse.Namespace) -> None:
    """The pipeline table: per leaf and method, base → trained key-fact recall and conditional gain."""
    print(
        f"\npipeline (human held-out seed pairs only; generation {result['generate_seconds']} s, "
        f"{result['requests']} requests)"
    )
    print(f"  {'method':8} {'leaf':50} {'n':>3} {'fact recall base → trained':>30} {'cond. gain base → trained':>30}")
    for method in PIPELINE_METHODS:
        for row in result[method]["per_leaf"]:
            recall = _cell(row, "fact_recall")
            gain = _cell(row, "cond_gain")
            print(f"  {method:8} {row['leaf']:50} {row['n_eval_human']:>3} {recall:>30} {gain:>30}")
        print(
            f"  {method:8} trained {result[method]['train_seconds']} s; samples per epoch by phase "
            f"{result[method]['samples_per_epoch']}; epochs {result[method]['epochs_run']}; general drift "
            f"KL {result[method]['general_kl']:.4f} {result[method]['general']['kl_interval']}, "
            f"agreement {result[method]['general_agreement']:.3f}"
        )


def _cell(row: dict, name: str) -> str:
    def one(which: str) -> str:
        value, ci = row[f"{which}_{name}"], row[f"{which}_{name}_ci"]
        if value is None:
            return "-"
        return f"{value:.2f} [{ci[0]:.2f},{ci[1]:.2f}]" if ci else f"{value:.2f}"

    return f"{one('base')} → {one('trained')}"


# ------------------------------------------------------------------------------------------------------ document

DOCUMENT_LEAF = "knowledge/geography/islands"
DOCUMENT_METHODS = {"documents": [], "qa_only": ["--no-document-samples"]}  # the same floor for both
DOCUMENT_METRICS = ("exact_match", "fact_recall", "cond_gain")


def document_suite(facts: int) -> tuple[list, str]:
    """One leaf of made-up island capitals (all different), each stated once in its document. The first half are
    also trained as Q/A in three phrasings (the held-out fourth: ``origin: seed``); the second half are only in
    the document (their held-out question: ``origin: document``)."""
    from tasks import RELATIONS, _names

    from tests.helpers.snapshots import QA

    rng = random.Random(4321)
    templates, capitals = RELATIONS["knowledge/geography/capitals"]
    sentences, qas = [], []
    for index, (island, capital) in enumerate(zip(_names(rng, facts, set()), rng.sample(capitals, facts), strict=True)):
        sentences.append(f"The island of {island} has its capital at {capital}.")
        trained = index < facts // 2
        for number, template in enumerate(templates):
            question = template.format(e=island)
            if number == index % len(templates):
                qas.append(QA(question, capital, split="eval", origin="seed" if trained else "document"))
            elif trained:
                qas.append(QA(question, capital))
    return qas, " ".join(sentences)


def document_seed(seed: int, args: argparse.Namespace, work: Path) -> dict:
    """Both document methods for one seed: base and trained means per origin and metric, with intervals."""
    from lab_cli.evaluate.scores import base_scores, eval_items, lineage_scores, origin_interval
    from lab_cli.gitrepo import GitRepo
    from lab_cli.teacher.local_model import resolve_model
    from lab_cli.train.lineage import read_lineage
    from tests.helpers.gitrepos import Repo
    from tests.helpers.snapshots import commit_leaves

    folder = work / f"document-{seed}"
    fresh = not (folder / "taxonomy" / ".git").is_dir()
    repo = Repo(folder / "taxonomy")
    if fresh:
        qas, text = document_suite(args.document_facts)
        commit_leaves(repo, {DOCUMENT_LEAF: qas}, "islands", documents={DOCUMENT_LEAF: text})
    commit = repo.git("rev-parse", "HEAD").strip()
    base = resolve_model("default")
    result = {}
    for method, options in DOCUMENT_METHODS.items():
        out = folder / method
        if not (out / "lab_lineage.json").is_file():
            train = ["--model", str(base), "--data", commit, "--out", str(out), "--preset", "small"]
            lab("train", *train, "--lr", str(args.lr), "--seed", str(seed), "-C", str(repo.top), *options)
        lineage = read_lineage(out)
        items = eval_items(GitRepo(repo.top), lineage.dataset_snapshot)
        (before,) = base_scores((out, lineage), items).values()
        (after,) = lineage_scores(out, lineage, items).values()
        entry: dict = {"train_seconds": train_seconds([out])}
        for origin in ("seed", "document"):
            for metric in DOCUMENT_METRICS:
                entry[f"{origin}_{metric}"] = {
                    "n": len([v for v in after.values(metric, origin) if v is not None]),
                    "base": _mean(before, origin, metric),
                    "trained": _mean(after, origin, metric),
                    "trained_ci": origin_interval(after, origin, metric),
                }
        phases = [p for p in lineage.phases if p["status"] == "done"]
        entry["phases"] = [p["name"] for p in phases]
        entry["samples_per_epoch"] = [p["metrics"]["samples_per_epoch"] for p in phases]
        entry["epochs_run"] = [p["metrics"].get("epochs_run") for p in phases]
        result[method] = entry
    return result


def documents(args: argparse.Namespace, work: Path) -> dict:
    """Per method, over seeds: the mean gain over the base on facts trained as Q/A (``seed``) and on facts only
    in the document (``document``), per metric; each seed's entries beside."""
    runs = {str(seed): document_seed(seed, args, work) for seed in args.seeds}
    summary: dict = {}
    for method in DOCUMENT_METHODS:
        summary[method] = {}
        for origin in ("seed", "document"):
            for metric in DOCUMENT_METRICS:
                cells = [run[method][f"{origin}_{metric}"] for run in runs.values()]
                gains = [c["trained"] - c["base"] for c in cells if c["trained"] is not None and c["base"] is not None]
                summary[method][f"{origin}_{metric}_gain"] = round(statistics.mean(gains), 4) if gains else None
    return {**summary, "per_seed": runs}


def print_document(result: dict, args: argparse.Namespace) -> None:
    """The document table: per method, the gain on Q/A-trained facts and on document-only facts."""
    print(
        f"\ndocument ({args.document_facts} made-up island capitals in one document; half also trained as Q/A; "
        f"held-out phrasings; seeds {args.seeds}; lr {args.lr})"
    )
    for method in DOCUMENT_METHODS:
        cells = "  ".join(
            f"{origin}/{metric} {result[method][f'{origin}_{metric}_gain']:+.3f}"
            for origin in ("seed", "document")
            for metric in DOCUMENT_METRICS
            if result[method][f"{origin}_{metric}_gain"] is not None
        )
        seconds = [run[method]["train_seconds"] for run in result["per_seed"].values()]
        print(f"  {method:10} gain  {cells}  train s {seconds}")
        for seed, run in result["per_seed"].items():
            for origin in ("seed", "document"):
                cell = run[method][f"{origin}_exact_match"]
                print(
                    f"    seed {seed} {origin:8} n {cell['n']}  EM {cell['base']} → {cell['trained']} "
                    f"{cell['trained_ci']}"
                )


def earlier_results(path: Path, running: list[str]) -> dict:
    """The settings of an existing results file that this run does not rerun (each with the arguments and date
    of the run that measured it), so ``--settings`` can refresh one setting without dropping the others."""
    if not path.is_file():
        return {"runs": {}}
    earlier = json.loads(path.read_text())
    runs = earlier.get("runs") or {
        setting: {"args": earlier.get("args", {}), "seconds": earlier.get("wall_seconds")}
        for setting in SETTINGS
        if setting in earlier
    }
    kept: dict = {"runs": {setting: run for setting, run in runs.items() if setting not in running}}
    for setting in SETTINGS:
        if setting not in running and setting in earlier:
            kept[setting] = earlier[setting]
            if f"{setting}_per_seed" in earlier:
                kept[f"{setting}_per_seed"] = earlier[f"{setting}_per_seed"]
    return kept


SETTINGS = ("controlled", "pipeline", "document")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="+", choices=SETTINGS, default=["controlled", "pipeline"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument(
        "--methods", nargs="+", choices=tuple(CONTROLLED_METHODS), default=["replay", "no_rehearsal", "naive"]
    )
    parser.add_argument("--facts", type=int, default=8, help="made-up facts per knowledge leaf (controlled)")
    parser.add_argument("--skill-samples", type=int, default=40, help="samples of the skill leaf (controlled)")
    parser.add_argument("--lr", type=float, default=2e-4, help="peak learning rate (controlled, document)")
    parser.add_argument("--replay-ratio", type=float, default=None, help="replay ratio (controlled; default: preset's)")
    # 2: the last is the rate's decay; at 3 (with a cosine) the table was the same within its intervals
    parser.add_argument("--pipeline-epochs", type=int, default=2, help="epoch cap of each phase (pipeline)")
    parser.add_argument("--document-facts", type=int, default=8, help="made-up facts in the document (document)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder, reused (default: a new one)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args()
    work = (args.work or Path(tempfile.mkdtemp(prefix="learning-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    document = earlier_results(args.out / "results.json", args.settings)
    missed: list[str] = []
    began = time.perf_counter()
    for setting in SETTINGS:
        if setting not in args.settings:
            continue
        started = time.perf_counter()
        measure = {"controlled": controlled, "pipeline": pipeline, "document": documents}[setting]
        document[setting] = measure(args, work)
        printer = {"controlled": print_controlled, "pipeline": print_pipeline, "document": print_document}[setting]
        missed += printer(document[setting], args) or []
        if setting != "pipeline":  # the issue's shape: controlled = {method: summary}; each seed's reports beside
            document[f"{setting}_per_seed"] = document[setting].pop("per_seed")
        document["runs"][setting] = {
            "date": time.strftime("%Y-%m-%d"),
            "seconds": round(time.perf_counter() - started, 1),
            "args": {k: str(v) for k, v in vars(args).items()},
        }
    document["wall_seconds"] = round(time.perf_counter() - began, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwall time {document['wall_seconds']:.0f} s; wrote {args.out / 'results.json'} (work folder {work})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
