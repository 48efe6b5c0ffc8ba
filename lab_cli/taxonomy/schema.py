"""Schema validation of qna.yaml data against lab's JSON Schemas (versions 1–3), with exact positions."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from lab_cli.taxonomy.diagnostics import Diagnostic
from lab_cli.taxonomy.yamltext import node_at

SUPPORTED_VERSIONS = (1, 2, 3)
KNOWLEDGE, SKILLS = "knowledge", "compositional_skills"


@functools.cache
def load_schema(version: int, name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` (``knowledge`` or ``compositional_skills``) of ``version``, from package data."""
    text = resources.files("lab_cli.taxonomy").joinpath(f"schemas/v{version}/{name}.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _validator(version: int, name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(version, name))


def validate(data: dict[str, Any], version: Any, name: str, root: yaml.Node | None) -> list[Diagnostic]:
    """Schema diagnostics for ``data``, judged with the schema ``name`` of ``version``, placed on ``root``'s nodes."""
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        node, _ = node_at(root, ["version"]) if root is not None else (None, None)
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        return [_diagnostic(node, "schema", f"unsupported schema version {version!r}; lab supports {supported}")]
    schema = load_schema(version, name)
    if schema.get("deprecated"):
        node, _ = node_at(root, ["version"]) if root is not None else (None, None)
        return [_diagnostic(node, "schema", schema["description"])]
    errors = sorted(_validator(version, name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [diagnostic for error in errors for diagnostic in _explain(error, root)]


def _diagnostic(node: yaml.Node | None, rule: str, message: str) -> Diagnostic:
    if node is None:
        return Diagnostic(1, 1, rule, message)
    return Diagnostic(node.start_mark.line + 1, node.start_mark.column + 1, rule, message)


def yaml_path(path: list[str | int]) -> str:
    """A readable path to a value: ``seed_examples[2].answer``, or ``(top level)``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(top level)"


def _explain(error: ValidationError, root: yaml.Node | None) -> Iterator[Diagnostic]:
    """Turn one jsonschema error into diagnostics that point at the node at fault."""
    path = list(error.absolute_path)
    where = yaml_path(path)
    node, key_node = node_at(root, path) if root is not None else (None, None)
    kind = error.validator
    if kind == "additionalProperties":
        allowed = error.schema.get("properties", {})
        for key, _ in node.value if isinstance(node, yaml.MappingNode) else []:
            if key.value not in allowed:
                expected = ", ".join(sorted(allowed))
                yield _diagnostic(
                    key,
                    "schema",
                    f"{yaml_path([*path, key.value])}: unknown key; expected one of: {expected}",
                )
        return
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield _diagnostic(key_node or node, "schema", f"{where}: missing required key '{missing}'")
        return
    if kind == "minItems":
        count = len(error.instance) if isinstance(error.instance, list) else 0
        message = f"{where}: must have at least {error.validator_value} items (has {count})"
        yield _diagnostic(node, "schema", message)
        return
    if kind == "uniqueItems":
        index = _first_repeat(error.instance)
        item, _ = node_at(root, [*path, index]) if root is not None else (None, None)
        yield _diagnostic(item, "schema", f"{yaml_path([*path, index])}: duplicates an earlier item")
        return
    if kind == "type":
        expected = {"object": "mapping", "array": "list"}.get(error.validator_value, error.validator_value)
        found = _yaml_type(error.instance)
        yield _diagnostic(node, "schema", f"{where}: expected {_article(expected)} {expected}, found {found}")
        return
    if kind == "minLength":
        yield _diagnostic(node, "schema", f"{where}: must not be empty")
        return
    if kind == "const":
        yield _diagnostic(node, "schema", f"{where}: must be {error.validator_value!r}, found {error.instance!r}")
        return
    yield _diagnostic(node, "schema", f"{where}: {error.message[-200:]}")


def _first_repeat(items: list[Any]) -> int:
    seen: list[Any] = []
    for index, item in enumerate(items):
        if item in seen:
            return index
        seen.append(item)
    return 0


def _yaml_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing (null)",
    }
    return names.get(type(value), f"a {type(value).__name__} ({value!s:.40})")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
