"""Reading what a teacher wrote: lists of questions, question/answer pairs, contexts, judge scores.

Teachers — small local ones especially — answer loosely. These parsers accept the usual variants (numbered
or bulleted lists, "Question:"/"Answer:" labels in any case, Markdown bold) and return nothing rather than
guess; the caller counts an empty result as a ``parse`` drop. They never raise on odd text.
"""

from __future__ import annotations

import re

_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•]|Q\d*[:.)])\s+(.+?)\s*$", re.MULTILINE)
_LABELLED = re.compile(
    r"\**\s*(?:question|q)\s*\d*\s*\**\s*[:：]\s*\**(?P<question>.+?)\s*\n+\s*\**\s*(?:answer|a)\s*\d*\s*\**\s*[:：]\s*"
    r"\**(?P<answer>.+?)(?=\n\s*\**\s*(?:question|q)\s*\d*\s*\**\s*[:：]|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_SCORE = re.compile(r"(?:score|rating)\s*\**\s*[:：=]?\s*\**\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^\s*\**\s*(\d+(?:\.\d+)?)\s*\**\s*(?:/\s*\d+)?\s*\.?\s*$", re.MULTILINE)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip("*").strip()).strip()


def parse_list(text: str, minimum_words: int = 3) -> list[str]:
    """Items of a numbered or bulleted list (each at least ``minimum_words`` words)."""
    items = [_clean(match) for match in _ITEM.findall(text)]
    return [item for item in items if len(item.split()) >= minimum_words]


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``(question, answer)`` pairs written as "Question: … Answer: …" blocks."""
    pairs = []
    for match in _LABELLED.finditer(text):
        question, answer = _clean(match.group("question")), _clean(match.group("answer"))
        if question and answer:
            pairs.append((question, answer))
    return pairs


def parse_score(text: str, maximum: float) -> float | None:
    """A judge's score: "Score: 4", "Rating = 2/3" or a bare number on its own line; None if absent or too big."""
    match = _SCORE.search(text) or _BARE_NUMBER.search(text)
    if match is None:
        return None
    value = float(match.group(1))
    return value if 0 <= value <= maximum else None
