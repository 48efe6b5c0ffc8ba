"""Verdicts, positions and leaf facts from the validator, on real files and on crafted ones."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lab_cli.taxonomy.validator import validate_paths
from tests.helpers.leaves import knowledge_text, skill_text, write_leaf


def _errors(root: Path, leaf: str):
    result = validate_paths([root / leaf / "qna.yaml"])
    return result.files[0].errors


def test_corpus_verdicts_match_expected(corpus: Path) -> None:
    with open(corpus / "expected.tsv", encoding="utf-8") as table:
        expected = {row["path"]: row["verdict"] for row in csv.DictReader(table, delimiter="\t")}
    result = validate_paths([corpus / "taxonomy"])
    verdicts = {}
    for report in result.files:
        relative = Path(report.path).relative_to(corpus / "taxonomy").as_posix()
        verdicts[relative] = "invalid" if report.errors else "valid"
    assert verdicts == expected


def test_valid_leaves_of_each_kind(taxonomy: Path) -> None:
    write_leaf(taxonomy, "knowledge/astronomy/stars", knowledge_text())
    write_leaf(taxonomy, "compositional_skills/writing/poems", skill_text())
    write_leaf(taxonomy, "compositional_skills/reading/summaries", skill_text(context=True))
    write_leaf(taxonomy, "foundational_skills/reasoning/logic", skill_text())
    result = validate_paths([taxonomy])
    assert [(f.leaf, f.kind, f.schema_version) for f in result.files] == [
        ("compositional_skills/reading/summaries", "grounded_skill", 3),
        ("compositional_skills/writing/poems", "freeform_skill", 3),
        ("foundational_skills/reasoning/logic", "foundational_skill", 3),
        ("knowledge/astronomy/stars", "knowledge", 3),
    ]
    assert result.error_count == 0 and result.warning_count == 0


def test_missing_key_points_where_it_belongs(taxonomy: Path) -> None:
    text = skill_text().replace("task_description: Teach something useful.\n", "")
    write_leaf(taxonomy, "compositional_skills/a", text)
    [error] = _errors(taxonomy, "compositional_skills/a")
    assert (error.line, error.column, error.rule) == (3, 1, "schema")  # seed_examples, which follows it
    assert "task_description" in error.message


def test_missing_key_inside_seed_example(taxonomy: Path) -> None:
    text = skill_text().replace("    answer: It is answer 3.\n", "")
    write_leaf(taxonomy, "compositional_skills/a", text)
    [error] = _errors(taxonomy, "compositional_skills/a")
    # seed example 3 starts at line 11, column 5 (after "  - ")
    assert (error.line, error.column) == (11, 5)
    assert "seed_examples[3]" in error.message and "answer" in error.message


def test_too_short_list_points_at_the_list(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", skill_text(examples=3))
    [error] = _errors(taxonomy, "compositional_skills/a")
    assert (error.line, error.column) == (5, 3)
    assert "at least 5 items (has 3)" in error.message


def test_wrong_type_deep_inside_seed_examples(taxonomy: Path) -> None:
    text = knowledge_text().replace("        answer: Answer 2.1.", "        answer: [not, a, string]")
    write_leaf(taxonomy, "knowledge/a", text)
    [error] = _errors(taxonomy, "knowledge/a")
    line = text.splitlines().index("        answer: [not, a, string]") + 1
    assert (error.line, error.column) == (line, 17)
    assert "seed_examples[2].questions_and_answers[1].answer" in error.message
    assert "expected a string, found a list" in error.message


def test_duplicate_item_points_at_the_repeat(taxonomy: Path) -> None:
    text = skill_text().replace("What is question 4?", "What is question 1?").replace("answer 4.", "answer 1.")
    write_leaf(taxonomy, "compositional_skills/a", text)
    [error] = _errors(taxonomy, "compositional_skills/a")
    assert (error.line, error.column) == (13, 5)
    assert "seed_examples[4]: duplicates an earlier item" in error.message


def test_unknown_key_points_at_the_key(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", skill_text() + "colour: blue\n")
    [error] = _errors(taxonomy, "compositional_skills/a")
    assert (error.line, error.column) == (15, 1)
    assert "colour: unknown key" in error.message


def test_unquoted_date_is_a_type_error(taxonomy: Path) -> None:
    write_leaf(taxonomy, "knowledge/a", knowledge_text().replace("0123456789abcdef", "2024-01-01"))
    [error] = _errors(taxonomy, "knowledge/a")
    assert (error.line, error.column) == (7, 11)
    assert "document.commit: expected a string, found a date" in error.message


@pytest.mark.parametrize("version", [1, 2])
def test_old_knowledge_versions_are_rejected_with_the_reference_message(taxonomy: Path, version: int) -> None:
    write_leaf(taxonomy, "knowledge/a", knowledge_text().replace("version: 3", f"version: {version}"))
    [error] = _errors(taxonomy, "knowledge/a")
    assert error.message == f"Version {version} is not supported for knowledge. Minimum supported version is 3."
    assert (error.line, error.column) == (1, 10)


def test_unsupported_version(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", skill_text(version=7))
    [*errors] = _errors(taxonomy, "compositional_skills/a")
    assert any("unsupported schema version 7" in e.message for e in errors)


def test_attribution_required_from_version_2(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", skill_text(), attribution=None)
    write_leaf(taxonomy, "compositional_skills/b", skill_text(), attribution="  \n")
    write_leaf(taxonomy, "compositional_skills/c", skill_text(version=1), attribution=None)
    result = validate_paths([taxonomy])
    rules = {f.leaf: [e.rule for e in f.errors] for f in result.files}
    assert rules == {
        "compositional_skills/a": ["attribution"],
        "compositional_skills/b": ["attribution"],
        "compositional_skills/c": [],
    }


def test_version_1_lint_findings_are_warnings(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", skill_text(version=1).replace("tester", "tester   "))
    [report] = validate_paths([taxonomy]).files
    assert report.errors == []
    assert [(w.line, w.rule) for w in report.warnings] == [(2, "trailing-spaces")]


def test_one_broken_file_does_not_stop_the_others(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", "key: [unclosed\n")
    write_leaf(taxonomy, "compositional_skills/b", skill_text())
    write_leaf(taxonomy, "compositional_skills/c", b"\xff\xfe\x00bad")
    result = validate_paths([taxonomy])
    verdicts = {f.leaf: bool(f.errors) for f in result.files}
    assert verdicts == {
        "compositional_skills/a": True,
        "compositional_skills/b": False,
        "compositional_skills/c": True,
    }


def test_syntax_error_position(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", "version: 3\ncreated_by: [a\nother: b\n")
    [error] = [e for e in _errors(taxonomy, "compositional_skills/a") if e.rule == "syntax"]
    assert error.line == 3


def test_empty_file_is_an_error(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", "")
    write_leaf(taxonomy, "compositional_skills/b", "# only a comment\n")
    result = validate_paths([taxonomy])
    assert [[e.rule for e in f.errors] for f in result.files] == [["empty-file"], ["empty-file"]]


def test_top_level_list_is_an_error(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", "- a\n- b\n")
    [error] = _errors(taxonomy, "compositional_skills/a")
    assert error.rule == "not-a-mapping"


def test_misnamed_file_gets_a_hint(taxonomy: Path) -> None:
    folder = taxonomy / "compositional_skills" / "a"
    folder.mkdir(parents=True)
    (folder / "qna.yml").write_text(skill_text())
    (folder / "attribution.txt").write_text("x\n")
    [report] = validate_paths([taxonomy]).files
    assert report.path.endswith("compositional_skills/a/qna.yml")
    assert [e.rule for e in report.errors] == ["file-name"]
    assert "rename" in report.errors[0].message


def test_attribution_path_selects_its_leaf(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", skill_text())
    [report] = validate_paths([taxonomy / "compositional_skills/a/attribution.txt"]).files
    assert report.path.endswith("compositional_skills/a/qna.yaml") and not report.errors


def test_hidden_folders_are_skipped(taxonomy: Path) -> None:
    write_leaf(taxonomy, ".github/compositional_skills/a", "broken: [\n")
    write_leaf(taxonomy, "compositional_skills/b", skill_text())
    assert [f.leaf for f in validate_paths([taxonomy]).files] == ["compositional_skills/b"]


def test_json_contract(taxonomy: Path) -> None:
    write_leaf(taxonomy, "compositional_skills/a", skill_text(examples=4))
    payload = validate_paths([taxonomy]).as_dict()
    assert payload == {
        "files": [
            {
                "path": str(taxonomy / "compositional_skills/a/qna.yaml"),
                "leaf": "compositional_skills/a",
                "kind": "freeform_skill",
                "schema_version": 3,
                "errors": [
                    {
                        "line": 5,
                        "column": 3,
                        "rule": "schema",
                        "message": "seed_examples: must have at least 5 items (has 4)",
                    }
                ],
                "warnings": [],
            }
        ],
        "summary": {"files": 1, "errors": 1, "warnings": 0},
    }


def test_an_unreadable_folder_is_an_error_naming_it(taxonomy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from lab_cli.cli.main import main
    from lab_cli.taxonomy import leaf

    write_leaf(taxonomy, "compositional_skills/writing/poems", skill_text())
    write_leaf(taxonomy, "compositional_skills/locked/inside", skill_text())
    locked = taxonomy / "compositional_skills" / "locked"
    locked.chmod(0)
    if os.geteuid() == 0:  # root lists any folder: make scandir refuse this one as it would for anyone else
        real = os.scandir

        def scandir(path: str):
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", path)
            return real(path)

        monkeypatch.setattr(leaf.os, "scandir", scandir)
    try:
        result = validate_paths([taxonomy])
        assert main(["validate", str(taxonomy)]) == 1  # CI goes red: the folder's leaves were never checked
    finally:
        locked.chmod(0o755)
    unreadable = [report for report in result.files if report.errors]
    assert [report.path for report in unreadable] == [str(locked)]
    assert unreadable[0].errors[0].rule == "unreadable" and "Permission denied" in unreadable[0].errors[0].message
    assert [report.leaf for report in result.files if not report.errors] == ["compositional_skills/writing/poems"]
