"""Draw the learning benchmark's controlled setting from its ``results.json``: per method, the mean gain on the new
leaves, BWT, and the general drift from the starting model (KL with each seed's 95 % interval, and agreement).

    python benchmarks/learning/plot.py [--results FILE] [--out docs/images/learning.png]

Nothing is measured here: every bar is a number ``run.py`` wrote.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def plot(results: dict, out: Path) -> Path:
    """Write the three-panel figure of the controlled setting to ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    controlled = results["controlled"]
    methods = list(controlled)
    figure, (learned, kept, drift) = plt.subplots(1, 3, figsize=(11, 3.6))
    positions = range(len(methods))
    learned.bar(positions, [statistics.mean(controlled[m]["gain_per_leaf"]) for m in methods], color="tab:green")
    learned.set_title("mean gain on new leaves\n(held-out phrasings; 1 = all learned)", fontsize=9)
    learned.set_ylim(0, 1.05)
    kept.bar(positions, [controlled[m]["bwt"] for m in methods], color="tab:orange")
    kept.axhline(0, color="black", linewidth=0.8)
    kept.set_title("BWT (0 = nothing forgotten)", fontsize=9)
    for seed in range(len(controlled[methods[0]].get("general_per_seed", []))):
        offset = (seed - 0.5) * 0.3
        seeds = [controlled[m]["general_per_seed"][seed] for m in methods]
        kls = [s["kl"] for s in seeds]
        errors = [[s["kl"] - s["kl_interval"][0] for s in seeds], [s["kl_interval"][1] - s["kl"] for s in seeds]]
        drift.bar([p + offset for p in positions], kls, width=0.3, yerr=errors, capsize=3, label=f"seed {seed}")
    drift.set_title("general drift: KL(base ‖ model), nats/token\n(32 probes, 95 % CI; 0 = unchanged)", fontsize=9)
    drift.legend(fontsize=8)
    for position, method in zip(positions, methods, strict=True):
        agreement = f"agreement\n{controlled[method]['general_agreement']:.2f}"
        drift.annotate(agreement, (position, 0), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7)
    for axes in (learned, kept, drift):
        axes.set_xticks(list(positions), methods, fontsize=8)
    date = results.get("runs", {}).get("controlled", {}).get("date", "")
    figure.suptitle(f"SmolLM2-135M, controlled setting, seeds {results['runs']['controlled']['args']['seeds']} {date}")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def main() -> int:
    """Parse the arguments, draw, and say where the image went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results" / "results.json")
    parser.add_argument("--out", type=Path, default=HERE.parents[1] / "docs" / "images" / "learning.png")
    args = parser.parse_args()
    try:
        results = json.loads(args.results.read_text())
    except (OSError, ValueError) as problem:
        print(f"plot: cannot read {args.results}: {problem}", file=sys.stderr)
        return 2
    if "controlled" not in results:
        print(f"plot: {args.results} has no controlled setting; run run.py --settings controlled", file=sys.stderr)
        return 2
    print(f"wrote {plot(results, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
