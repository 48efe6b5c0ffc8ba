"""The system prompt: one per taxonomy, put in every training sample and every eval and serving prompt.

LAB models are trained and served with one fixed system prompt (InstructLab's records always carry one), and
small instruct models answer differently without the one they were tuned with. lab's default is below; a
taxonomy sets its own in ``.lab.toml`` (``[train] system_prompt``), ``lab train --system-prompt`` overrides both,
and the lineage records the one a checkpoint was trained with, so ``lab eval`` asks it the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Answer accurately and concisely."


def with_system_prompt(messages: Sequence[dict], system_prompt: str) -> tuple[dict, ...]:
    """The conversation with ``system_prompt`` as its first turn, unless it already opens with a system turn
    (or the prompt is empty)."""
    if not system_prompt or (messages and messages[0].get("role") == "system"):
        return tuple(messages)
    return ({"role": "system", "content": system_prompt}, *messages)


TEMPLATE_MARK = "{#- lab: default system prompt -#}"


def default_system_template(template: str, system_prompt: str) -> str:
    """A chat template that puts ``system_prompt`` first when a conversation opens without a system turn (so a
    server or chat client of the checkpoint asks as lab trained it); an earlier default of lab's is replaced."""
    if template.startswith(TEMPLATE_MARK):
        template = template.split("\n", 1)[1] if "\n" in template else ""
    if not system_prompt:
        return template
    literal = json.dumps(system_prompt)  # a JSON string is a valid Jinja string literal
    prefix = (
        f"{TEMPLATE_MARK}{{%- if messages and messages[0]['role'] != 'system' -%}}"
        f"{{%- set messages = [{{'role': 'system', 'content': {literal}}}] + messages -%}}{{%- endif -%}}\n"
    )
    return prefix + template
