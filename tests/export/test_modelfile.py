"""The Ollama Modelfile beside an exported GGUF: ChatML TEMPLATE or the GGUF's own, the lineage's SYSTEM."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lab_cli.errors import UsageError
from lab_cli.export.gguf import export_gguf
from lab_cli.export.modelfile import CHATML_TEMPLATE, modelfile_text
from lab_cli.train.lineage import Lineage, write_lineage

CHATML = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"


def test_a_chatml_model_gets_ollamas_chatml_template_and_its_stop_token() -> None:
    text = modelfile_text("m.gguf", CHATML, "Be brief.", "<|endoftext|>")
    assert text.splitlines()[1] == "FROM ./m.gguf"
    assert f'TEMPLATE """{CHATML_TEMPLATE}"""' in text and 'SYSTEM """Be brief."""' in text
    assert text.endswith('PARAMETER stop "<|im_end|>"\n')


def test_another_template_is_left_to_ollamas_reading_of_the_gguf() -> None:
    text = modelfile_text("m.gguf", "{{ messages }}", "", "<|end|>")
    assert "TEMPLATE" not in text.replace("no TEMPLATE", "") and "SYSTEM" not in text
    assert text.endswith('PARAMETER stop "<|end|>"\n')


def test_a_prompt_a_modelfile_cannot_quote_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="cannot quote"):
        modelfile_text("m.gguf", None, 'Say """hi"""', None)


def test_the_export_writes_the_lineage_system_prompt(tiny_model: Path, tmp_path: Path) -> None:
    checkpoint = Path(shutil.copytree(tiny_model, tmp_path / "c1"))
    lineage = Lineage("base", None, "", "", "", (), {}, (), {}, system_prompt="You answer in French.")
    write_lineage(checkpoint, lineage)
    written = export_gguf(checkpoint, tmp_path / "out" / "c1.gguf")
    text = written.modelfile.read_text(encoding="utf-8")
    assert written.modelfile == tmp_path / "out" / "Modelfile"
    assert 'SYSTEM """You answer in French."""' in text and 'PARAMETER stop "<|end|>"' in text
