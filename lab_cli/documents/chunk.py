"""Cutting documents into chunks that fit a teacher prompt.

With a tokenizer (a local teacher's), chunks are measured in its tokens; without one, in words (a budget of
``max_tokens * 0.75`` words, a common words-per-token ratio for English). Paragraphs stay whole when they fit;
a paragraph longer than the budget is split at sentence ends, then at words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_PARAGRAPHS = re.compile(r"\n\s*\n")
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def chunk_text(text: str, max_tokens: int = 800, count: Callable[[str], int] | None = None) -> list[str]:
    """Chunks of ``text`` of at most ``max_tokens`` (by ``count``, else by an estimate from words)."""
    measure = count or (lambda piece: int(len(piece.split()) / 0.75 + 0.5))
    chunks: list[str] = []
    current: list[str] = []
    for piece in _pieces(text, max_tokens, measure):
        candidate = "\n\n".join([*current, piece])
        if current and measure(candidate) > max_tokens:
            chunks.append("\n\n".join(current))
            current = [piece]
        else:
            current.append(piece)
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _pieces(text: str, max_tokens: int, measure: Callable[[str], int]) -> list[str]:
    pieces = []
    for paragraph in (p.strip() for p in _PARAGRAPHS.split(text)):
        if not paragraph:
            continue
        if measure(paragraph) <= max_tokens:
            pieces.append(paragraph)
            continue
        for sentence in _SENTENCES.split(paragraph):
            if measure(sentence) <= max_tokens:
                pieces.append(sentence)
            else:
                words = sentence.split()
                step = max(1, int(len(words) * max_tokens / max(1, measure(sentence))))
                pieces.extend(" ".join(words[i : i + step]) for i in range(0, len(words), step))
    return pieces
