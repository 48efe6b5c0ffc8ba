"""Fixtures for generation: a taxonomy repository of 20 leaves (16 freeform, 2 grounded, 2 knowledge whose
document lives in a second local repository) and a scripted teacher on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher
from tests.helpers.scripted_teacher import answer

DOCUMENT = "\n\n".join(
    f"Paragraph {i}. The lighthouse of harbor {i} was built in year {1800 + i} by the guild of {i} keepers, "
    f"and its lamp burned whale oil until the {i}th reform replaced it with kerosene."
    for i in range(12)
)


def freeform(i: int) -> str:
    """A valid freeform skill leaf, unique to ``i``."""
    examples = "".join(
        f"  - question: Write a short note about subject {i} and aspect {j}?\n    answer: A note on {i}/{j}.\n"
        for j in range(5)
    )
    return f"version: 3\ncreated_by: tester\ntask_description: Skill number {i}.\nseed_examples:\n{examples}"


def grounded(i: int) -> str:
    """A valid grounded skill leaf, unique to ``i``."""
    examples = "".join(
        f"  - context: Grounded text {i}.{j} about rivers.\n    question: Summarise text {j}.\n"
        f"    answer: Rivers {i}.{j}.\n"
        for j in range(5)
    )
    return f"version: 3\ncreated_by: tester\ntask_description: Grounded {i}.\nseed_examples:\n{examples}"


def knowledge(i: int, repo_url: str, commit: str) -> str:
    """A valid knowledge v3 leaf whose document is ``lighthouses.md`` of a local repository."""
    examples = "".join(
        f"  - context: Harbor {j} has a lighthouse.\n    questions_and_answers:\n"
        + "".join(
            f"      - question: Leaf {i} question {j}.{k}?\n        answer: Leaf {i} answer {j}.{k}.\n"
            for k in range(3)
        )
        for j in range(5)
    )
    return (
        f"version: 3\ncreated_by: tester\ndomain: history\ndocument_outline: Lighthouses {i}.\n"
        f"document:\n  repo: {repo_url}\n  commit: {commit}\n  patterns:\n    - lighthouses.md\n"
        f"seed_examples:\n{examples}"
    )


@pytest.fixture
def document_repo(tmp_path: Path) -> tuple[str, str]:
    """A local repository holding the knowledge document: (its path as document.repo, the commit)."""
    docs = Repo(tmp_path / "docs")
    (docs.top / "lighthouses.md").write_text(DOCUMENT, encoding="utf-8")
    return str(docs.top), docs.commit("document")


@pytest.fixture
def twenty_leaves(tmp_path: Path, document_repo: tuple[str, str]) -> Repo:
    """A taxonomy repository with 20 leaves in one commit."""
    repo = Repo(tmp_path / "taxonomy")
    for i in range(16):
        repo.leaf(f"compositional_skills/writing/skill_{i:02d}", freeform(i))
    for i in range(2):
        repo.leaf(f"compositional_skills/grounded/summary_{i}", grounded(i))
    for i in range(2):
        repo.leaf(f"knowledge/history/lighthouses_{i}", knowledge(i, *document_repo))
    repo.commit("twenty leaves")
    return repo


@pytest.fixture
def scripted_teacher() -> Iterator[FakeTeacher]:
    """A loopback OpenAI-compatible server answering every shipped pipeline step deterministically."""
    with FakeTeacher(answer=answer) as server:
        yield server


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Document repositories fetched by a test stay in its own cache."""
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
