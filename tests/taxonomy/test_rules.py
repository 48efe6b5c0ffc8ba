"""Each lint rule on passing and failing snippets, with the positions yamllint's relaxed preset gives."""

from __future__ import annotations

import pytest

from lab_cli.taxonomy.rules import REGISTRY, LintSource
from lab_cli.taxonomy.yamltext import parse


def problems(rule: str, text: str, had_bom: bool = False) -> list[tuple[int, int, str]]:
    """(line, column, message) of ``rule`` on ``text``."""
    source = LintSource(text, text.split("\n"), parse(text).tokens, had_bom)
    return [(p.line, p.column, p.message) for p in REGISTRY[rule].check(source)]


CASES = [
    ("trailing-spaces", "a: b\n", []),
    ("trailing-spaces", "a: b  \n# c\t\n", [(1, 5, "trailing spaces"), (2, 4, "trailing spaces")]),
    ("trailing-spaces", "a: |\n  text  \n", [(2, 7, "trailing spaces")]),
    ("trailing-spaces", "a: b\r\n", []),
    ("new-line-at-end-of-file", "a: b\n", []),
    ("new-line-at-end-of-file", "a: b\nc: d", [(2, 5, "no new line character at the end of file")]),
    ("new-lines", "a: b\n", []),
    ("new-lines", "a: b\r\nc: d\r\n", [(1, 5, "wrong new line character: expected \\n")]),
    ("empty-lines", "a: 1\n\n\nb: 2\n", []),
    ("empty-lines", "a: 1\n\n\n\nb: 2\n", [(4, 1, "too many blank lines (3 > 2)")]),
    ("empty-lines", "\na: 1\n", [(1, 1, "too many blank lines (1 > 0)")]),
    ("empty-lines", "a: 1\n\n", [(2, 1, "too many blank lines (1 > 0)")]),
    ("tabs", "a: |\n  code\twith tab\n", []),
    ("tabs", "a: |\n  \tcode\n", [(2, 3, "tab character used for indentation")]),
    ("tabs", "a: |\n\tcode\n", [(2, 1, "tab character used for indentation")]),
    ("key-duplicates", "a: 1\nb: {a: 1}\n", []),
    ("key-duplicates", "a: 1\nb: 2\na: 3\n", [(3, 1, 'duplication of key "a" in mapping')]),
    ("key-duplicates", "- {x: 1, x: 2}\n", [(1, 10, 'duplication of key "x" in mapping')]),
    (
        "anchors",
        "a: &x 1\nb: *x\n",
        [
            (1, 4, 'anchor "&x": anchors and aliases are not allowed in taxonomy files'),
            (2, 4, 'alias "*x": anchors and aliases are not allowed in taxonomy files'),
        ],
    ),
    ("colons", "a: b\n", []),
    (
        "colons",
        "a : b\nc:   d\n",
        [(1, 2, "too many spaces before colon"), (2, 5, "too many spaces after colon")],
    ),
    ("hyphens", "- a\n", []),
    ("hyphens", "-   a\n", [(1, 4, "too many spaces after hyphen")]),
    ("commas", "a: [1, 2]\n", []),
    ("commas", "a: [1 ,2]\n", [(1, 6, "too many spaces before comma"), (1, 8, "too few spaces after comma")]),
    ("braces", "a: {b: 1}\nc: { d: 1 }\n", []),
    ("braces", "a: {  b: 1}\n", [(1, 6, "too many spaces inside braces")]),
    ("brackets", "a: [  1]\n", [(1, 6, "too many spaces inside brackets")]),
    ("indentation", "a:\n  b: 1\n  c:\n    - 1\n    - 2\n", []),
    ("indentation", "a:\n  b:\n     c: 1\n", [(3, 6, "wrong indentation: expected 4 but found 5")]),
    ("indentation", "a:\n  - 1\nb:\n- 2\n", [(4, 1, "wrong indentation: expected 2 but found 0")]),
    ("indentation", "a:\n    b: 1\nc:\n  d: 1\n", [(4, 3, "wrong indentation: expected 4 but found 2")]),
]


@pytest.mark.parametrize(("rule", "text", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule(rule: str, text: str, expected: list[tuple[int, int, str]]) -> None:
    assert problems(rule, text) == expected


def test_byte_order_mark() -> None:
    assert problems("byte-order-mark", "a: b\n", had_bom=True) == [(1, 1, "file starts with a UTF-8 byte-order mark")]
    assert problems("byte-order-mark", "a: b\n") == []


def test_every_rule_is_documented_and_tested() -> None:
    tested = {case[0] for case in CASES} | {"byte-order-mark"}
    assert tested == set(REGISTRY)
    for rule in REGISTRY.values():
        assert rule.__doc__ and rule.__doc__.startswith(rule.ID)
