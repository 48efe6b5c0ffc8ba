"""Hostile input: every case is a clear error on that file, never a crash, a hang or a read outside the root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab_cli.taxonomy.validator import validate_paths
from tests.helpers.leaves import skill_text, write_leaf


def _only_error(root: Path):
    [report] = validate_paths([root]).files
    assert report.errors, "expected an error"
    return report.errors


def test_symlink_leaving_the_root(taxonomy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(skill_text())
    folder = taxonomy / "compositional_skills" / "a"
    folder.mkdir(parents=True)
    (folder / "qna.yaml").symlink_to(secret)
    [error] = _only_error(taxonomy)
    assert error.rule == "unsafe-path" and "outside" in error.message


def test_symlinked_folder_is_not_entered(taxonomy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_leaf(outside, "b", "broken: [\n")
    (taxonomy / "compositional_skills").mkdir()
    (taxonomy / "compositional_skills" / "linked").symlink_to(outside, target_is_directory=True)
    assert validate_paths([taxonomy]).files == []


def test_huge_file_is_refused_without_reading_it(taxonomy: Path) -> None:
    path = write_leaf(taxonomy, "compositional_skills/a", "")
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    [error] = _only_error(taxonomy)
    assert error.rule == "file-too-large" and "52,428,800 bytes" in error.message


BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", "version: 3\n" + BOMB)
    [error] = _only_error(taxonomy)  # one error, not one per alias; nothing was expanded to be judged
    assert error.rule == "yaml-bomb"


def test_small_aliases_are_still_judged(taxonomy: Path) -> None:
    text = skill_text().replace("created_by: tester", "created_by: &who tester") + "extra: *who\n"
    write_leaf(taxonomy, "compositional_skills/a", text)
    rules = {e.rule for e in _only_error(taxonomy)}
    assert rules == {"anchors", "schema"}


def test_deep_nesting(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    [error] = _only_error(taxonomy)
    assert error.rule == "too-deep"


def test_deep_block_nesting(taxonomy: Path) -> None:
    text = "".join("  " * depth + f"k{depth}:\n" for depth in range(500))
    write_leaf(taxonomy, "compositional_skills/a", text)
    assert "too-deep" in {e.rule for e in _only_error(taxonomy)}


def test_non_utf8_bytes(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", b"version: 3\ncreated_by: caf\xe9\n")
    [error] = _only_error(taxonomy)
    assert (error.line, error.column, error.rule) == (2, 16, "encoding")


def test_utf16_file(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", skill_text().encode("utf-16"))
    [error] = _only_error(taxonomy)
    assert error.rule == "encoding" and "UTF-16" in error.message


@pytest.mark.parametrize(
    "tag",
    ["!!python/object/apply:os.system ['touch pwned']", "!!python/name:os.system", "!custom thing"],
)
def test_python_object_tags_are_not_executed(taxonomy: Path, tag: str, tmp_path: Path) -> None:
    os.chdir(tmp_path)
    write_leaf(taxonomy, "compositional_skills/a", f"version: 3\ncreated_by: {tag}\n")
    [error] = _only_error(taxonomy)
    assert error.rule == "yaml-tag" and (error.line, error.column) == (2, 13)
    assert not (tmp_path / "pwned").exists()


def test_folder_named_qna_yaml(taxonomy: Path) -> None:
    (taxonomy / "compositional_skills" / "a" / "qna.yaml").mkdir(parents=True)
    [error] = _only_error(taxonomy)
    assert error.rule == "not-a-file" and "directory" in error.message


def test_fifo_named_qna_yaml_does_not_block(taxonomy: Path) -> None:
    folder = taxonomy / "compositional_skills" / "a"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "qna.yaml")
    [error] = _only_error(taxonomy)
    assert error.rule == "not-a-file"


def test_cli_reports_hostile_files_without_traceback(taxonomy: Path, tmp_path: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/bomb", "version: 3\n" + BOMB)
    write_leaf(taxonomy, "compositional_skills/deep", "a: " + "[" * 50_000 + "\n")
    write_leaf(taxonomy, "compositional_skills/tag", "a: !!python/object/apply:os.system ['true']\n")
    write_leaf(taxonomy, "compositional_skills/bytes", b"\x00\x01\x02\xff")
    with open(write_leaf(taxonomy, "compositional_skills/huge", ""), "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    (taxonomy / "compositional_skills/folder/qna.yaml").mkdir(parents=True)
    (tmp_path / "outside.yaml").write_text(skill_text())
    (taxonomy / "compositional_skills/link").mkdir()
    (taxonomy / "compositional_skills/link/qna.yaml").symlink_to(tmp_path / "outside.yaml")
    completed = subprocess.run(
        [sys.executable, "-m", "lab_cli", "validate", "--format", "json", str(taxonomy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stdout + completed.stderr
    first_rules = {f["leaf"].rsplit("/", 1)[1]: f["errors"][0]["rule"] for f in json.loads(completed.stdout)["files"]}
    assert first_rules == {
        "bomb": "yaml-bomb",
        "bytes": "encoding",
        "deep": "too-deep",
        "folder": "not-a-file",
        "huge": "file-too-large",
        "link": "unsafe-path",
        "tag": "yaml-tag",
    }
