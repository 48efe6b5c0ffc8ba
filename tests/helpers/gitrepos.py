"""A real git repository in a temporary folder, driven with the git command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers.leaves import ATTRIBUTION, write_leaf


class Repo:
    """A scratch git work tree with helpers to write leaves and commit."""

    def __init__(self, top: Path) -> None:
        self.top = top
        top.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "test@example.org")
        self.git("config", "user.name", "Test")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        """Run git in the work tree; its output."""
        return subprocess.run(["git", *args], cwd=self.top, check=True, capture_output=True, text=True).stdout

    def leaf(self, leaf: str, text: str, attribution: str | None = ATTRIBUTION) -> Path:
        """Write a leaf (not staged)."""
        return write_leaf(self.top, leaf, text, attribution)

    def commit(self, message: str = "change") -> str:
        """Stage everything and commit; the new commit id."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()
