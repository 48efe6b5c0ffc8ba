"""colons (warning): no space before a colon, at most one after it (``key: value``).

Fails: ``key : value`` and ``key:   value``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from lab_cli.taxonomy.diagnostics import Severity
from lab_cli.taxonomy.rules.base import LintSource, Problem
from lab_cli.taxonomy.rules.common import is_explicit_key, neighbours, spaces_after, spaces_before

ID = "colons"
SEVERITY = Severity.WARNING
FIXABLE = False

_TWO_BLANKS_AFTER_COLON = re.compile(r":(?=[ \t]{2})")
_TWO_BLANKS_AFTER_QUESTION_MARK = re.compile(r"\?(?=[ \t]{2})")
# Both start with a literal, so the regex engine finds them at memchr speed; without a match, "too many
# spaces after" cannot occur and only the character before each colon needs a look.


def check(source: LintSource) -> Iterator[Problem]:
    text, tokens = source.text, source.tokens
    last = len(tokens) - 1
    measure_after = _TWO_BLANKS_AFTER_COLON.search(text) is not None
    for index in source.indices(yaml.ValueToken):
        token = tokens[index]
        start = token.start_mark.index
        if not measure_after and text[start - 1 : start] not in (" ", "\t"):
            continue
        previous, following = tokens[index - 1], (tokens[index + 1] if index < last else None)
        # "*alias :" needs the space, or the colon would be part of the alias name
        if isinstance(previous, yaml.AliasToken) and start - previous.end_mark.index == 1:
            continue
        for problem in (
            spaces_before(text, token, previous, most=0, too_many="too many spaces before colon"),
            spaces_after(token, following, most=1, too_many="too many spaces after colon"),
        ):
            if problem:
                yield problem
    if _TWO_BLANKS_AFTER_QUESTION_MARK.search(text) is None:
        return
    for _, token, following in neighbours(source, yaml.KeyToken):
        if is_explicit_key(token, text):
            problem = spaces_after(token, following, most=1, too_many="too many spaces after question mark")
            if problem:
                yield problem
