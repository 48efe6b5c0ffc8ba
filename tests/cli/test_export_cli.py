"""``lab model export``: the JSON summary for scripts, and one-line errors (exit 2) that leave nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab_cli.cli.main import main
from tests.cli.test_validate_cli import run_lab


def test_json_summary_names_what_was_written(tiny_model: Path, tmp_path: Path) -> None:
    done = run_lab("model", "export", str(tiny_model), "--out", str(tmp_path / "tiny.gguf"), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["path"] == str(tmp_path / "tiny.gguf") and summary["dtype"] == "f16"
    assert summary["bytes"] == (tmp_path / "tiny.gguf").stat().st_size and summary["tensors"] > 0
    assert Path(summary["modelfile"]).read_text(encoding="utf-8").splitlines()[1] == "FROM ./tiny.gguf"


def tiny_gpt2(folder: Path) -> Path:
    from transformers import GPT2Config, GPT2LMHeadModel

    GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=16, n_head=2, vocab_size=64, n_positions=32)).save_pretrained(folder)
    return folder


def test_an_unsupported_architecture_is_one_line_and_exit_2(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the training extra (torch, transformers) is not installed")
    model = tiny_gpt2(tmp_path / "gpt2")
    done = run_lab("model", "export", str(model), "--out", str(tmp_path / "out" / "m.gguf"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "'gpt2'" in done.stderr and "supported: llama" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def config_only(folder: Path) -> Path:
    """A folder with a Llama config.json and nothing else: no weights, no tokenizer."""
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "vocab_size": 8}), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp: tmp / "missing", "no such folder"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "no config.json"),
        (lambda tmp: config_only(tmp / "bare"), "cannot be read as a Hugging Face checkpoint"),
    ],
)
def test_a_missing_or_damaged_checkpoint_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, says: str
) -> None:
    pytest.importorskip("torch", reason="the training extra (torch, transformers) is not installed")
    out = tmp_path / "out.gguf"
    assert main(["model", "export", str(make(tmp_path)), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and says in error and not out.exists()


def test_only_gguf_and_its_dtypes_are_offered(tiny_model: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.gguf"
    assert main(["model", "export", str(tiny_model), "--out", str(out), "--format", "onnx"]) == 2
    assert main(["model", "export", str(tiny_model), "--out", str(out), "--dtype", "q4_0"]) == 2
    assert "f16, q8_0, f32" in capsys.readouterr().err and not out.exists()
