"""lab's lint rules give yamllint's findings (relaxed preset, line-length off) on real and mutated files.

This is the guard on the rules' speed-ups: every file here is judged by both, and the (line, column, rule)
sets must be equal. lab's own rules (anchors, tabs, byte-order mark) have no yamllint counterpart.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lab_cli.taxonomy.rules import LintSource
from lab_cli.taxonomy.validator import absorb_into_syntax_error
from lab_cli.taxonomy.yamltext import parse
from tests.conftest import REPO_ROOT

yamllint_linter = pytest.importorskip("yamllint.linter")
yamllint_config = pytest.importorskip("yamllint.config")

CONFIG = yamllint_config.YamlLintConfig("{extends: relaxed, rules: {line-length: disable}}")
LAB_ONLY = {"anchors", "tabs", "byte-order-mark"}


def lab_findings(text: str) -> set[tuple[int, int, str]]:
    from lab_cli.taxonomy.lint import lint

    parsed = parse(text)
    findings = lint(LintSource(text, text.split("\n"), parsed.tokens, checked=parsed.checked_tokens))
    if not parsed.ok and parsed.problems[0].rule == "syntax":
        findings = [*absorb_into_syntax_error(findings, parsed.problems[0]), parsed.problems[0]]
    return {(d.line, d.column, d.rule) for d in findings if d.rule not in LAB_ONLY | {"multiple-documents"}}


def yamllint_findings(text: str) -> set[tuple[int, int, str]] | None:
    try:
        return {(p.line, p.column, p.rule or "syntax") for p in yamllint_linter.run(text, CONFIG)}
    except TypeError:  # yamllint's indentation rule crashes on some flow mappings: nothing to compare
        return None


def _mutations(text: str, rng: random.Random) -> list[str]:
    lines = text.split("\n")
    pick = rng.randrange(len(lines) - 1)

    def at(index: int, new: str) -> str:
        return "\n".join([*lines[:index], new, *lines[index + 1 :]])

    return [
        at(pick, " " + lines[pick]),
        at(pick, lines[pick] + "  "),
        at(pick, lines[pick] + "\n\n\n"),
        at(pick, lines[pick].replace(": ", " :  ", 1)),
        at(pick, lines[pick].replace("- ", "-   ", 1)),
        at(pick, lines[pick] + "\nextra_key: [a ,b,  c]  # flow"),
        at(pick, lines[pick] + "\nflow_map: {  a: 1, b: 2}"),
        "\n" + text.rstrip("\n"),
        text.replace("\n", "\r\n"),
        text.replace("\n  ", "\n    "),
        text + text.split("\n", 1)[0] + "\n",  # a duplicated first key
    ]


UNCLOSED_FLOW = "foundational_skills/reasoning/logical_reasoning/broken/qna.yaml"
KNOWN_DIFFERENCE = pytest.mark.xfail(
    strict=True,  # passes once fixed: then drop the mark
    reason="after '[unclosed' yamllint also reports indentation at 4:3 (the next entry); lab the syntax error alone",
)


def _real_files() -> list:
    files = sorted((REPO_ROOT / "taxonomy").rglob("qna.yaml"))
    fixtures = REPO_ROOT / "tests" / "fixtures" / "agreement" / "taxonomy"
    files += [
        pytest.param(path, marks=KNOWN_DIFFERENCE) if path == fixtures / UNCLOSED_FLOW else path
        for path in sorted(fixtures.rglob("qna.yaml"))
    ]
    corpus = REPO_ROOT.parent / "shared" / "corpus" / "taxonomy"
    return files + (sorted(corpus.rglob("qna.yaml")) if corpus.exists() else [])


@pytest.mark.parametrize("path", _real_files(), ids=lambda p: p.parent.name)
def test_same_findings_as_yamllint(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    rng = random.Random(path.as_posix())
    compared = 0
    for variant in [text, *_mutations(text, rng)]:
        expected = yamllint_findings(variant)
        if expected is not None:
            assert lab_findings(variant) == expected, variant[:200]
            compared += 1
    assert compared >= 10
