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

_SCALAR, _KEY, _VALUE, _ENTRY = yaml.ScalarToken, yaml.KeyToken, yaml.ValueToken, yaml.BlockEntryToken
_BLOCK_END, _BLOCK_MAP_START, _BLOCK_SEQ_START = (
    yaml.BlockEndToken,
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
)
_FLOW_SEQ_END, _FLOW_MAP_END = yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken
_FLOW_STARTS = {yaml.FlowMappingStartToken: FLOW_MAP, yaml.FlowSequenceStartToken: FLOW_SEQ}
_INVISIBLE = frozenset({yaml.StreamStartToken, yaml.StreamEndToken, yaml.BlockEndToken})
_FLOW_END = frozenset({_FLOW_SEQ_END, _FLOW_MAP_END})
_PROPERTY = frozenset({yaml.AnchorToken, yaml.TagToken})
_NO_VALUE_AFTER = frozenset({_BLOCK_END, _FLOW_MAP_END, _FLOW_SEQ_END, _KEY})
_ENTRY_ENDERS = frozenset({_ENTRY, _BLOCK_END})
_CLOSES = frozenset({_FLOW_SEQ_END, _FLOW_MAP_END, _BLOCK_END})
_SEQUENCE_STARTS = frozenset({_BLOCK_SEQ_START, _ENTRY})
_OPEN_ONLY_ON_TOP = (ENTRY, VALUE, KEY)


class _Unexpected(Exception):
    """A token sequence the rule cannot follow; reported once, then the rule stops."""


def check(source: LintSource) -> Iterator[Problem]:
    """Walk the tokens once, keeping a stack of open collections and the column each expects.

    A stack frame is a tuple ``(kind, indent, line_indent, explicit_key, implicit_sequence)``. The width of
    one level (``spaces``) and whether sequences under keys are indented are learned from their first use.
    The loop is written flat on purpose: it runs once per token of every validated file.
    """
    text, tokens = source.text, source.tokens
    kinds = source.kinds
    count = len(tokens)
    stack: list[tuple[int, int, int, bool, bool]] = [(ROOT, 0, 0, False, False)]
    current_line, current_line_indent = -1, 0
    learned: dict[str, Any] = {"spaces": None, "indent_sequences": None}

    def detect(base: int, following: Any) -> int:
        if learned["spaces"] is None:
            learned["spaces"] = following.start_mark.column - base
        return base + learned["spaces"]

    skip_to = 0
    for index in range(source.checked_count):
        if index < skip_to:
            continue
        token, kind = tokens[index], kinds[index]
        following = tokens[index + 1] if index + 1 < count else None
        try:
            if kind not in _INVISIBLE and not (kind is _SCALAR and token.value == ""):
                start = token.start_mark
                if start.line + 1 > current_line:  # first token on its line: is it where it should be?
                    found, top = start.column, stack[-1]
                    expected = top[1]
                    if kind in _FLOW_END:
                        expected = top[2]
                    elif top[0] == KEY and top[3] and kind is not _VALUE:
                        expected = detect(expected, token)
                    if found != expected:
                        yield _wrong(start.line + 1, found, expected)
                    current_line_indent = found
                end = token.end_mark
                if kind is _SCALAR and text[end.index - 1 : end.index].isspace():
                    current_line = _real_end_line(text, token)  # trailing line breaks: end mark is past the text
                else:
                    current_line = end.line + 1
            if kind is _SCALAR:
                pass  # the most common token opens nothing
            elif kind is _KEY:
                value_index = _one_line_pair(tokens, kinds, index)
                if value_index:  # "key: scalar" on one line opens and closes its frames itself: skip to its end
                    value = tokens[value_index]
                    end = value.end_mark
                    if text[end.index - 1 : end.index].isspace():
                        current_line = _real_end_line(text, value)
                    else:
                        current_line = end.line + 1
                    skip_to = value_index + 1
                    kind, following = _SCALAR, (tokens[skip_to] if skip_to < count else None)
                else:
                    stack.append((KEY, stack[-1][1], 0, is_explicit_key(token, text), False))
            elif kind is _VALUE:
                value = _value_frame(stack[-1], tokens, index, detect, learned)
                if value is not None:
                    stack.append(value)
            elif kind is _ENTRY:
                if type(following) not in _ENTRY_ENDERS:
                    if stack[-1][0] != BLOCK_SEQ:  # a sequence flush with its key gets no start token
                        stack.append((BLOCK_SEQ, token.start_mark.column, 0, False, True))
                    column = following.start_mark.column
                    if following.start_mark.line == token.end_mark.line or column == token.start_mark.column:
                        stack.append((ENTRY, column, 0, False, False))
                    else:
                        stack.append((ENTRY, detect(token.start_mark.column, following), 0, False, False))
            elif kind is _BLOCK_MAP_START or kind is _BLOCK_SEQ_START:
                needed = _KEY if kind is _BLOCK_MAP_START else _ENTRY
                if type(following) is not needed or following.start_mark.line != token.start_mark.line:
                    raise _Unexpected
                stack.append((BLOCK_MAP if needed is _KEY else BLOCK_SEQ, token.start_mark.column, 0, False, False))
            elif kind in _FLOW_STARTS:
                if following.start_mark.line == token.start_mark.line:
                    indent = following.start_mark.column
                else:
                    indent = detect(current_line_indent, following)
                stack.append((_FLOW_STARTS[kind], indent, current_line_indent, False, False))
            if kind in _CLOSES or stack[-1][0] in _OPEN_ONLY_ON_TOP:
                _close(stack, kind, type(following))
        except _Unexpected:
            yield Problem(
                token.start_mark.line + 1, token.start_mark.column + 1, "cannot infer indentation: unexpected token"
            )
            return
        except (AttributeError, IndexError):
            return  # the look-ahead ran out: a stream cut short by a syntax error


def _one_line_pair(tokens: list[Any], kinds: list[type], index: int) -> int:
    """Index of the value scalar when the key token at ``index`` starts an implicit ``key: scalar`` on one line.

    Such a pair pushes a key and a value frame that its own value scalar pops again, and none of its tokens
    after the key can be first on a line, so the rule can step over it (0 when the shape is different).
    """
    if kinds[index + 1 : index + 4] != [_SCALAR, _VALUE, _SCALAR]:
        return 0
    key, key_name, value = tokens[index], tokens[index + 1], tokens[index + 3]
    if key.start_mark.index != key.end_mark.index or key_name.value == "" or value.value == "":
        return 0
    return index + 3 if value.start_mark.line == key_name.start_mark.line else 0


def _wrong(line: int, found: int, expected: int) -> Problem:
    if expected < 0:
        return Problem(line, found + 1, f"wrong indentation: expected at least {found + 1}")
    return Problem(line, found + 1, f"wrong indentation: expected {expected} but found {found}")


def _real_end_line(text: str, token: Any) -> int:
    """The line a scalar really ends on: its end mark may sit on a later line after trailing breaks."""
    end = token.end_mark
    position = end.index - 1
    end_line = end.line + 1
    first = token.start_mark.index - 1
    while position >= first and text[position] in string.whitespace:
        if text[position] == "\n":
            end_line -= 1
        position -= 1
    return end_line


def _value_frame(key: tuple, tokens: list[Any], index: int, detect: Any, learned: dict[str, Any]) -> tuple | None:
    """The frame a mapping value opens, or None for an empty value."""
    if key[0] != KEY:
        raise _Unexpected
    previous, following = tokens[index - 1], tokens[index + 1]
    if (
        type(following) in _PROPERTY
        and following.start_mark.line == previous.start_mark.line
        and following.start_mark.line < tokens[index + 2].start_mark.line
    ):
        following = tokens[index + 2]  # "key: &anchor" or "key: !!tag" with the value on the next line
    if type(following) in _NO_VALUE_AFTER:
        return None
    if key[3]:
        indent = detect(key[1], following)
    elif following.start_mark.line == previous.start_mark.line:
        indent = following.start_mark.column
    elif type(following) in _SEQUENCE_STARTS:
        flush = following.start_mark.column == key[1]
        if learned["indent_sequences"] is None:  # the first sequence under a key decides for the file
            learned["indent_sequences"] = not flush
            indent = key[1] if flush else detect(key[1], following)
        elif not learned["indent_sequences"]:
            indent = key[1]
        elif flush and learned["spaces"] is None:
            indent = -1  # should be indented, by a width not known yet
        else:
            indent = detect(key[1], following)
    else:
        indent = detect(key[1], following)
    return (VALUE, indent, 0, False, False)


def _close(stack: list[tuple], kind: type, following: type) -> None:
    """Pop the frames that ``kind`` (followed by a token of type ``following``) ends."""
    consumed = False
    while True:
        top = stack[-1][0]
        if not consumed and (
            (top == FLOW_SEQ and kind is _FLOW_SEQ_END)
            or (top == FLOW_MAP and kind is _FLOW_MAP_END)
            or (top in (BLOCK_MAP, BLOCK_SEQ) and kind is _BLOCK_END and not stack[-1][4])
        ):
            stack.pop()
            consumed = True
        elif top == ENTRY and kind is not _ENTRY and kind not in _PROPERTY and stack[-2][4] and following is not _ENTRY:
            del stack[-2:]
        elif top == ENTRY and following in _ENTRY_ENDERS:
            stack.pop()
        elif top == VALUE and kind is not _VALUE and kind not in _PROPERTY:
            if stack[-2][0] != KEY:
                raise _Unexpected
            del stack[-2:]
        elif top == KEY and following in _NO_VALUE_AFTER:
            stack.pop()  # a key without a value
        else:
            return
