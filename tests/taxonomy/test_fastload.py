"""The token-stream builder must give exactly what yaml.safe_load gives, with the composer's positions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lab_cli.taxonomy.fastload import Positions, Unsupported, build
from lab_cli.taxonomy.yamltext import scan_tokens

SNIPPETS = [
    "a: 1\nb: [1, 2.5, true, null, ~, 0x1f, 1_000, '3']\nc: {d: e, f: }\n",
    "- a\n- - b\n  - c\n-\n- k: v\n  l:\n  - 1\n  - 2\n",
    "key:\n- flush\n- items\nother: |\n  block\n  text\nfolded: >-\n  a\n  b\n",
    "date: 2024-01-01\ntime: 2024-01-01 10:00:00\nyes: no\non: off\nempty:\n'quoted key': \"v\"\n",
    "dup: 1\ndup: 2\n",
    "--- \nonly: document\n...\n",
    "? explicit\n: value\n",
    "",
    "# just a comment\n",
    "plain scalar\n",
    "a: [[1, 2], {x: [3]}]\n",
    "nested:\n  deeper:\n    - x: 1\n      y: [a, b]\n",
]


def _built(text: str):
    tokens, error = scan_tokens(text)
    assert error is None
    return build(tokens)


@pytest.mark.parametrize("text", SNIPPETS)
def test_same_data_and_positions_as_pyyaml(text: str) -> None:
    data, positions = _built(text)
    assert data == yaml.safe_load(text)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is not None:
        reference = Positions.from_node(node)
        assert positions.keys == reference.keys
        for path, at in reference.values.items():
            if not (isinstance(data, dict) and _is_empty(data, path)):
                assert positions.values[path] == at, path


def _is_empty(data, path) -> bool:
    value = data
    for step in path:
        value = value[step]
    return value is None


@pytest.mark.parametrize(
    "text", ["a: &x 1\nb: *x\n", "<<: {a: 1}\n", "? [a]\n: b\n", "a: !!str 1\n", "- a: b\n---\n- c\n"]
)
def test_rare_yaml_is_left_to_pyyaml(text: str) -> None:
    tokens, _ = scan_tokens(text)
    with pytest.raises(Unsupported):
        build(tokens)


def test_real_taxonomy_files(corpus: Path) -> None:
    checked = parsed = 0
    for path in sorted((corpus / "taxonomy").rglob("qna.yaml")):
        text = path.read_text(encoding="utf-8")
        _, error = scan_tokens(text)
        try:
            expected = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        parsed += 1
        if error is None:
            assert _built(text)[0] == expected, path
            checked += 1
    assert parsed >= 14 and checked >= 0.8 * parsed  # most real files take the fast path
