"""Repository text made safe for each format lab writes: Markdown comments, terminals, annotations, SARIF.

Paths and messages come from a pull request, so they may hold HTML, Markdown, mentions, escape sequences or
newlines. Every renderer passes them through one of these functions; control characters are always shown as
escapes (``lab_cli.text.visible``), never passed on.
"""

from __future__ import annotations

from urllib.parse import quote

from rich.markup import escape as rich_escape

from lab_cli.text import visible

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_MARKDOWN_PUNCTUATION = frozenset("\\`*_{}[]()#+!|~@:$")
"""Characters with a meaning in GitHub Markdown inline text (``@`` mentions, ``:`` emoji and autolinks)."""


def markdown(text: str) -> str:
    """``text`` as literal Markdown inline text: HTML characters as entities, Markdown punctuation escaped."""
    out = []
    for char in visible(text):
        out.append(_ENTITIES.get(char) or ("\\" + char if char in _MARKDOWN_PUNCTUATION else char))
    return "".join(out)


def markdown_code(text: str) -> str:
    """``text`` as inline code in Markdown (an HTML ``<code>``, so backticks in it cannot close it)."""
    return f"<code>{markdown(text)}</code>"


def terminal(text: str) -> str:
    """``text`` for a rich console: control characters shown as escapes, rich markup escaped."""
    return rich_escape(visible(text))


def annotation_data(text: str) -> str:
    """``text`` as the message of a GitHub Actions workflow command."""
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def annotation_property(text: str) -> str:
    """``text`` as a property (``file=``, ``title=``) of a GitHub Actions workflow command."""
    return annotation_data(text).replace(":", "%3A").replace(",", "%2C")


def sarif_uri(path: str) -> str:
    """A repository path as a SARIF artifact URI (percent-encoded, relative to ``%SRCROOT%``)."""
    return quote(path, safe="/")
