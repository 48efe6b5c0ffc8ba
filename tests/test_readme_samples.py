"""scripts/readme_samples.py: it takes the demo's closing tables and puts them in the README's marked block."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("readme_samples", PROJECT / "scripts" / "readme_samples.py")
assert spec is not None and spec.loader is not None
readme_samples = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_samples)

OUTPUT = f"""== commit 1: add
  lab train: exit 0, 8.1 s
{" " * 41}leaves              samples
commit    changes  valid
a66f5887  3        yes   \n
plot: {PROJECT}/demo-run/forgetting.png
total 104 s (workdir {PROJECT}/demo-run)
"""


def test_the_closing_tables_are_cut_from_the_output_with_project_paths_made_relative() -> None:
    tables = readme_samples.closing_tables(OUTPUT)
    assert tables.splitlines()[0].split() == ["leaves", "samples"] and "lab train" not in tables
    assert tables.endswith("total 104 s (workdir demo-run)") and "plot: demo-run/forgetting.png" in tables
    assert "a66f5887  3        yes\n" in tables  # trailing blanks dropped
    with pytest.raises(ValueError, match="no closing tables"):
        readme_samples.closing_tables("Traceback (most recent call last):\n")


def test_the_readme_block_after_its_marker_is_replaced_and_nothing_else() -> None:
    readme = (PROJECT / "README.md").read_text()
    updated = readme_samples.replace_sample(readme, "demo-quick", "NEW SAMPLE")
    before, _, after = readme.partition("<!-- sample: demo-quick -->\n```text\n")
    assert updated.startswith(before) and "<!-- sample: demo-quick -->\n```text\nNEW SAMPLE\n```" in updated
    assert updated.endswith(after[after.index("\n```") :])
    with pytest.raises(ValueError, match="no '<!-- sample: demo-missing -->' marker"):
        readme_samples.replace_sample(readme, "demo-missing", "x")
