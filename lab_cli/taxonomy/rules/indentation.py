"""indentation (warning): consistent indentation, as yamllint's relaxed preset checks it.

The width is whatever the file first uses, then the same everywhere; block sequences under a key are either
all indented or all flush with the key. Multi-line strings are not checked.

Passes::

    seed_examples:
      - question: Why?
        answer: Because.

Fails (the second item is indented differently from the first)::

    seed_examples:
      - question: Why?
         answer: Because.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import is_explicit_key

ID = "indentation"
SEVERITY = Severity.WARNING
FIXABLE = False

ROOT, BLOCK_MAP, FLOW_MAP, BLOCK_SEQ, FLOW_SEQ, ENTRY, KEY, VALUE = range(8)

_INVISIBLE = frozenset({yaml.StreamStartToken, yaml.StreamEndToken, yaml.BlockEndToken})
_FLOW_END = (yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
_NO_VALUE_AFTER = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken, yaml.KeyToken)
_PROPERTY = (yaml.AnchorToken, yaml.TagToken)
_OPENS = frozenset(
    {
        yaml.BlockMappingStartToken,
        yaml.FlowMappingStartToken,
        yaml.FlowSequenceStartToken,
        yaml.BlockSequenceStartToken,
        yaml.BlockEntryToken,
        yaml.KeyToken,
        yaml.ValueToken,
    }
)
_CLOSES = frozenset({yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken})


class _Unexpected(Exception):
    """A token sequence the rule cannot follow; reported once, then the rule stops."""


class _Frame:
    __slots__ = ("explicit_key", "implicit_sequence", "indent", "kind", "line_indent")

    def __init__(
        self, kind: int, indent: int, line_indent: int = 0, explicit_key: bool = False, implicit_sequence: bool = False
    ) -> None:
        self.kind = kind
        self.indent = indent
        self.line_indent = line_indent
        self.explicit_key = explicit_key
        self.implicit_sequence = implicit_sequence


class _Indentation:
    """Walks the tokens keeping a stack of open collections and the indentation each expects."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.stack = [_Frame(ROOT, 0)]
        self.current_line = -1
        self.current_line_indent = 0
        self.spaces: int | None = None  # learned from the first indented child
        self.indent_sequences: bool | None = None  # learned from the first sequence under a key

    def detect(self, base: int, following: Any) -> int:
        if self.spaces is None:
            self.spaces = following.start_mark.column - base
        return base + self.spaces

    def real_end_line(self, token: Any) -> int:
        end_line = token.end_mark.line + 1
        if isinstance(token, yaml.ScalarToken):
            position = token.end_mark.index - 1
            while position >= token.start_mark.index - 1 and self.text[position] in string.whitespace:
                if self.text[position] == "\n":
                    end_line -= 1
                position -= 1
        return end_line

    def visit(self, token: Any, previous: Any, following: Any, after_next: Any) -> Problem | None:
        kind = type(token)
        problem = None
        if kind not in _INVISIBLE and not (kind is yaml.ScalarToken and token.value == ""):
            start = token.start_mark
            if start.line + 1 > self.current_line:
                problem = self.check_position(token)
                self.current_line_indent = start.column
            self.current_line = self.real_end_line(token) if kind is yaml.ScalarToken else token.end_mark.line + 1
        if kind in _OPENS:
            self.open(token, previous, following, after_next)
        if kind in _CLOSES or self.stack[-1].kind in (ENTRY, VALUE, KEY):
            self.close(token, following)
        return problem

    def check_position(self, token: Any) -> Problem | None:
        found = token.start_mark.column
        top = self.stack[-1]
        expected = top.indent
        if isinstance(token, _FLOW_END):
            expected = top.line_indent
        elif top.kind == KEY and top.explicit_key and not isinstance(token, yaml.ValueToken):
            expected = self.detect(expected, token)
        if found == expected:
            return None
        if expected < 0:
            message = f"wrong indentation: expected at least {found + 1}"
        else:
            message = f"wrong indentation: expected {expected} but found {found}"
        return Problem(token.start_mark.line + 1, found + 1, message)

    def open(self, token: Any, previous: Any, following: Any, after_next: Any) -> None:
        if isinstance(token, yaml.BlockMappingStartToken):
            self.require(isinstance(following, yaml.KeyToken) and following.start_mark.line == token.start_mark.line)
            self.stack.append(_Frame(BLOCK_MAP, token.start_mark.column))
        elif isinstance(token, (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
            kind = FLOW_MAP if isinstance(token, yaml.FlowMappingStartToken) else FLOW_SEQ
            if following.start_mark.line == token.start_mark.line:
                indent = following.start_mark.column
            else:
                indent = self.detect(self.current_line_indent, following)
            self.stack.append(_Frame(kind, indent, line_indent=self.current_line_indent))
        elif isinstance(token, yaml.BlockSequenceStartToken):
            self.require(
                isinstance(following, yaml.BlockEntryToken) and following.start_mark.line == token.start_mark.line
            )
            self.stack.append(_Frame(BLOCK_SEQ, token.start_mark.column))
        elif isinstance(token, yaml.BlockEntryToken):
            self.open_entry(token, following)
        elif isinstance(token, yaml.KeyToken):
            self.stack.append(_Frame(KEY, self.stack[-1].indent, explicit_key=is_explicit_key(token, self.text)))
        elif isinstance(token, yaml.ValueToken):
            self.open_value(previous, following, after_next)

    def open_entry(self, token: Any, following: Any) -> None:
        if isinstance(following, (yaml.BlockEntryToken, yaml.BlockEndToken)):
            return  # an empty entry
        if self.stack[-1].kind != BLOCK_SEQ:  # a sequence flush with its key gets no start token
            self.stack.append(_Frame(BLOCK_SEQ, token.start_mark.column, implicit_sequence=True))
        if following.start_mark.line == token.end_mark.line or following.start_mark.column == token.start_mark.column:
            indent = following.start_mark.column
        else:
            indent = self.detect(token.start_mark.column, following)
        self.stack.append(_Frame(ENTRY, indent))

    def open_value(self, previous: Any, following: Any, after_next: Any) -> None:
        key = self.stack[-1]
        self.require(key.kind == KEY)
        if (
            isinstance(following, _PROPERTY)
            and following.start_mark.line == previous.start_mark.line
            and following.start_mark.line < after_next.start_mark.line
        ):
            following = after_next  # "key: &anchor" or "key: !!tag" with the value on the next line
        if isinstance(following, _NO_VALUE_AFTER):
            return
        if key.explicit_key:
            indent = self.detect(key.indent, following)
        elif following.start_mark.line == previous.start_mark.line:
            indent = following.start_mark.column
        elif isinstance(following, (yaml.BlockSequenceStartToken, yaml.BlockEntryToken)):
            flush = following.start_mark.column == key.indent
            if self.indent_sequences is None:  # the first sequence under a key decides for the file
                self.indent_sequences = not flush
                indent = key.indent if flush else self.detect(key.indent, following)
            elif not self.indent_sequences:
                indent = key.indent
            elif flush and self.spaces is None:
                indent = -1  # should be indented, by a width not known yet
            else:
                indent = self.detect(key.indent, following)
        else:
            indent = self.detect(key.indent, following)
        self.stack.append(_Frame(VALUE, indent))

    def close(self, token: Any, following: Any) -> None:
        consumed = False
        while True:
            top = self.stack[-1]
            if not consumed and (
                (top.kind == FLOW_SEQ and isinstance(token, yaml.FlowSequenceEndToken))
                or (top.kind == FLOW_MAP and isinstance(token, yaml.FlowMappingEndToken))
                or (
                    top.kind in (BLOCK_MAP, BLOCK_SEQ)
                    and isinstance(token, yaml.BlockEndToken)
                    and not top.implicit_sequence
                )
            ):
                self.stack.pop()
                consumed = True
            elif (
                top.kind == ENTRY
                and not isinstance(token, (yaml.BlockEntryToken, *_PROPERTY))
                and self.stack[-2].implicit_sequence
                and not isinstance(following, yaml.BlockEntryToken)
            ):
                del self.stack[-2:]
            elif top.kind == ENTRY and isinstance(following, (yaml.BlockEntryToken, yaml.BlockEndToken)):
                self.stack.pop()
            elif top.kind == VALUE and not isinstance(token, (yaml.ValueToken, *_PROPERTY)):
                self.require(self.stack[-2].kind == KEY)
                del self.stack[-2:]
            elif top.kind == KEY and isinstance(following, _NO_VALUE_AFTER):
                self.stack.pop()  # a key without a value
            else:
                return

    @staticmethod
    def require(condition: bool) -> None:
        if not condition:
            raise _Unexpected


def check(source: LintSource) -> Iterator[Problem]:
    tokens = source.tokens
    state = _Indentation(source.text)
    count = len(tokens)
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else None
        following = tokens[index + 1] if index + 1 < count else None
        after_next = tokens[index + 2] if index + 2 < count else None
        try:
            problem = state.visit(token, previous, following, after_next)
        except (_Unexpected, IndexError, AttributeError):
            mark = token.start_mark
            yield Problem(mark.line + 1, mark.column + 1, "cannot infer indentation: unexpected token")
            return
        if problem:
            yield problem
