"""``lab validate --fix`` on real files: comments, key order, quoting and data come through unchanged.

The files are the example taxonomy's and, where ``../shared/corpus`` is present, the corpus's (real leaves of the
public taxonomy, some with lint problems). Each is damaged the ways ``--fix`` repairs (a byte-order mark, CRLF
line breaks, trailing blanks, tab indentation of a comment) and fixed through the real command.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from lab_cli.cli.main import main
from lab_cli.taxonomy.fix import block_scalar_lines, fixed_text, same_data
from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "taxonomy"
EXAMPLES = sorted((REPO_ROOT / "taxonomy").rglob("qna.yaml"))
CORPUS_FILES = sorted(CORPUS.rglob("*.yaml")) if CORPUS.is_dir() else []


def damaged(text: str) -> bytes:
    """``text`` with every problem ``--fix`` repairs: BOM, CRLF, trailing blanks (outside block scalars, where
    they would be data), a tab-indented comment."""
    data_lines = block_scalar_lines(text) or set()
    lines = [line + "  \t" if line and i not in data_lines else line for i, line in enumerate(text.split("\n"))]
    lines.insert(1, "\t# a tab-indented comment")
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8")


def comments(text: str) -> list[str]:
    """Every ``#`` comment's text, in order (a rough cut: enough for files whose strings hold no `` #``)."""
    return [match.group(1).rstrip() for match in re.finditer(r"(?:^|\s)(#.*)$", text, re.MULTILINE)]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_fix_restores_a_damaged_example_leaf_byte_for_byte(path: Path, tmp_path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    target = tmp_path / "knowledge" / "x" / "qna.yaml"
    target.parent.mkdir(parents=True)
    target.write_bytes(damaged(original))
    (target.parent / "attribution.txt").write_text((path.parent / "attribution.txt").read_text())
    main(["validate", "--fix", "-q", str(target)])
    lines = original.split("\n")
    assert target.read_text(encoding="utf-8") == "\n".join([lines[0], "  # a tab-indented comment", *lines[1:]])


def test_fix_keeps_the_corpus_files_data_comments_and_quoting() -> None:
    if not CORPUS_FILES:
        pytest.skip(f"{CORPUS} is absent (the shared corpus is not part of a clone); the example leaves are tested")
    for path in CORPUS_FILES:
        original = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
        fixed = fixed_text(original)
        assert comments(fixed) == comments(original.replace("\r\n", "\n")), path
        assert re.sub(r"\s+", "", fixed) == re.sub(r"\s+", "", original), path  # no quote or key moved
        try:
            data = yaml.safe_load(original)
        except yaml.YAMLError:
            continue  # not YAML before the fix; --fix never claims to repair syntax
        assert yaml.safe_load(fixed) == data, path


def test_blanks_inside_a_block_scalar_are_data_and_stay(tmp_path: Path) -> None:
    target = tmp_path / "compositional_skills" / "x" / "qna.yaml"
    target.parent.mkdir(parents=True)
    for first in ("", "\t# a tab-indented comment, which stops the YAML scanner until it is fixed\n"):
        target.write_text(f"{first}version: 3   \nanswer: |\n  kept two blanks  \n  \tand a tab\nnext: 1 \n")
        main(["validate", "--fix", "-q", str(target)])
        expected = f"{first.replace(chr(9), '  ')}version: 3\nanswer: |\n  kept two blanks  \n  \tand a tab\nnext: 1\n"
        assert target.read_text() == expected
    assert not same_data("a: |\n  x  \n", "a: |\n  x\n") and same_data("a: 1 \n", "a: 1\n")
