"""YAML parser errors in plain words, with what to do about them.

PyYAML names what its grammar expected (``expected <block end>, but found '<block mapping start>'``); a
contributor needs to hear which mistake that usually is. Each known error becomes a sentence and a fix; an
unknown one keeps the parser's own words. The position stays the parser's (yamllint reports the same one).

    a tab before "- question: a"   → a tab here; YAML indents with spaces only … (lab validate --fix …)
    "task_description hello"       → line 3 has no ':' after its key …
"""

from __future__ import annotations

FORMAT_DOC = "docs/qna-format.md in lab's repository"
"""Where a contributor reads the qna.yaml format; named in messages that say "see"."""

_TAB = (
    "a tab here; YAML indents with spaces only: replace the tab with spaces "
    "(lab validate --fix rewrites tabs that indent)"
)
_INDENT = (
    "wrong indentation: this line is indented differently from the list or mapping it belongs to; "
    "give it the same number of spaces as its siblings (items of one list, keys of one mapping)"
)
_COLON_IN_VALUE = (
    "a key where none can start: this line is indented deeper than its sibling keys, or a value holds ': '; "
    "align the key with its siblings, or put the value in quotes"
)
_UNCLOSED = {
    "while scanning a quoted scalar": "a quoted value whose closing quote is missing",
    "while parsing a flow sequence": "a '[' list that is never closed with ']'",
    "while parsing a flow mapping": "a '{' mapping that is never closed with '}'",
    "while parsing a flow node": "the file ends inside an unclosed '[' or '{', or right after a '-' or ':'",
}


def plain(problem: str, context: str | None, context_line: int | None) -> str | None:
    """A plain-words message for a parser error (``problem``, ``context`` and the line ``context`` marks), or
    None when lab has no better words than the parser's."""
    context = context or ""
    if problem.startswith("found character '\\t'"):
        return _TAB
    if problem.startswith("expected <block end>"):
        return _INDENT
    if problem == "mapping values are not allowed here":
        return _COLON_IN_VALUE
    if problem == "could not find expected ':'" and context == "while scanning a simple key":
        where = f"line {context_line}" if context_line else "a line above"
        return f"{where} has no ':' after its key; write each entry of a mapping as 'key: value'"
    for where, words in _UNCLOSED.items():
        if context == where:
            return words
    return None
