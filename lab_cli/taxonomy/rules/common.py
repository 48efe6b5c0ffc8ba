"""Spacing checks shared by token rules, measured on token marks (0-based lines, columns and indexes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lab_cli.taxonomy.rules.base import LintSource, Problem

NO_LIMIT = -1


def spaces_after(
    token: Any,
    following: Any,
    *,
    most: int = NO_LIMIT,
    least: int = NO_LIMIT,
    too_many: str = "",
    too_few: str = "",
) -> Problem | None:
    """A problem when the gap between ``token`` and the next token on its line is out of bounds."""
    if following is None or token.end_mark.line != following.start_mark.line:
        return None
    spaces = following.start_mark.index - token.end_mark.index
    if most != NO_LIMIT and spaces > most:
        return Problem(token.start_mark.line + 1, following.start_mark.column, too_many)
    if least != NO_LIMIT and spaces < least:
        return Problem(token.start_mark.line + 1, following.start_mark.column + 1, too_few)
    return None


def spaces_before(
    text: str,
    token: Any,
    previous: Any,
    *,
    most: int = NO_LIMIT,
    least: int = NO_LIMIT,
    too_many: str = "",
    too_few: str = "",
) -> Problem | None:
    """A problem when the gap between the previous token on the line and ``token`` is out of bounds."""
    if previous is None or previous.end_mark.line != token.start_mark.line:
        return None
    end = previous.end_mark.index
    if end > 0 and text[end - 1] == "\n":  # scalars may end at the start of the next line
        return None
    spaces = token.start_mark.index - end
    if most != NO_LIMIT and spaces > most:
        return Problem(token.start_mark.line + 1, token.start_mark.column, too_many)
    if least != NO_LIMIT and spaces < least:
        return Problem(token.start_mark.line + 1, token.start_mark.column + 1, too_few)
    return None


def neighbours(source: LintSource, *kinds: type) -> Iterator[tuple[Any, Any, Any]]:
    """Yield ``(previous, token, next)`` for each token of the given types."""
    tokens = source.tokens
    last = len(tokens) - 1
    for index in source.indices(*kinds):
        yield (tokens[index - 1] if index else None), tokens[index], (tokens[index + 1] if index < last else None)


def is_explicit_key(token: Any, text: str) -> bool:
    """Whether a key token is an explicit ``? key``."""
    start, end = token.start_mark.index, token.end_mark.index
    return start < end and text[start] == "?"


MAX_SPACES_INSIDE = 1
"""yamllint's relaxed preset allows one space inside braces and brackets."""


def inside_spacing(source: LintSource, opener: type, closer: type, name: str):
    """Problems with the spaces just inside a flow collection's delimiters (braces or brackets)."""
    text = source.text
    if opener is None or ("{" not in text and "[" not in text):
        return
    for previous, token, following in neighbours(source, opener, closer):
        if isinstance(token, opener):
            empty = isinstance(following, closer)
            problem = spaces_after(
                token,
                following,
                most=MAX_SPACES_INSIDE,
                least=0,
                too_many=f"too many spaces inside {'empty ' if empty else ''}{name}",
            )
        elif not isinstance(previous, opener):
            problem = spaces_before(
                text,
                token,
                previous,
                most=MAX_SPACES_INSIDE,
                least=0,
                too_many=f"too many spaces inside {name}",
            )
        else:
            problem = None
        if problem:
            yield problem
