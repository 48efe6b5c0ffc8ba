"""The real taxonomy's pull requests: lab diff agrees with git on every unmerged head of the shared bundle.

The full run over all 650 heads is ``benchmarks/pr_agreement.py``; this keeps a quick sample in the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.pr_agreement import BUNDLE, clone, compare, pr_refs, unmerged


def test_lab_diff_agrees_with_git_on_real_pull_requests(tmp_path: Path) -> None:
    if not BUNDLE.exists():
        pytest.skip(f"the shared taxonomy bundle is not at {BUNDLE} (see ../shared/taxonomy-repo/README.md)")
    top = clone(BUNDLE, tmp_path)
    result = compare(top, unmerged(top, pr_refs(top)))  # merged heads have nothing to compare
    assert result["disagreements"] == [] and result["leaves"] >= 20
    assert 3 not in result["codes"] and sum(result["codes"].values()) == result["refs"]
