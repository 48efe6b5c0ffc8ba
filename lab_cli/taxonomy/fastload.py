"""Build Python data and value positions straight from a YAML token stream.

Validation scans tokens anyway (the lint rules need them); building the data from those same tokens saves
a second libyaml pass and the node tree. It covers the YAML taxonomy files are written in — block and flow
collections of scalars. Anything rarer (tags, anchors, aliases, complex or merge keys, several documents)
raises ``Unsupported`` and the caller falls back to PyYAML's own composer and constructor, so the result is
always what ``yaml.safe_load`` gives.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

Path = tuple[str | int, ...]
Position = tuple[int, int]

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_RESOLVABLE_FIRST = frozenset(char for char in Resolver.yaml_implicit_resolvers if char)
"""First characters for which an implicit type (bool, int, float, null, timestamp…) may apply."""


class Unsupported(Exception):
    """The token stream uses YAML this builder leaves to PyYAML."""


class Positions:
    """Where each value and each mapping key starts (1-based line and column), by JSON path."""

    def __init__(self) -> None:
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}

    def value(self, path: Path) -> Position:
        """Start of the value at ``path``, or of its deepest existing ancestor."""
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found is not None:
                return found
        return (1, 1)

    def key(self, path: Path) -> Position:
        """Start of the key of the value at ``path`` (its value's start when there is no key)."""
        return self.keys.get(path) or self.value(path)

    def mapping_keys(self, path: Path) -> list[tuple[str, Position]]:
        """The keys of the mapping at ``path`` with their positions, in file order."""
        depth = len(path)
        found = [(p[-1], at) for p, at in self.keys.items() if len(p) == depth + 1 and p[:depth] == path]
        return sorted(found, key=lambda item: item[1])

    @classmethod
    def from_node(cls, root: yaml.Node) -> Positions:
        """Positions of a composed node tree (the fallback path)."""
        positions = cls()
        pending: list[tuple[Path, yaml.Node]] = [((), root)]
        while pending:
            path, node = pending.pop()
            positions.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode):
                        child = (*path, _CONSTRUCTOR.construct_object(key) if key.tag != _STR_TAG else key.value)
                        positions.keys[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                        positions.values.pop(child, None)  # the last duplicate wins, as in the data
                        pending.append((child, value))
            elif isinstance(node, yaml.SequenceNode):
                pending.extend(((*path, index), item) for index, item in enumerate(node.value))
        return positions


def _at(token: Any) -> Position:
    return (token.start_mark.line + 1, token.start_mark.column + 1)


class _Builder:
    """Recursive descent over the token list; depth is bounded by the caller's nesting check."""

    def __init__(self, tokens: list[Any]) -> None:
        self.tokens = tokens
        self.index = 0
        self.positions = Positions()

    def peek(self) -> Any:
        return self.tokens[self.index]

    def take(self, kind: type) -> Any:
        token = self.tokens[self.index]
        if type(token) is not kind:
            raise Unsupported
        self.index += 1
        return token

    def document(self) -> Any:
        self.take(yaml.StreamStartToken)
        if type(self.peek()) is yaml.DocumentStartToken:
            self.index += 1
        ended = type(self.peek()) in (yaml.StreamEndToken, yaml.DocumentEndToken)
        data = None if ended else self.node(())
        if type(self.peek()) is yaml.DocumentEndToken:
            self.index += 1
        self.take(yaml.StreamEndToken)
        return data

    def empty(self, path: Path, after: Any) -> None:
        self.positions.values[path] = (after.end_mark.line + 1, after.end_mark.column + 1)

    def node(self, path: Path) -> Any:
        token = self.peek()
        kind = type(token)
        if kind is yaml.ScalarToken:
            self.index += 1
            self.positions.values[path] = _at(token)
            return _scalar(token)
        if kind is yaml.BlockMappingStartToken:
            self.index += 1
            return self.block_mapping(path, token)
        if kind is yaml.BlockSequenceStartToken:
            self.index += 1
            self.positions.values[path] = _at(token)
            return self.block_sequence(path, yaml.BlockEndToken)
        if kind is yaml.BlockEntryToken:  # an indentless sequence under a mapping key
            self.positions.values[path] = _at(token)
            return self.block_sequence(path, None)
        if kind is yaml.FlowSequenceStartToken:
            self.index += 1
            self.positions.values[path] = _at(token)
            return self.flow_sequence(path)
        if kind is yaml.FlowMappingStartToken:
            self.index += 1
            self.positions.values[path] = _at(token)
            return self.flow_mapping(path)
        raise Unsupported

    def key(self, path: Path) -> tuple[Any, Path]:
        token = self.peek()
        if type(token) is not yaml.ScalarToken:
            raise Unsupported  # complex keys and empty keys
        self.index += 1
        key = _scalar(token)
        if key == "<<" and token.plain:
            raise Unsupported  # merge keys
        try:
            hash(key)
        except TypeError as exc:
            raise Unsupported from exc
        child = (*path, key)
        self.positions.keys[child] = _at(token)
        return key, child

    def pair_value(self, child: Path, enders: tuple[type, ...]) -> Any:
        """The value after a key: empty (null) when no value token or no node follows."""
        token = self.peek()
        if type(token) is not yaml.ValueToken:
            self.empty(child, token)
            return None
        self.index += 1
        if type(self.peek()) in enders:
            self.empty(child, token)
            return None
        return self.node(child)

    def block_mapping(self, path: Path, start: Any) -> dict[Any, Any]:
        # the hot loop of validation: "key: scalar" pairs are handled inline
        tokens, values = self.tokens, self.positions.values
        values[path] = _at(start)
        mapping: dict[Any, Any] = {}
        while type(tokens[self.index]) is yaml.KeyToken:
            self.index += 1
            key, child = self.key(path)
            values.pop(child, None)
            token = tokens[self.index]
            following = tokens[self.index + 1] if type(token) is yaml.ValueToken else None
            if type(following) is yaml.ScalarToken:
                self.index += 2
                values[child] = _at(following)
                mapping[key] = _scalar(following)
            else:
                mapping[key] = self.pair_value(child, (yaml.KeyToken, yaml.BlockEndToken))
        self.take(yaml.BlockEndToken)
        return mapping

    def block_sequence(self, path: Path, end: type | None) -> list[Any]:
        items: list[Any] = []
        while type(self.peek()) is yaml.BlockEntryToken:
            entry = self.take(yaml.BlockEntryToken)
            child = (*path, len(items))
            if type(self.peek()) in (yaml.BlockEntryToken, yaml.BlockEndToken, yaml.KeyToken):
                self.empty(child, entry)
                items.append(None)
            else:
                items.append(self.node(child))
        if end is not None:
            self.take(end)
        return items

    def flow_sequence(self, path: Path) -> list[Any]:
        items: list[Any] = []
        while type(self.peek()) is not yaml.FlowSequenceEndToken:
            if type(self.peek()) is yaml.KeyToken:
                raise Unsupported  # single-pair mappings inside flow sequences
            items.append(self.node((*path, len(items))))
            if type(self.peek()) is yaml.FlowEntryToken:
                self.index += 1
            elif type(self.peek()) is not yaml.FlowSequenceEndToken:
                raise Unsupported
        self.index += 1
        return items

    def flow_mapping(self, path: Path) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        while type(self.peek()) is not yaml.FlowMappingEndToken:
            self.take(yaml.KeyToken)
            key, child = self.key(path)
            self.positions.values.pop(child, None)
            mapping[key] = self.pair_value(child, (yaml.FlowEntryToken, yaml.FlowMappingEndToken))
            if type(self.peek()) is yaml.FlowEntryToken:
                self.index += 1
            elif type(self.peek()) is not yaml.FlowMappingEndToken:
                raise Unsupported
        self.index += 1
        return mapping


def _scalar(token: Any) -> Any:
    """A scalar's value as SafeLoader constructs it."""
    value = token.value
    if not token.plain or (value and value[0] not in _RESOLVABLE_FIRST):
        return value  # quoted or block scalars, and plain ones no implicit type can match, are strings
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    if tag == _STR_TAG:
        return value
    construct = SafeConstructor.yaml_constructors.get(tag)
    if construct is None:
        raise Unsupported
    return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, value, token.start_mark, token.end_mark))


def build(tokens: list[Any]) -> tuple[Any, Positions]:
    """The data and positions of a complete token stream; raises ``Unsupported`` for rare YAML."""
    try:
        builder = _Builder(tokens)
        data = builder.document()
    except IndexError as exc:
        raise Unsupported from exc
    if builder.index != len(tokens):
        raise Unsupported
    return data, builder.positions
