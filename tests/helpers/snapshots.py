"""Taxonomy commits with dataset snapshots built directly from samples (no generation), for training tests."""

from __future__ import annotations

from dataclasses import dataclass

from lab_cli.datasets.keys import GenerationSpec, generation_key, leaf_fingerprint, sample_split
from lab_cli.datasets.snapshot import LeafData, default_store, write_snapshot
from lab_cli.documents.chunk import chunk_text
from lab_cli.generate.document_samples import document_samples
from lab_cli.generate.run import identified
from lab_cli.gitrepo import GitRepo
from tests.helpers.gitrepos import Repo
from tests.helpers.leaves import knowledge_text, skill_text

SPEC = GenerationSpec("direct/v1", ("test",), "hand-written", (), seed=0, scale=1)


@dataclass(frozen=True)
class QA:
    """One question and answer of a leaf; ``split`` forces the split by choosing the sample id."""

    question: str
    answer: str
    length: str = "short"
    split: str = "train"
    origin: str = "generated"  # seed (human-written), generated or document


def sample_id(key: str, index: int, split: str) -> str:
    """An id whose hash puts the sample in ``split`` (the split is a function of the id)."""
    attempt = 0
    while sample_split(f"{key}-{index}-{attempt}") != split:
        attempt += 1
    return f"{key}-{index}-{attempt}"


def samples(leaf: str, kind: str, key: str, commit: str, qas: list[QA]) -> list[dict]:
    """Samples of one leaf in the contract ``lab generate`` writes."""
    return [
        {
            "messages": [{"role": "user", "content": qa.question}, {"role": "assistant", "content": qa.answer}],
            "metadata": {
                "id": sample_id(key, index, qa.split),
                "leaf": leaf,
                "kind": kind,
                "length": qa.length,
                "origin": qa.origin,
                "generation_key": key,
                "taxonomy_commit": commit,
                "split": qa.split,
            },
        }
        for index, qa in enumerate(qas)
    ]


def with_document(leaf: str, key: str, commit: str, rows: list[dict], document: str) -> list[dict]:
    """``rows`` plus the document samples ``lab generate`` makes from ``document``'s chunks (each trained pair
    belongs to the first chunk that states its answer)."""
    chunks = chunk_text(document)
    for row in rows:
        answer = row["messages"][-1]["content"]
        row["metadata"]["chunk"] = next((i for i, chunk in enumerate(chunks) if answer in chunk), None)
    metadata = {"leaf": leaf, "kind": "knowledge", "generation_key": key, "taxonomy_commit": commit}
    topic = {"document_outline": leaf.rsplit("/", 1)[-1]}
    return rows + identified(document_samples(topic, chunks, rows, metadata), key)


def commit_leaves(
    repo: Repo, leaves: dict[str, list[QA]], message: str = "add leaves", documents: dict[str, str] | None = None
) -> tuple[str, str]:
    """Write each leaf (knowledge when under ``knowledge/``), commit, record its snapshot; (commit, snapshot).
    A knowledge leaf with a text in ``documents`` also gets that document's samples."""
    for leaf in leaves:
        knowledge = leaf.startswith("knowledge/")
        author = leaf.replace("/", "-")  # distinct texts: identical leaves would share a generation key
        text = (
            knowledge_text().replace("created_by: tester", f"created_by: {author}")
            if knowledge
            else skill_text(created_by=author)
        )
        repo.leaf(leaf, text)
    commit = repo.commit(message)
    git = GitRepo(repo.top)
    store = default_store(git)
    records = []
    for path in git.tree_paths(commit):
        if not path.endswith("/qna.yaml"):
            continue
        leaf = path.rsplit("/", 1)[0]
        kind = "knowledge" if leaf.startswith("knowledge/") else "freeform_skill"
        fingerprint = leaf_fingerprint(
            git.read_file_at(commit, path), git.read_file_at(commit, f"{leaf}/attribution.txt")
        )
        key = generation_key(fingerprint, SPEC)
        if not store.is_complete(key):
            rows = samples(leaf, kind, key, commit, leaves[leaf])
            if documents and leaf in documents:
                rows = with_document(leaf, key, commit, rows, documents[leaf])
            store.append(key, rows)
            store.mark_complete(key)
        records.append(LeafData(leaf, kind, key, {"pipeline": SPEC.pipeline}))
    return commit, write_snapshot(git, store, commit, records)
