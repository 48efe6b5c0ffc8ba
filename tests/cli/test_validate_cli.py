"""``lab validate`` end to end through the real entry point: formats, exit codes, --strict, --fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lab_cli.cli.main import main
from tests.helpers.leaves import skill_text, write_leaf


def run_lab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``lab`` in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "lab_cli", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.fixture
def mixed(taxonomy: Path) -> Path:
    write_leaf(taxonomy, "compositional_skills/good", skill_text())
    write_leaf(taxonomy, "compositional_skills/bad", skill_text(examples=2) + "extra: 1   \n")
    write_leaf(taxonomy, "compositional_skills/warn", skill_text().replace("answer 0.", "answer 0.\n\n\n\n"))
    return taxonomy


def test_exit_codes(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(mixed / "compositional_skills/good")]) == 0
    assert main(["validate", str(mixed / "compositional_skills/warn")]) == 0
    assert main(["validate", "--strict", str(mixed / "compositional_skills/warn")]) == 1
    assert main(["validate", str(mixed)]) == 1
    assert main(["validate", str(mixed / "missing")]) == 2
    assert main(["validate", "--format", "yaml"]) == 2
    assert main(["nonsense"]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_a_missing_path_is_one_line_with_what_to_give(tmp_path: Path) -> None:
    completed = run_lab("validate", "knowledge/missing/qna.yaml", cwd=tmp_path)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert completed.stderr.splitlines() == [
        "lab: error: knowledge/missing/qna.yaml: no such file or folder; "
        "give qna.yaml files or folders, or no path for the whole taxonomy"
    ]


def test_default_root_is_the_enclosing_work_tree(mixed: Path) -> None:
    completed = run_lab("validate", "--format", "json", cwd=mixed / "compositional_skills")
    paths = [f["path"] for f in json.loads(completed.stdout)["files"]]
    assert paths == [
        "compositional_skills/bad/qna.yaml",
        "compositional_skills/good/qna.yaml",
        "compositional_skills/warn/qna.yaml",
    ]


def test_json_format(mixed: Path) -> None:
    completed = run_lab("validate", "--format", "json", str(mixed))
    assert completed.returncode == 1
    payload = json.loads(completed.stdout)
    assert payload["summary"] == {"files": 3, "errors": 3, "warnings": 1}
    bad = payload["files"][0]
    assert bad["leaf"] == "compositional_skills/bad"
    assert [(e["line"], e["rule"]) for e in bad["errors"]] == [
        (5, "schema"),
        (9, "schema"),
        (9, "trailing-spaces"),
    ]


def test_github_format(mixed: Path) -> None:
    completed = run_lab("validate", "--format", "github", str(mixed))
    lines = completed.stdout.splitlines()
    assert any(
        line.startswith("::error file=") and "line=9,col=9" in line and "trailing spaces" in line for line in lines
    )
    assert any(line.startswith("::warning file=") and "empty-lines" in line for line in lines)


def test_sarif_format(mixed: Path) -> None:
    completed = run_lab("validate", "--format", "sarif", str(mixed))
    log = json.loads(completed.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert set(rule_ids) == {"schema", "trailing-spaces", "empty-lines"}
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_human_format_shows_source_and_caret(mixed: Path) -> None:
    out = run_lab("validate", str(mixed / "compositional_skills/bad")).stdout.splitlines()
    assert any("9:9 error trailing spaces (trailing-spaces)" in line for line in out)
    excerpts = [(line, out[index + 1]) for index, line in enumerate(out) if line.endswith("9 | extra: 1   ")]
    carets = sorted(caret.index("^") - source.index("extra") for source, caret in excerpts)
    assert carets == [0, 8]  # the unknown key at column 1, the trailing spaces at column 9


def test_fix_repairs_and_keeps_content(taxonomy: Path) -> None:
    original = "# a comment kept\r\nversion: 3   \r\n" + skill_text().split("\n", 1)[1].replace("\n", "\r\n")
    path = write_leaf(taxonomy, "compositional_skills/a", b"\xef\xbb\xbf" + original.rstrip("\r\n").encode())
    assert main(["validate", str(path)]) == 1
    assert main(["validate", "--fix", "--strict", str(path)]) == 0
    fixed = path.read_text(encoding="utf-8")
    assert fixed.startswith("# a comment kept\nversion: 3\ncreated_by: tester\n")
    assert fixed.endswith("answer: It is answer 4.\n") and "\r" not in fixed
    assert list(path.parent.glob(".qna.yaml.*")) == []  # no temporary file left behind


def test_fix_leaves_valid_files_untouched(taxonomy: Path) -> None:
    path = write_leaf(taxonomy, "compositional_skills/a", skill_text())
    before = path.stat().st_mtime_ns
    assert main(["validate", "--fix", str(path)]) == 0
    assert path.stat().st_mtime_ns == before


def test_help_and_version() -> None:
    assert "Examples:" in run_lab("validate", "--help").stdout
    assert run_lab("--version").stdout.startswith("lab ")
    assert run_lab().returncode == 2


def test_validate_path_never_imports_heavy_modules(mixed: Path) -> None:
    code = (
        "import sys; from lab_cli.cli.main import main; main(['validate', '--format', 'json', sys.argv[1]]);"
        "heavy = [m for m in ('torch', 'transformers', 'openai', 'git', 'datasets') if m in sys.modules];"
        "print('HEAVY', heavy, file=sys.stderr)"
    )
    completed = subprocess.run([sys.executable, "-c", code, str(mixed)], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in completed.stderr


def test_no_taxonomy_here_is_pointed_out(tmp_path: Path) -> None:
    result = run_lab("validate", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "no qna.yaml found under" in result.stderr and "inside a taxonomy clone" in result.stderr
