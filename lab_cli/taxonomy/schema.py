"""Schema validation of qna.yaml data against lab's JSON Schemas (versions 1–3), with exact positions."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

from lab_cli.taxonomy.diagnostics import Diagnostic
from lab_cli.taxonomy.fastload import Positions

if TYPE_CHECKING:  # jsonschema costs ~100 ms to import: only files that fail the compiled check need it
    from jsonschema import Draft202012Validator, ValidationError

SUPPORTED_VERSIONS = (1, 2, 3)
KNOWLEDGE, SKILLS = "knowledge", "compositional_skills"


@functools.cache
def load_schema(version: int, name: str) -> dict[str, Any]:
    """The JSON Schema ``name`` (``knowledge`` or ``compositional_skills``) of ``version``, from package data."""
    text = resources.files("lab_cli.taxonomy").joinpath(f"schemas/v{version}/{name}.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _validator(version: int, name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(version, name))


@functools.cache
def _fast_check(version: int, name: str) -> Callable[[Any], None]:
    """A compiled yes/no check of the same schema: valid files (most of them) never reach jsonschema.

    jsonschema stays the judge of every file the compiled check rejects, so verdicts and messages are its own.
    ``uniqueItems`` is checked on cheap fingerprints rather than by fastjsonschema's recursive freezing,
    which cost as much as the rest of the check.
    """
    schema = {k: v for k, v in load_schema(version, name).items() if k not in ("$schema", "$id")}
    unique_at: list[tuple[str, ...]] = []
    compiled = fastjsonschema.compile(_strip_unique_items(schema, (), unique_at))

    def check(data: Any) -> None:
        compiled(data)
        for pattern in unique_at:
            for array in _select(data, pattern):
                if isinstance(array, list) and len({_fingerprint(item) for item in array}) != len(array):
                    raise fastjsonschema.JsonSchemaValueException("items may repeat: let jsonschema judge")

    return check


def _strip_unique_items(schema: Any, at: tuple[str, ...], found: list[tuple[str, ...]]) -> Any:
    """A copy of ``schema`` without ``uniqueItems``; where it applied goes to ``found`` ("*": every item)."""
    if not isinstance(schema, dict):
        return schema
    if schema.get("uniqueItems"):
        found.append(at)
    copy = {key: value for key, value in schema.items() if key != "uniqueItems"}
    if "properties" in schema:
        copy["properties"] = {
            key: _strip_unique_items(value, (*at, key), found) for key, value in schema["properties"].items()
        }
    if "items" in schema:
        copy["items"] = _strip_unique_items(schema["items"], (*at, "*"), found)
    return copy


def _select(data: Any, pattern: tuple[str, ...]) -> Iterator[Any]:
    """The values of ``data`` at a path pattern ("*" steps into every list item)."""
    if not pattern:
        yield data
        return
    step, rest = pattern[0], pattern[1:]
    if step == "*" and isinstance(data, list):
        for item in data:
            yield from _select(item, rest)
    elif isinstance(data, dict) and step in data:
        yield from _select(data[step], rest)


def _fingerprint(item: Any) -> Any:
    """A hashable summary that equal items share: the item itself, or a dict's string-valued pairs.

    Distinct fingerprints prove the items distinct; a shared one only says "maybe", and jsonschema decides.
    """
    if isinstance(item, dict):
        return frozenset((key, value) for key, value in item.items() if isinstance(value, str))
    if isinstance(item, str | int | float | bool | None):
        return (type(item) is bool, item)
    raise fastjsonschema.JsonSchemaValueException("not a plain value: let jsonschema judge")


def validate(data: dict[str, Any], version: Any, name: str, positions: Positions) -> list[Diagnostic]:
    """Schema diagnostics for ``data`` under schema ``name`` of ``version``, placed with ``positions``."""
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        supported = ", ".join(map(str, SUPPORTED_VERSIONS))
        message = f"unsupported schema version {version!r}; lab supports {supported}"
        return [_diagnostic(positions.value(("version",)), message)]
    schema = load_schema(version, name)
    if schema.get("deprecated"):
        return [_diagnostic(positions.value(("version",)), schema["description"])]
    try:
        _fast_check(version, name)(data)
        return []  # the compiled check passed: nothing for jsonschema to explain
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_validator(version, name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [diagnostic for error in errors for diagnostic in _explain(error, positions)]


def _diagnostic(at: tuple[int, int], message: str) -> Diagnostic:
    return Diagnostic(at[0], at[1], "schema", message)


def yaml_path(path: Sequence[str | int]) -> str:
    """A readable path to a value: ``seed_examples[2].answer``, or ``(top level)``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(top level)"


def _explain(error: ValidationError, positions: Positions) -> Iterator[Diagnostic]:
    """Turn one jsonschema error into diagnostics that point at the node at fault."""
    path = tuple(error.absolute_path)
    where = yaml_path(path)
    kind = error.validator
    if kind == "additionalProperties":
        allowed = error.schema.get("properties", {})
        expected = ", ".join(sorted(allowed))
        for key, at in positions.mapping_keys(path):
            if key not in allowed:
                yield _diagnostic(
                    at, f"{yaml_path([*path, key])}: unknown key{_guess(key, error)}; expected one of: {expected}"
                )
        return
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        misspelled = _misspelling_of(missing, error)
        if misspelled is not None and error.schema.get("additionalProperties") is False:
            return  # the misspelled key's unknown-key error names the missing one
        if misspelled is not None:  # a schema that allows other keys: point at the likely misspelling
            at = dict(positions.mapping_keys(path)).get(misspelled, positions.key(path))
            yield _diagnostic(at, f"{where}: missing required key '{missing}'; is '{misspelled}' a misspelling of it?")
            return
        at, advice = _where_to_add(missing, error, positions, path)
        yield _diagnostic(at, f"{where}: missing required key '{missing}'{advice}")
        return
    if kind == "uniqueItems":
        index = _first_repeat(error.instance)
        yield _diagnostic(positions.value((*path, index)), f"{yaml_path([*path, index])}: duplicates an earlier item")
        return
    yield _diagnostic(positions.value(path), f"{where}: {_describe(error)}")


def _absent(error: ValidationError) -> list[str]:
    """The keys the schema of ``error``'s mapping allows that the mapping lacks, in the schema's order."""
    present = error.instance if isinstance(error.instance, dict) else {}
    return [key for key in error.schema.get("properties", {}) if key not in present]


def _guess(key: object, error: ValidationError) -> str:
    """ ", did you mean 'question'?" for an unknown key close to a key the mapping lacks (or allows)."""
    absent = _absent(error)
    close = difflib.get_close_matches(str(key), absent or list(error.schema.get("properties", {})), n=1, cutoff=0.7)
    if not close:
        return ""
    required = close[0] in absent and close[0] in error.schema.get("required", ())
    return f"; did you mean '{close[0]}'?" + (f" ('{close[0]}' is required and missing)" if required else "")


def _misspelling_of(missing: str, error: ValidationError) -> str | None:
    """An unknown key of the mapping that is most likely ``missing`` misspelled, if any."""
    if not isinstance(error.instance, dict):
        return None
    unknown = [str(key) for key in error.instance if key not in error.schema.get("properties", {})]
    for key in unknown:
        close = difflib.get_close_matches(key, _absent(error), n=1, cutoff=0.7)
        if close and close[0] == missing:
            return key
    return None


def _where_to_add(
    missing: str, error: ValidationError, positions: Positions, path: tuple[str | int, ...]
) -> tuple[tuple[int, int], str]:
    """Where a missing key belongs: before the first present key that the schema lists after it, else after the
    mapping's last key (a missing key has no line of its own; this is the line to add it at)."""
    order = list(error.schema.get("properties", {}))
    keys = positions.mapping_keys(path)
    if not keys or missing not in order:
        return positions.key(path), ""
    rank = order.index(missing)
    for key, at in keys:
        if key in order and order.index(key) > rank:
            return at, f"; add it before '{key}'"
    key, at = keys[-1]
    return at, f"; add it after '{key}'"


def _describe(error: ValidationError) -> str:
    kind = error.validator
    if kind == "minItems":
        count = len(error.instance) if isinstance(error.instance, list) else 0
        return f"must have at least {error.validator_value} items (has {count})"
    if kind == "type":
        expected = {"object": "mapping", "array": "list"}.get(error.validator_value, error.validator_value)
        return f"expected {_article(expected)} {expected}, found {_yaml_type(error.instance)}"
    if kind == "minLength":
        return "must not be empty"
    if kind == "const":
        return f"must be {error.validator_value!r}, found {error.instance!r}"
    return error.message[-200:]


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
