"""Characters that must not pass unseen from a repository into names or output: control and bidi characters.

A newline in a folder name can forge lines in git plumbing or in a report; an escape sequence can rewrite a
terminal; a right-to-left override can make a path read as another. ``visible`` shows each such character as
a ``\\xNN`` or ``\\uNNNN`` escape.
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
"""C0 and C1 controls, DEL, zero-width characters, line and paragraph separators, bidi marks and overrides."""


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control, zero-width or bidi character."""
    return _INVISIBLE.search(text) is not None


def visible(text: str) -> str:
    """``text`` with every control, zero-width or bidi character written as an escape (a backslash stays)."""
    return _INVISIBLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
