"""Shared fixtures: a scratch taxonomy root and the shared corpus location."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def taxonomy(tmp_path: Path) -> Path:
    """An empty taxonomy root (a folder with a .git marker, as a work tree has)."""
    root = tmp_path / "taxonomy"
    (root / ".git").mkdir(parents=True)
    return root


AGREEMENT_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "agreement"
"""The project's own agreement corpus: hand-written leaves covering the shared corpus's cases (each kind and
schema version, the versions the reference refuses for knowledge, missing attribution, lint errors, YAML
syntax errors, too few seed examples, names with spaces and ``&``), with the verdicts instructlab-schema 0.4.2
gives them in ``expected.tsv``."""


@pytest.fixture(params=["project", "shared"])
def corpus(request: pytest.FixtureRequest) -> Path:
    """An agreement corpus with expected verdicts: the project's own fixtures (always there), then the shared
    corpus of real taxonomy files as an extra check (``LAB_CORPUS`` overrides its place; skipped, saying
    where it looked, in a clone without ``../shared``)."""
    if request.param == "project":
        return AGREEMENT_FIXTURES
    path = Path(os.environ.get("LAB_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
    if not (path / "expected.tsv").exists():
        pytest.skip(f"shared corpus not found at {path} (an extra check; the project's fixtures ran; set LAB_CORPUS)")
    return path


@pytest.fixture
def repo(tmp_path: Path):
    """A real git repository in a temporary folder."""
    from tests.helpers.gitrepos import Repo

    return Repo(tmp_path / "repo")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-initialised Llama with a locally trained tokenizer, saved like a user's checkpoint."""
    pytest.importorskip("torch", reason="the training extra (torch, transformers) is not installed")
    from tests.helpers.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
