"""Validation messages in plain words, through the CLI: syntax errors with what to do, key typos with a guess,
missing keys at the line to add them, an empty file with one error, and one kind per leaf in every output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_validate_cli import run_lab
from tests.helpers.gitrepos import Repo
from tests.helpers.leaves import skill_text, write_leaf

LEAF = "compositional_skills/x"
JARGON = ("<block end>", "<block mapping start>", "cannot start any token", "simple key", "Traceback")


def validate(root: Path, text: str, *options: str) -> tuple[int, str]:
    write_leaf(root, LEAF, text)
    completed = run_lab("validate", "-q", *options, LEAF, cwd=root)
    assert "Traceback" not in completed.stderr
    return completed.returncode, completed.stdout


def errors(root: Path, text: str) -> list[tuple[int, int, str, str]]:
    write_leaf(root, LEAF, text)
    files = json.loads(run_lab("validate", "--format", "json", LEAF, cwd=root).stdout)["files"]
    return [(e["line"], e["column"], e["rule"], e["message"]) for e in files[0]["errors"]]


def test_a_tab_says_to_use_spaces_and_that_fix_repairs_it(taxonomy: Path) -> None:
    tabbed = skill_text().replace("\n  ", "\n\t")
    code, out = validate(taxonomy, tabbed)
    assert code == 1 and not any(word in out for word in JARGON)
    assert "a tab here; YAML indents with spaces only" in out and "lab validate --fix" in out
    assert "docs/qna-format.md" in out
    code, out = validate(taxonomy, tabbed, "--fix")
    assert code == 0, out


def test_wrong_indentation_is_named(taxonomy: Path) -> None:
    text = skill_text().replace("  - question: What is question 2?", "   - question: What is question 2?")
    [(line, _, rule, message)] = errors(taxonomy, text)
    assert (line, rule) == (9, "syntax") and message.startswith("syntax error: wrong indentation:")
    assert not any(word in message for word in JARGON)


def test_a_missing_colon_names_the_line_of_the_key(taxonomy: Path) -> None:
    text = skill_text().replace("task_description: Teach", "task_description Teach")
    [(_, _, rule, message)] = errors(taxonomy, text)
    assert rule == "syntax" and "line 3 has no ':' after its key" in message


def test_key_typos_get_one_error_each_with_a_guess(taxonomy: Path) -> None:
    text = (
        skill_text()
        .replace("task_description:", "task_descripton:")
        .replace("  - question: What is question 1?", "  - questoin: What is question 1?")
    )
    found = errors(taxonomy, text)
    assert [(line, column) for line, column, _, _ in found] == [(3, 1), (7, 5)]
    assert "task_descripton: unknown key; did you mean 'task_description'?" in found[0][3]
    assert "seed_examples[1].questoin: unknown key; did you mean 'question'?" in found[1][3]
    assert not any("missing required key" in message for *_, message in found)


def test_a_missing_key_points_at_the_line_to_add_it(taxonomy: Path) -> None:
    text = skill_text().replace("task_description: Teach something useful.\n", "")
    assert errors(taxonomy, text) == [
        (3, 1, "schema", "(top level): missing required key 'task_description'; add it before 'seed_examples'")
    ]


def test_an_empty_file_gets_one_error_that_points_at_the_format(taxonomy: Path) -> None:
    write_leaf(taxonomy, LEAF, "")
    files = json.loads(run_lab("validate", "--format", "json", LEAF, cwd=taxonomy).stdout)["files"]
    assert [e["rule"] for e in files[0]["errors"]] == ["empty-file"] and files[0]["warnings"] == []
    assert "docs/qna-format.md" in files[0]["errors"][0]["message"]


@pytest.fixture
def broken(repo: Repo) -> Repo:
    repo.commit("base")
    repo.leaf(LEAF, "broken: [\n")
    repo.leaf("compositonal_skills/y", skill_text())
    return repo


def test_a_leaf_has_one_kind_in_validate_and_diff(broken: Repo, tmp_path: Path) -> None:
    shown = run_lab("validate", "-q", cwd=broken.top).stdout
    assert f"{LEAF}/qna.yaml (skill)" in shown and "compositonal_skills/y/qna.yaml (freeform_skill)" in shown
    listed = run_lab("diff", "--base", "HEAD", cwd=broken.top).stdout
    assert f"A  {LEAF} skill" in listed and "A  compositonal_skills/y freeform_skill" in listed
    payload = json.loads(run_lab("diff", "--base", "HEAD", "--format", "json", cwd=broken.top).stdout)
    kinds = {change["leaf"]: change["kind"] for change in payload["changes"]}
    assert kinds == {f["leaf"]: f["kind"] for f in payload["validation"]["files"]}
    assert kinds == {LEAF: "skill", "compositonal_skills/y": "freeform_skill"}
    outside_git = tmp_path / "plain" / LEAF  # no work tree around it: the taxonomy folder still tells the kind
    outside_git.mkdir(parents=True)
    (outside_git / "qna.yaml").write_text("broken: [\n")
    completed = run_lab("validate", "--format", "json", str(outside_git / "qna.yaml"), cwd=tmp_path)
    [report] = json.loads(completed.stdout)["files"]
    assert (report["leaf"], report["kind"]) == (LEAF, "skill")


def test_a_typo_where_other_keys_are_allowed_is_pointed_at(taxonomy: Path) -> None:
    from tests.helpers.leaves import knowledge_text

    text = knowledge_text().replace("      - question: Question 0.1?", "      - questoin: Question 0.1?")
    write_leaf(taxonomy, "knowledge/x", text)
    files = json.loads(run_lab("validate", "--format", "json", "knowledge/x", cwd=taxonomy).stdout)["files"]
    [error] = files[0]["errors"]
    assert (error["line"], error["column"]) == (15, 9)  # the misspelled key
    assert error["message"].endswith("missing required key 'question'; is 'questoin' a misspelling of it?")
