"""The dataset bot's job summary: one Markdown section per taxonomy commit ``lab generate`` ran for, rendered by
lab so the workflow only appends text to ``$GITHUB_STEP_SUMMARY``. Leaf paths, drop reasons and problems come
from the repository, so every one of them goes through ``markdown``/``markdown_code``."""

from __future__ import annotations

from collections import Counter

from lab_cli.generate.run import GenerateReport
from lab_cli.output.escape import markdown, markdown_code

_MAX_LISTED = 50


def generation_summary(report: GenerateReport) -> str:
    """The section of one commit: the snapshot (or why none), totals, then a row per generated leaf."""
    plan, results = report.plan, report.results
    drops: Counter[str] = Counter()
    for result in results:
        drops.update(result.drops)
    recorded = (
        f"✅ snapshot `{report.snapshot[:12]}` recorded"
        if report.snapshot
        else f"⚠️ no snapshot recorded: {markdown(report.not_recorded)}"
    )
    lines = [f"### lab dataset of `{plan.commit[:12]}` — {recorded}", ""]
    lines.append(
        f"{len(results)} leaves generated, {len(plan.by_action('cached'))} reused, "
        f"{len(plan.by_action('missing'))} missing, {len(plan.by_action('invalid'))} invalid · "
        f"requests: {sum(r.sent for r in results)} sent, {sum(r.reused for r in results)} reused from the log · "
        f"samples: {sum(r.seeds for r in results)} seed, {sum(r.generated for r in results)} generated, "
        f"{sum(r.documents for r in results)} document · teacher {markdown_code(plan.teacher)}"
    )
    if drops:
        lines += ["", "Dropped: " + ", ".join(f"{markdown(reason)} {count}" for reason, count in drops.most_common())]
    if results:
        lines += [
            "",
            "| leaf | sent | reused | seed | generated | document | dropped |",
            "|---|---|---|---|---|---|---|",
        ]
        for result in results[:_MAX_LISTED]:
            dropped = ", ".join(f"{markdown(reason)} {count}" for reason, count in sorted(result.drops.items()))
            lines.append(
                f"| {markdown_code(result.leaf)} | {result.sent} | {result.reused} | {result.seeds} | "
                f"{result.generated} | {result.documents} | {dropped or '–'} |"
            )
        if len(results) > _MAX_LISTED:
            lines.append(f"| … and {len(results) - _MAX_LISTED} more | | | | | | |")
    for item in plan.by_action("invalid")[:_MAX_LISTED]:
        lines += ["", f"- invalid {markdown_code(item.leaf)}: {markdown(item.problem)}"]
    if plan.deleted:
        lines += ["", f"Deleted leaves: {', '.join(markdown_code(leaf) for leaf in plan.deleted[:_MAX_LISTED])}"]
    return "\n".join(lines) + "\n\n"
