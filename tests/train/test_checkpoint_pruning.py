"""``lab train`` leaves one copy of the weights: phase checkpoints are pruned to their sample records once the run
completes (kept whole with ``--keep-phases``), and a pruned run still resumes and still parents the next one."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab_cli.cli.main import main
from tests.cli.test_train_cli import facts, train_args
from tests.helpers.gitrepos import Repo
from tests.helpers.snapshots import commit_leaves


def weights(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.safetensors"))


@pytest.fixture
def commit(repo: Repo) -> str:
    return commit_leaves(repo, {"knowledge/a": facts("alpha"), "compositional_skills/s": facts("echo")})[0]


def test_a_completed_run_keeps_one_copy_of_the_weights(tiny_model: Path, repo: Repo, commit: str, tmp_path) -> None:
    out = tmp_path / "pruned"
    assert main(train_args(repo, commit, out, "--model", str(tiny_model))) == 0
    assert weights(out) == [out / "model.safetensors"]
    left = sorted(path.relative_to(out).as_posix() for path in (out / "phases").rglob("*") if path.is_file())
    assert left == ["phases/1-knowledge_short/lab_seen.json", "phases/3-skills/lab_seen.json"]  # what each saw
    from transformers import AutoModelForCausalLM

    assert AutoModelForCausalLM.from_pretrained(out).num_parameters() > 0


def test_keep_phases_keeps_every_phase_checkpoint(tiny_model: Path, repo: Repo, commit: str, tmp_path) -> None:
    out = tmp_path / "kept"
    assert main(train_args(repo, commit, out, "--model", str(tiny_model), "--keep-phases")) == 0
    phases = sorted(path.name for path in (out / "phases").iterdir())
    assert phases == ["1-knowledge_short", "3-skills"]  # phase 2 had nothing new: skipped, no checkpoint
    assert (
        len(weights(out)) == 3
        and (out / "phases/3-skills/model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()
    )


def test_a_pruned_run_resumes_and_parents_the_next(tiny_model: Path, repo: Repo, commit: str, tmp_path, capsys) -> None:
    out = tmp_path / "c1"
    assert main(train_args(repo, commit, out, "--model", str(tiny_model))) == 0
    before = (out / "model.safetensors").read_bytes()
    capsys.readouterr()
    assert main(train_args(repo, commit, out, "--model", str(tiny_model), "--resume")) == 0
    captured = capsys.readouterr()
    assert "phase 3 skills: already done (resumed)" in captured.out and captured.err == ""
    assert (out / "model.safetensors").read_bytes() == before and weights(out) == [out / "model.safetensors"]
    second, _ = commit_leaves(repo, {"knowledge/b": facts("beta")}, "two")
    assert main(train_args(repo, second, tmp_path / "c2", "--parent", str(out))) == 0
    assert weights(tmp_path / "c2") == [tmp_path / "c2" / "model.safetensors"]
