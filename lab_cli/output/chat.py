"""What ``lab chat`` says on start: which checkpoint answers, what it was trained on, and its system prompt."""

from __future__ import annotations

from lab_cli.chat.session import ModelCard
from lab_cli.output.escape import terminal
from lab_cli.text import visible

SHOWN_LEAVES = 5


def card_lines(card: ModelCard) -> list[str]:
    """Rich-markup lines naming the model, its taxonomy commit and leaves (repository text escaped)."""
    lines = [f"[bold]lab chat[/] with [bold]{terminal(card.name)}[/] ({terminal(str(card.path))})"]
    if card.lineage is None:
        lines.append("  not trained by lab (no lab_lineage.json): the model as it was made")
    else:
        shown = ", ".join(terminal(leaf) for leaf in card.leaves[:SHOWN_LEAVES])
        more = f" and {len(card.leaves) - SHOWN_LEAVES} more" if len(card.leaves) > SHOWN_LEAVES else ""
        lines.append(f"  trained at taxonomy commit {card.lineage.taxonomy_commit[:12]} on {len(card.leaves)} leaf(s)")
        if shown:
            lines.append(f"  leaves: {shown}{more}")
    prompt = terminal(card.system_prompt) if card.system_prompt else "(none)"
    lines.append(f"  system prompt ({card.system_prompt_source}): {prompt}")
    return lines


def for_terminal(text: str) -> str:
    """A piece of a model's answer for a terminal: line breaks kept, every other control character (an escape
    sequence a model learned from its data) shown as an escape."""
    return "\n".join(visible(line) for line in text.split("\n"))
