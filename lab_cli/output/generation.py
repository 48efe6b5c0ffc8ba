"""What ``lab generate`` shows a person: the plan, a live progress display (overall and per leaf: requests,
samples kept, drops, ETA), and the final table."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from lab_cli.generate.plan import LeafPlan, Plan
from lab_cli.generate.run import GenerateReport, LeafResult
from lab_cli.output.escape import terminal


class GenerationProgress:
    """A ``Reporter``: one bar for all requests (estimated up front, corrected as leaves finish), one per
    leaf in flight, and a running line of samples kept and drops by reason."""

    def __init__(self, plan: Plan, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        pending = plan.by_action("generate")
        self.overall = self.progress.add_task("requests", total=sum(i.requests for i in pending), note="")
        self.leaves: dict[str, tuple[TaskID, int]] = {}  # leaf → its row and its estimated requests
        self.total = sum(i.requests for i in pending)
        self.kept = 0
        self.drops: Counter = Counter()
        self.done = 0
        self.count = len(pending)

    def __enter__(self) -> GenerationProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def leaf_started(self, item: LeafPlan) -> None:
        """Show a row for the leaf."""
        row = self.progress.add_task(f"  {terminal(item.leaf)}", total=item.requests, note="")
        self.leaves[item.leaf] = (row, item.requests)

    def answered(self, item: LeafPlan, count: int) -> None:
        """Advance the leaf's row and the overall bar."""
        if count:
            self.progress.advance(self.leaves[item.leaf][0], count)
            self.progress.advance(self.overall, count)

    def leaf_finished(self, item: LeafPlan, result: LeafResult) -> None:
        """Replace the leaf's row by its result in the totals; the estimate gives way to the real count."""
        row, estimate = self.leaves.pop(item.leaf)
        self.total += result.sent + result.reused - estimate
        self.progress.update(self.overall, total=self.total)
        self.progress.remove_task(row)
        self.done += 1
        self.kept += result.generated
        self.drops.update(result.drops)
        worst = ", ".join(f"{reason} {count}" for reason, count in self.drops.most_common(3))
        self.progress.update(
            self.overall,
            description=f"leaves {self.done}/{self.count}",
            note=f"kept {self.kept}" + (f", dropped: {worst}" if worst else ""),
        )


def report_console(stderr: bool = False) -> Console:
    """A console for reports: the terminal's width, or wide enough for leaf paths when piped."""
    import sys

    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=None if stream.isatty() else 160)


def print_plan(console: Console, plan: Plan) -> None:
    """The plan as a table (``--dry-run``), then totals."""
    table = Table("leaf", "kind", "change", "action", "key", "est. requests", box=None)
    for item in plan.leaves:
        table.add_row(
            terminal(item.leaf),
            item.kind,
            item.change,
            _action(item.action),
            item.key[:12],
            str(item.requests) if item.action == "generate" else "",
        )
    console.print(table)
    _print_notes(console, plan)
    total = sum(item.requests for item in plan.by_action("generate"))
    console.print(
        f"{len(plan.by_action('generate'))} to generate (≤ {total} requests to {terminal(plan.teacher)}), "
        f"{len(plan.by_action('cached'))} cached, {len(plan.by_action('missing'))} missing, "
        f"{len(plan.by_action('invalid'))} invalid"
        + (f", {len(plan.by_action('unavailable'))} document unavailable" if plan.by_action("unavailable") else "")
    )


_STYLES = {"generate": "bold", "cached": "green", "missing": "yellow", "invalid": "red", "unavailable": "yellow"}


def print_report(console: Console, report: GenerateReport) -> None:
    """The final table: per generated leaf, requests, samples and drops; then the snapshot line."""
    if report.results:
        table = Table("leaf", "sent", "reused", "seeds", "generated", "dropped (by reason)", box=None)
        for result in report.results:
            drops = ", ".join(f"{reason} {count}" for reason, count in sorted(result.drops.items()))
            table.add_row(
                terminal(result.leaf),
                str(result.sent),
                str(result.reused),
                str(result.seeds),
                str(result.generated),
                terminal(drops),
            )
        console.print(table)
    _print_notes(console, report.plan)
    plan = report.plan
    sent = sum(result.sent for result in report.results)
    console.print(
        f"{len(report.results)} leaves generated ({sent} requests sent), "
        f"{len(plan.by_action('cached'))} reused from the cache"
    )
    if report.snapshot:
        console.print(f"dataset snapshot {report.snapshot[:12]} recorded for taxonomy commit {plan.commit[:12]}")
    else:
        console.print(f"[yellow]no dataset snapshot recorded:[/] {terminal(report.not_recorded)}")


def _action(action: str) -> str:
    return f"[{_STYLES[action]}]{action}[/]"


def _print_notes(console: Console, plan: Plan) -> None:
    for item in plan.by_action("invalid"):
        console.print(f"[red]invalid[/] {terminal(item.leaf)}: {terminal(item.problem)}")
    for item in plan.by_action("unavailable"):  # valid leaves: offline, or the document host is down
        console.print(f"[yellow]unavailable[/] {terminal(item.leaf)}: {terminal(item.problem)}")
    if plan.deleted:
        console.print(f"deleted since {plan.base and plan.base[:12]}: {terminal(', '.join(plan.deleted))}")
    if plan.uncommitted:
        console.print(
            f"[yellow]note:[/] uncommitted changes in {len(plan.uncommitted)} leaf files are not generated; "
            "lab generate reads commits — commit them first"
        )
