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


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of real taxonomy files with expected verdicts (``LAB_CORPUS`` overrides)."""
    path = Path(os.environ.get("LAB_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
    if not (path / "expected.tsv").exists():
        pytest.skip(f"shared corpus not found at {path} (set LAB_CORPUS)")
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
