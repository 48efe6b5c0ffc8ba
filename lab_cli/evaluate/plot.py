"""The forgetting matrix as a heat-map image."""

from __future__ import annotations

from pathlib import Path

from lab_cli.errors import UsageError
from lab_cli.evaluate.matrix import ForgettingReport


def plot_matrices(panels: list[tuple[str, ForgettingReport]], path: Path) -> Path:
    """Draw each R (rows: the start, then after step i; columns: leaf group j) side by side with its values, ACC,
    BWT and mean gain, and below each, when measured, its general drift per step."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as problem:
        raise UsageError("--plot needs matplotlib: pip install -e .[train]") from problem
    size, drift = len(panels[0][1].matrix), any(report.drift for _, report in panels)
    figure, grid = plt.subplots(
        2 if drift else 1,
        len(panels),
        figsize=(len(panels) * (1.2 * size + 2.2), 1.0 * size + 3.0 + (2.4 if drift else 0.0)),
        squeeze=False,
        height_ratios=[1.0 * size + 3.0, 2.4] if drift else None,
    )
    for axes, (title, report) in zip(grid[0], panels, strict=True):
        image = _panel(axes, title, report)
    figure.colorbar(image, ax=list(grid[0]), fraction=0.03)
    for axes, (_, report) in zip(grid[1] if drift else [], panels, strict=True):
        _drift_panel(axes, report)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return path


def _panel(axes, title: str, report: ForgettingReport):
    size = len(report.matrix)
    rows = ([report.base] if report.base is not None else []) + report.matrix  # row 0 first: where it started
    labels = (["start"] if report.base is not None else []) + [
        f"after {i + 1}\n{step[:7]}" for i, step in enumerate(report.steps)
    ]
    values = [value for row in rows for value in row]
    low, high = (0.0, 1.0) if min(values) >= 0.0 and max(values) <= 1.0 else (min(values), max(values))
    image = axes.imshow(rows, vmin=low, vmax=high, cmap="viridis")
    middle = low + 0.6 * (high - low)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            axes.text(j, i, f"{value:.2f}", ha="center", va="center", color="white" if value < middle else "black")
    axes.set_xticks(range(size), [f"group {j + 1}" for j in range(size)])
    axes.set_yticks(range(len(rows)), labels)
    axes.set_xlabel("leaves new at step j")
    heading = f"ACC {report.acc:.3f}  BWT {report.bwt:+.3f}\nforgetting {report.forgetting:.3f} ({report.metric})"
    if report.mean_gain is not None:
        heading += f"\nmean gain over the start {report.mean_gain:+.3f}"
    axes.set_title(f"{title}\n{heading}" if title else heading, fontsize=9)
    return image


def _drift_panel(axes, report: ForgettingReport) -> None:
    """General drift per step (0 = the start): KL on the left axis, agreement on the right."""
    if not report.drift:
        axes.set_axis_off()
        return
    steps = list(range(len(report.drift) + 1))
    kl = [0.0] + [step.kl for step in report.drift]
    agreement = [1.0] + [step.agreement for step in report.drift]
    axes.plot(steps, kl, "o-", color="tab:red", label="KL(base ‖ checkpoint)")
    axes.set_ylabel("KL, nats/token", color="tab:red", fontsize=8)
    axes.set_xticks(steps, ["start"] + [f"after {i}" for i in steps[1:]], fontsize=8)
    other = axes.twinx()
    other.plot(steps, agreement, "s--", color="tab:blue", label="agreement (ROUGE-L)")
    other.set_ylim(0.0, 1.05)
    other.set_ylabel("agreement", color="tab:blue", fontsize=8)
    axes.set_title(f"general drift from the start ({report.drift[0].n} probe prompts)", fontsize=9)


def plot_matrix(report: ForgettingReport, path: Path, title: str = "") -> Path:
    """Draw one R as a heat-map; write ``path``."""
    return plot_matrices([(title, report)], path)
