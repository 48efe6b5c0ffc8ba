"""An Ollama ``Modelfile`` beside an exported GGUF, so ``ollama create NAME -f Modelfile`` makes a model of it.

For a ChatML chat template (SmolLM2's ``<|im_start|>``/``<|im_end|>``) it writes Ollama's ChatML TEMPLATE
itself, since Ollama's guess from the GGUF's Jinja template is a nearest match; for any other template it
relies on that guess (Ollama reads ``tokenizer.chat_template`` from the GGUF). ``SYSTEM`` is the system prompt
the checkpoint was trained with (its lineage), absent for a checkpoint lab did not train.
"""

from __future__ import annotations

from pathlib import Path

from lab_cli.datasets.store import write_atomic_text
from lab_cli.errors import UsageError
from lab_cli.train.lineage import read_lineage

CHATML_TEMPLATE = """{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}<|im_start|>assistant
"""


def _quoted(text: str, what: str) -> str:
    if '"""' in text:
        raise UsageError(f'the {what} holds """, which an Ollama Modelfile cannot quote; change it and export again')
    return f'"""{text}"""'


def modelfile_text(gguf_name: str, chat_template: str | None, system_prompt: str, stop: str | None) -> str:
    """The Modelfile of ``./gguf_name``: TEMPLATE for ChatML (else the GGUF's own), SYSTEM, a stop token."""
    lines = ["# written by lab model export; make the model with: ollama create NAME -f Modelfile"]
    lines.append(f"FROM ./{gguf_name}")
    if chat_template and "<|im_start|>" in chat_template:
        lines.append(f"TEMPLATE {_quoted(CHATML_TEMPLATE, 'template')}")
        stop = "<|im_end|>"
    else:
        lines.append("# no TEMPLATE: Ollama takes the chat template from the GGUF's tokenizer.chat_template")
    if system_prompt:
        lines.append(f"SYSTEM {_quoted(system_prompt, 'system prompt')}")
    if stop:
        lines.append(f'PARAMETER stop "{stop}"')
    return "\n".join(lines) + "\n"


def write_modelfile(checkpoint: Path, gguf_path: Path, chat_template: str | None, stop: str | None) -> Path:
    """Write ``Modelfile`` beside ``gguf_path`` (atomically), with the checkpoint's lineage system prompt."""
    lineage = read_lineage(checkpoint)
    system_prompt = lineage.system_prompt if lineage else ""
    path = gguf_path.parent / "Modelfile"
    write_atomic_text(path, modelfile_text(gguf_path.name, chat_template, system_prompt, stop))
    return path
