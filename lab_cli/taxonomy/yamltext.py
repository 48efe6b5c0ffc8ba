"""YAML parsing that keeps positions: tokens for lint rules, the node tree for schema error positions.

Scanning and composing run in libyaml (C); only the construction of Python values runs in Python, exactly as
``yaml.load(..., Loader=CSafeLoader)`` does, so a validated file costs little more than a plain load.
Aliases are measured before anything is expanded, and nesting depth is bounded, so YAML bombs and deeply
nested input fail fast instead of exhausting memory or the C stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from typing import Any

import yaml

from lab_cli.taxonomy.diagnostics import Diagnostic
from lab_cli.taxonomy.fastload import Positions, Unsupported, build
from lab_cli.taxonomy.syntax_words import plain

try:
    _FastLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml: correct, only slower
    _FastLoader = yaml.SafeLoader

MAX_DEPTH = 64
"""Deepest nesting accepted; a qna.yaml needs 5 levels."""

MAX_EXPANDED_NODES = 100_000
"""Largest node count after alias expansion; beyond it a file is treated as a YAML bomb."""

_OPENERS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSERS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
_SPECIAL = frozenset({yaml.AnchorToken, yaml.AliasToken, yaml.TagToken})
_DEPTH_CHANGE = {kind: 1 for kind in _OPENERS} | {kind: -1 for kind in _CLOSERS}


@dataclass
class ParsedYaml:
    """What parsing one text produced: tokens (possibly partial), the node tree and the data, or the errors."""

    tokens: list[yaml.Token] = field(default_factory=list)
    data: Any = None
    positions: Positions = field(default_factory=Positions)
    checked_tokens: int | None = None  # after a scanner error: how many tokens lint rules judge
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the text parsed into data."""
        return not self.problems


def _at(mark: Any, rule: str, message: str) -> Diagnostic:
    if mark is None:
        return Diagnostic(1, 1, rule, message)
    return Diagnostic(mark.line + 1, mark.column + 1, rule, message)


def _syntax_problem(exc: yaml.YAMLError) -> Diagnostic:
    if isinstance(exc, yaml.composer.ComposerError) and "single document" in str(exc.context):
        message = "a second YAML document starts here; a qna.yaml holds exactly one"
        return _at(exc.problem_mark, "multiple-documents", message)
    if isinstance(exc, yaml.MarkedYAMLError):
        context_line = exc.context_mark.line + 1 if exc.context_mark else None
        message = plain(exc.problem or "", exc.context, context_line)
        if message is None:
            message = exc.problem or str(exc)
            if exc.context:
                message = f"{message} ({exc.context})"
        return _at(exc.problem_mark or exc.context_mark, "syntax", f"syntax error: {message}")
    return Diagnostic(1, 1, "syntax", f"syntax error: {exc}")


def scan_tokens(text: str, loader: type = _FastLoader) -> tuple[list[yaml.Token], yaml.YAMLError | None]:
    """All tokens of ``text``, or none and the scanner's error (see ``lookahead_tokens`` for that case)."""
    scanner = loader(text)
    try:
        return list(iter(scanner.get_token, None)), None  # iterated from C: no Python loop per token
    except yaml.YAMLError as exc:
        return [], exc
    finally:
        scanner.dispose()


def lookahead_tokens(text: str) -> tuple[list[yaml.Token], int]:
    """The tokens yamllint lints in a file the scanner rejects, and how many of them it judges.

    yamllint judges each token whose two successors were scanned; those successors come along as context.
    Only used on the error path, where matching the reference's findings matters more than speed.
    """
    scanner = yaml.SafeLoader(text)
    seen: list[yaml.Token] = []
    judged = 0
    try:
        while (token := scanner.get_token()) is not None:
            seen.append(token)
            if scanner.check_token():
                scanner.peek_token()
            judged = len(seen) - 1  # the token before this one now has its two successors
    except yaml.YAMLError:
        pass
    finally:
        scanner.dispose()
    return seen, judged


def structure_problem(tokens: list[yaml.Token]) -> tuple[Diagnostic | None, bool]:
    """A diagnostic if collections nest deeper than ``MAX_DEPTH``; and whether any anchor, alias or tag appears."""
    kinds = list(map(type, tokens))
    special = not _SPECIAL.isdisjoint(kinds)
    depths = list(accumulate(map(_DEPTH_CHANGE.get, kinds, repeat(0))))  # computed in C, not per token in Python
    if depths and max(depths) > MAX_DEPTH:
        token = tokens[depths.index(MAX_DEPTH + 1)]
        return _at(token.start_mark, "too-deep", f"nesting deeper than {MAX_DEPTH} levels"), special
    return None, special


def expanded_size(node: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> int:
    """Node count of ``node`` with aliases expanded, computed without expanding (stops counting past ``limit``)."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node) -> int:
        known = sizes.get(id(current))
        if known is not None:
            return known
        sizes[id(current)] = 1  # a node reached again through itself (recursive alias) counts once
        total = 1
        for child in _children(current):
            total = min(limit + 1, total + size(child))
        sizes[id(current)] = total
        return total

    return size(node)


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def parse(text: str) -> ParsedYaml:
    """Parse one YAML document with positions; every failure becomes a diagnostic, never an exception."""
    tokens, error = scan_tokens(text)
    if error is not None and "nesting depth" in str(error):  # libyaml's own limit; PyYAML would take minutes
        return ParsedYaml(problems=[_at(error.problem_mark, "too-deep", "nesting too deep")])
    if error is not None and _FastLoader is not yaml.SafeLoader:
        tokens, error = scan_tokens(text, yaml.SafeLoader)
    if error is not None:
        # The parser reads tokens lazily, so it may fail before the scanner's error: report the first failure.
        result = _compose(text, [], yaml.SafeLoader)
        result.tokens, result.checked_tokens = lookahead_tokens(text)
        if not result.problems:
            result.problems.append(_syntax_problem(error))
        return result
    too_deep, special = structure_problem(tokens)
    if too_deep is not None:
        return ParsedYaml(tokens=tokens, problems=[too_deep])
    if not special:
        try:
            data, positions = build(tokens)
            return ParsedYaml(tokens=tokens, data=data, positions=positions)
        except Unsupported:
            pass
    return _compose(text, tokens, _FastLoader)


def _compose(text: str, tokens: list[yaml.Token], loader_type: type) -> ParsedYaml:
    """Parse with PyYAML's composer and constructor (rare YAML, and every error path)."""
    result = ParsedYaml(tokens=tokens)
    loader = loader_type(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return result
        has_alias = any(isinstance(t, yaml.AliasToken) for t in tokens)
        if has_alias and expanded_size(node) > MAX_EXPANDED_NODES:
            message = f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes"
            result.problems.append(Diagnostic(1, 1, "yaml-bomb", message))
            return result
        result.data = loader.construct_document(node)
        result.positions = Positions.from_node(node)
    except yaml.constructor.ConstructorError as exc:
        result.problems.append(_at(exc.problem_mark, "yaml-tag", f"unsupported value: {exc.problem}"))
    except yaml.YAMLError as exc:
        if loader_type is not yaml.SafeLoader:
            # libyaml and PyYAML disagree on a few corner cases; the reference judges with PyYAML.
            return _compose(text, tokens, yaml.SafeLoader)
        result.problems.append(_syntax_problem(exc))
    except RecursionError:
        result.problems.append(Diagnostic(1, 1, "too-deep", "structure too deeply nested to read"))
    finally:
        loader.dispose()
    return result
