"""Builders of qna.yaml texts and leaf folders for tests."""

from __future__ import annotations

from pathlib import Path

ATTRIBUTION = "Title of work: test\nLink to work: https://example.org\nLicense of the work: CC-BY-4.0\n"


def skill_text(examples: int = 5, version: int = 3, context: bool = False, created_by: str = "tester") -> str:
    """A valid compositional skill qna.yaml with ``examples`` seed examples."""
    lines = [
        f"version: {version}",
        f"created_by: {created_by}",
        "task_description: Teach something useful.",
        "seed_examples:",
    ]
    for index in range(examples):
        if context:
            lines.append(f"  - context: Context number {index}.")
            lines.append(f"    question: What is question {index}?")
        else:
            lines.append(f"  - question: What is question {index}?")
        lines.append(f"    answer: It is answer {index}.")
    return "\n".join(lines) + "\n"


def knowledge_text(examples: int = 5, qas: int = 3) -> str:
    """A valid knowledge v3 qna.yaml."""
    lines = [
        "version: 3",
        "created_by: tester",
        "domain: astronomy",
        "document_outline: Facts about stars.",
        "document:",
        "  repo: https://github.com/example/docs",
        "  commit: 0123456789abcdef",
        "  patterns:",
        "    - stars.md",
        "seed_examples:",
    ]
    for index in range(examples):
        lines.append(f"  - context: Star {index} is bright.")
        lines.append("    questions_and_answers:")
        for qa in range(qas):
            lines.append(f"      - question: Question {index}.{qa}?")
            lines.append(f"        answer: Answer {index}.{qa}.")
    return "\n".join(lines) + "\n"


def write_leaf(root: Path, leaf: str, text: str | bytes, attribution: str | None = ATTRIBUTION) -> Path:
    """Write ``leaf/qna.yaml`` (and ``attribution.txt``) under ``root``; return the qna.yaml path."""
    folder = root / leaf
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "qna.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    if attribution is not None:
        (folder / "attribution.txt").write_text(attribution, encoding="utf-8")
    return path
