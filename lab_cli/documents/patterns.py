"""``document.patterns``: checked glob patterns, matched without backtracking.

Paths are matched from the repository root: ``*`` and ``?`` stay inside one folder, ``**/`` spans any number of
folders (``docs/**/*.md``), ``**`` elsewhere spans anything, ``[abc]``, ``[a-z]`` and ``[!abc]`` are character
classes (an unclosed ``[`` is a literal). A pattern must be relative, without ``..``, control characters, or
reversed ranges, at most ``MAX_LENGTH`` characters and ``MAX_DEPTH`` folders deep.

Matching follows the set of path positions the pattern so far can reach, token by token: the work is bounded by
(pattern tokens) x (path length), whatever the pattern, where a backtracking regular expression built from
nested ``**/`` grows with every level of the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lab_cli.text import has_control, visible

MAX_LENGTH = 256
"""Longest pattern accepted (real patterns are a file name or ``*.md``)."""

MAX_DEPTH = 32
"""Most folder levels in a pattern."""


class PatternError(ValueError):
    """A pattern lab refuses, with the reason in plain words."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "text" | "one" | "class" | "star" | "any" | "folders"
    text: str = ""
    ranges: tuple[tuple[str, str], ...] = ()
    negated: bool = False

    def accepts(self, char: str) -> bool:
        """Whether a one-character token matches ``char`` (never the folder separator)."""
        if char == "/":
            return False
        if self.kind == "one":
            return True
        inside = any(low <= char <= high for low, high in self.ranges)
        return inside != self.negated


@dataclass(frozen=True)
class Pattern:
    """A checked pattern; ``matches`` tells whether a path from the repository root is selected."""

    source: str
    tokens: tuple[_Token, ...]

    def matches(self, path: str) -> bool:
        """Whether ``path`` matches the whole pattern."""
        reached = {0}
        for token in self.tokens:
            reached = _advance(token, path, reached)
            if not reached:
                return False
        return len(path) in reached


def pattern_problem(pattern: object) -> str:
    """Why a ``document.patterns`` entry is refused, or an empty string when it is fine."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return ""


def compile_pattern(pattern: object) -> Pattern:
    """A checked pattern; ``PatternError`` says what is wrong with it."""
    if not isinstance(pattern, str) or not pattern:
        raise PatternError("a pattern must be a non-empty string")
    shown = repr(visible(pattern[:60]) + ("…" if len(pattern) > 60 else ""))
    if len(pattern) > MAX_LENGTH:
        raise PatternError(f"pattern {shown} is longer than {MAX_LENGTH} characters")
    if has_control(pattern):
        raise PatternError(f"pattern {shown} holds control characters")
    if pattern.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", pattern):
        raise PatternError(f"pattern {shown} is absolute; patterns are relative to the repository root")
    folders = pattern.split("/")
    if ".." in folders:
        raise PatternError(f"pattern {shown} climbs out of the repository with '..'")
    if len(folders) > MAX_DEPTH:
        raise PatternError(f"pattern {shown} is more than {MAX_DEPTH} folders deep")
    return Pattern(pattern, tuple(_tokens(pattern, shown)))


def _tokens(pattern: str, shown: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            tokens.append(_Token("folders"))
            index += 3
        elif pattern.startswith("**", index):
            tokens.append(_Token("any"))
            index += 2
        elif pattern[index] == "*":
            tokens.append(_Token("star"))
            index += 1
        elif pattern[index] == "?":
            tokens.append(_Token("one"))
            index += 1
        elif pattern[index] == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            tokens.append(_class(pattern[index + 1 : end], shown))
            index = end + 1
        else:
            if tokens and tokens[-1].kind == "text":
                tokens[-1] = _Token("text", tokens[-1].text + pattern[index])
            else:
                tokens.append(_Token("text", pattern[index]))
            index += 1
    return tokens


def _class(body: str, shown: str) -> _Token:
    negated = body[0] in "!^"
    if negated:
        body = body[1:]
    ranges, index = [], 0
    while index < len(body):
        if index + 2 < len(body) and body[index + 1] == "-":
            low, high = body[index], body[index + 2]
            if low > high:
                raise PatternError(f"pattern {shown} has the reversed range {low}-{high}")
            ranges.append((low, high))
            index += 3
        else:
            ranges.append((body[index], body[index]))
            index += 1
    return _Token("class", ranges=tuple(ranges), negated=negated)


def _advance(token: _Token, path: str, reached: set[int]) -> set[int]:
    """The path positions reachable after ``token`` from the positions in ``reached``."""
    end = len(path)
    if token.kind == "text":
        return {at + len(token.text) for at in reached if path.startswith(token.text, at)}
    if token.kind in ("one", "class"):
        return {at + 1 for at in reached if at < end and token.accepts(path[at])}
    if token.kind == "any":
        return set(range(min(reached), end + 1))
    result: set[int] = set()
    for at in sorted(reached):
        if at in result:
            continue  # everything from here was reached from an earlier start already
        if token.kind == "star":
            slash = path.find("/", at)
            result.update(range(at, (end if slash < 0 else slash) + 1))
        else:  # "folders": zero or more non-empty folder names, each followed by a slash
            result.add(at)
            slash = path.find("/", at)
            while slash > at:
                at = slash + 1
                result.add(at)
                slash = path.find("/", at)
    return result
