"""Lineage and journal records as lab reads them back: damaged ones and looping chains are clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab_cli.errors import TrainError
from lab_cli.train.journal import JOURNAL, read_journal
from lab_cli.train.lineage import LINEAGE, Lineage, lineage_chain, read_lineage, write_lineage


def lineage(parent: Path | None) -> Lineage:
    """A small lineage naming ``parent``."""
    return Lineage("base", str(parent) if parent else None, "repo", "c" * 40, "s" * 40, ("k",), {}, (), {})


def test_a_chain_reads_oldest_first_and_a_loop_is_an_error(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    write_lineage(first, lineage(None))
    write_lineage(second, lineage(first))
    assert [path for path, _ in lineage_chain(second)] == [first, second]
    write_lineage(first, lineage(second))  # first now names second as its parent: a loop
    with pytest.raises(TrainError, match=r"the lineage of .*second loops back to .*second; fix the parent"):
        lineage_chain(second)


@pytest.mark.parametrize(
    "content",
    [
        {"schema_version": 1, "base_model": "base"},  # fields missing
        {"schema_version": 1, **json.loads(json.dumps(lineage(None).__dict__)), "extra": 1},  # a field unknown
        {"schema_version": 1, **json.loads(json.dumps(lineage(None).__dict__)), "parent": 3},  # of another type
    ],
)
def test_a_lineage_of_the_wrong_shape_names_the_file(tmp_path: Path, content: dict) -> None:
    (tmp_path / LINEAGE).write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(TrainError, match=rf"{tmp_path / LINEAGE} is damaged \(unexpected content"):
        read_lineage(tmp_path)


def test_a_journal_of_the_wrong_shape_names_the_file(tmp_path: Path) -> None:
    (tmp_path / JOURNAL).write_text(json.dumps({"schema_version": 1, "request": {}, "phases": [{"x": 1}]}))
    with pytest.raises(TrainError, match=rf"{tmp_path / JOURNAL} is damaged \(unexpected content"):
        read_journal(tmp_path)
