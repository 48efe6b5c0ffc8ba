"""``lab train``, ``lab eval`` and ``lab model log`` on a real repo: a lineage of three commits, resume, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab_cli.cli.main import main
from tests.cli.test_validate_cli import run_lab
from tests.helpers.gitrepos import Repo
from tests.helpers.snapshots import QA, commit_leaves

REPO_ROOT = Path(__file__).resolve().parents[2]


def facts(name: str, count: int = 12) -> list[QA]:
    return [
        QA(f"What is {name} {i}?", f"{name} {i} is {i % 3}.", split="eval" if i % 4 == 0 else "train")
        for i in range(count)
    ]


def three_commits(repo: Repo) -> list[str]:
    """Commit 1: two knowledge leaves; 2: a skill; 3: a knowledge leaf and a long-answer leaf."""
    first, _ = commit_leaves(repo, {"knowledge/a": facts("alpha"), "knowledge/b": facts("beta")}, "one")
    second, _ = commit_leaves(repo, {"compositional_skills/s": facts("echo")}, "two")
    long = [QA(f"Tell me about gamma {i}.", f"gamma {i} " * 6, "long", "eval" if i == 0 else "train") for i in range(4)]
    third, _ = commit_leaves(repo, {"knowledge/c": facts("gamma"), "knowledge/d": long}, "three")
    return [first, second, third]


def train_args(repo: Repo, commit: str, out: Path, *more: str) -> list[str]:
    return [
        "train",
        "-C",
        str(repo.top),
        "--data",
        commit,
        "--out",
        str(out),
        "--preset",
        "tiny",
        "--epochs",
        "2",
        *more,
    ]


@pytest.fixture(scope="module")
def chain(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, list[Path]]:
    """Three checkpoints, each trained from the previous on the next commit."""
    root = tmp_path_factory.mktemp("chain")
    repo = Repo(root / "repo")
    commits, outs = three_commits(repo), [root / f"m{i}" for i in range(3)]
    assert main(train_args(repo, commits[0], outs[0], "--model", str(tiny_model))) == 0
    for previous, commit, out in zip(outs[:-1], commits[1:], outs[1:], strict=True):
        assert main(train_args(repo, commit, out, "--parent", str(previous))) == 0
    return repo, outs


def test_lineage_of_three_commits(chain, capsys) -> None:
    _, outs = chain
    capsys.readouterr()
    assert main(["model", "log", str(outs[2]), "--format", "json"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [Path(entry["checkpoint"]) for entry in log] == [outs[2], outs[1], outs[0]]
    assert [sorted(entry["new_keys"]) for entry in log] == [
        ["knowledge/c", "knowledge/d"],
        ["compositional_skills/s"],
        ["knowledge/a", "knowledge/b"],
    ]
    assert log[0]["parent"] == str(outs[1].resolve()) and log[2]["parent"] is None
    assert len(log[0]["trained_keys"]) == 5 and set(log[1]["trained_keys"]) < set(log[0]["trained_keys"])
    statuses = [[(p["name"], p["status"]) for p in entry["phases"]] for entry in log]
    assert statuses[0] == [("knowledge_short", "done"), ("knowledge_long", "done"), ("skills", "skipped")]
    assert statuses[1] == [("knowledge_short", "skipped"), ("knowledge_long", "skipped"), ("skills", "done")]
    replayed = log[1]["phases"][2]["replay_per_epoch"]
    assert replayed == 4 + 4, "the skills phase replays every old knowledge leaf (min 4 per leaf)"
    assert log[0]["phases"][0]["metrics"]["non_pad_share"] == 1.0
    assert main(["model", "log", str(outs[2])]) == 0
    assert "new leaves: knowledge/c, knowledge/d" in capsys.readouterr().out


def test_eval_scores_leaves_and_builds_the_forgetting_matrix(chain, tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib", reason="the train extra (matplotlib) is not installed")
    _, outs = chain
    capsys.readouterr()
    assert main(["eval", "--model", str(outs[0]), "--format", "json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert sorted(leaf["leaf"] for leaf in scores["leaves"]) == ["knowledge/a", "knowledge/b"]
    assert all(0.0 <= leaf["rouge_l"] <= 1.0 and leaf["samples"] == 3 for leaf in scores["leaves"])
    cached = json.loads((outs[0] / "lab_lineage.json").read_text())["scores"]
    assert sorted(cached.values(), key=lambda s: s["leaf"]) == scores["leaves"], "lab eval --model caches its scores"
    plot = tmp_path / "r.png"
    assert main(["eval", "--lineage", str(outs[2]), "--plot", str(plot), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["matrix"]) == 3 and all(len(row) == 3 for row in report["matrix"])
    assert report["learned"] == [report["matrix"][j][j] for j in range(3)]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    first = json.loads((outs[0] / "lab_lineage.json").read_text())
    assert len(first["scores"]) == 5, "every group's leaves were scored on the first checkpoint and cached there"
    assert len(first["base_scores"]) == 5, "row 0 is cached beside them, not overwritten by them"
    assert main(["eval", "--lineage", str(outs[2])]) == 0
    printed = capsys.readouterr().out
    assert "ACC" in printed and "\nstart " in printed and "too few to judge" in printed


def test_row_zero_is_the_starting_model_and_gains_are_measured_from_it(chain, tiny_model: Path, capsys) -> None:
    from lab_cli.evaluate.scores import eval_items, score_items
    from lab_cli.gitrepo import GitRepo
    from lab_cli.train.lineage import lineage_chain, read_lineage

    _, outs = chain
    capsys.readouterr()
    assert main(["eval", "--lineage", str(outs[2]), "--metric", "token_f1", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    steps = lineage_chain(outs[2])
    first = steps[0][1]
    git, direct, answers = GitRepo(Path(first.taxonomy_repo)), [], {}
    for _, lineage in steps:  # the base model itself, scored afresh on each step's new leaves
        items = eval_items(git, lineage.dataset_snapshot, set(lineage.new_keys.values()))
        scores = score_items(tiny_model, items, system_prompt=first.system_prompt)
        direct.append(sum(score.token_f1 for score in scores.values()) / len(scores))
        answers |= {item.item_id: (item.answer, item.cond_gain) for score in scores.values() for item in score.items}
    assert report["base"] == pytest.approx(direct, abs=1e-4)
    row_zero = read_lineage(outs[0]).base_scores
    cached = {item["item_id"]: item for entry in row_zero.values() for item in entry["items"]}
    assert cached.keys() == answers.keys()
    for item_id, (answer, gain) in answers.items():  # row 0 is the starting model's, not a trained checkpoint's
        assert cached[item_id]["answer"] == answer
        assert cached[item_id]["cond_gain"] == (None if gain is None else pytest.approx(gain, abs=2e-4))
    assert report["gains"] == pytest.approx([report["learned"][j] - report["base"][j] for j in range(3)], abs=1e-3)
    assert len(row_zero) == 5, "row 0 is cached with the chain's first checkpoint"
    gains = {gain["leaf"]: gain for gain in report["leaf_gains"]}
    assert gains["knowledge/d"]["n"] == 1 and gains["knowledge/d"]["too_few"]
    assert gains["knowledge/a"]["n"] == 3 and not gains["knowledge/a"]["too_few"]
    assert all(low <= high for low, high in report["intervals"].values())
    assert report["intervals"].keys() == {"acc", "bwt", "mean_gain"}


def test_resume_after_a_killed_run_skips_finished_phases(tiny_model: Path, repo: Repo, tmp_path: Path) -> None:
    commit, _ = commit_leaves(repo, {"knowledge/a": facts("alpha"), "compositional_skills/s": facts("echo", 24)})
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"phases": {"skills": {"epochs": 12, "batch_size": 4, "micro_batch_size": 4}}}))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "lab_cli", *train_args(repo, commit, out, "--model", str(tiny_model))]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen([*command, "--settings", str(settings)], env=env, stdout=subprocess.DEVNULL)
    journal = out / "lab_journal.json"
    deadline = time.monotonic() + 120
    while not (journal.is_file() and len(json.loads(journal.read_text())["phases"]) == 2):
        assert process.poll() is None and time.monotonic() < deadline, "phase 1 never finished"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "lab_lineage.json").exists()
    first = json.loads(journal.read_text())["phases"][0]
    done = subprocess.run([*command, "--settings", str(settings), "--resume"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "phase 1 knowledge_short: already done (resumed)" in done.stdout
    phases = json.loads(journal.read_text())["phases"]
    assert phases[0] == first and [p["status"] for p in phases] == ["done", "skipped", "done"]
    from transformers import AutoModelForCausalLM

    assert AutoModelForCausalLM.from_pretrained(out).num_parameters() > 0
    assert json.loads((out / "lab_lineage.json").read_text())["new_keys"].keys() == {
        "knowledge/a",
        "compositional_skills/s",
    }


def test_errors_are_one_line_with_what_to_do(tiny_model: Path, repo: Repo, tmp_path: Path, capsys) -> None:
    commit, _ = commit_leaves(repo, {"knowledge/a": facts("alpha")})
    assert main(train_args(repo, commit, tmp_path / "x", "--model", str(tmp_path / "missing"))) == 2
    assert "not a Hugging Face checkpoint folder" in capsys.readouterr().err
    repo.commit("no snapshot for this one")
    assert main(train_args(repo, "HEAD", tmp_path / "x", "--model", str(tiny_model))) == 1
    assert "has no dataset snapshot; run lab generate" in capsys.readouterr().err
    assert main(train_args(repo, commit, tmp_path / "y", "--model", str(tiny_model), "--resume")) == 1
    assert "nothing to resume" in capsys.readouterr().err
    assert main(train_args(repo, commit, tmp_path / "z", "--parent", str(tiny_model))) == 2
    assert "has no lab_lineage.json" in capsys.readouterr().err
    assert main(["eval"]) == 2 and "exactly one of --model" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("eval", "--model", "missing"), 2, "missing: not a Hugging Face checkpoint folder (no config.json); give"),
        (("eval", "--model", "base"), 2, "base was not trained by lab train, so no snapshot goes with it; pass --data"),
        (("eval", "--lineage", "missing"), 2, "missing: no such folder; give a checkpoint folder lab train wrote"),
        (("model", "log", "missing"), 2, "missing: no such folder; give a checkpoint folder lab train wrote"),
        (("model", "log", "base"), 2, "base has no lab_lineage.json: it was not trained by lab train; give"),
    ],
)
def test_checkpoint_errors_are_one_clear_line(tmp_path: Path, args: tuple[str, ...], code: int, message: str) -> None:
    Repo(tmp_path).commit("no snapshot yet")
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "config.json").write_text("{}")  # a checkpoint lab did not train
    result = run_lab(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_two_processes_under_torchrun_share_the_data(tiny_model: Path, repo: Repo, tmp_path: Path) -> None:
    commit, _ = commit_leaves(repo, {"knowledge/a": [QA(f"What is a{i}?", f"a{i}.") for i in range(40)]})
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"phases": {"knowledge_short": {"micro_batch_size": 4, "save_every_epoch": False}}}))
    out = tmp_path / "out"
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "lab_cli"]
    args = train_args(repo, commit, out, "--model", str(tiny_model), "--batch-size", "8", "--settings", str(settings))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([*launcher, *args, "--epochs", "1"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    phase = json.loads((out / "lab_journal.json").read_text())["phases"][0]
    # 40 samples, effective batch 8 = 2 processes × micro batch 4: 5 steps; unsharded processes would take 10
    assert phase["metrics"]["steps"] == 5 and (out / "lab_lineage.json").is_file()


def test_cached_scores_are_read_not_recomputed(chain, tmp_path: Path, capsys) -> None:
    from lab_cli.evaluate.scores import eval_items, lineage_scores
    from lab_cli.gitrepo import GitRepo
    from lab_cli.train.lineage import read_lineage

    _, outs = chain
    assert main(["eval", "--model", str(outs[1]), "--format", "json"]) == 0
    lineage = read_lineage(outs[1])
    items = eval_items(GitRepo(Path(lineage.taxonomy_repo)), lineage.dataset_snapshot)
    weightless = tmp_path / "weights-gone"  # scoring anything would have to load a model from here, and fail
    scores = lineage_scores(weightless, lineage, items)
    assert scores.keys() == {item.key for item in items}
    assert all(score.as_dict() == lineage.scores[key] for key, score in scores.items())


def test_general_drift_along_the_lineage_is_measured_cached_and_shown(chain, tiny_model: Path, tmp_path, capsys):
    from lab_cli.evaluate.drift import measure_drift
    from lab_cli.general.probes import probe_set, read_prompt_file
    from lab_cli.train.lineage import read_lineage

    _, outs = chain
    mine = tmp_path / "mine.jsonl"
    mine.write_text(json.dumps({"prompt": "Say hello to Ada."}) + "\n", encoding="utf-8")
    probes = ["--probe-count", "3", "--probe", str(mine)]
    capsys.readouterr()
    plot = tmp_path / "drift.png"
    assert main(["eval", "--lineage", str(outs[2]), *probes, "--plot", str(plot), "--format", "json"]) == 0
    drift = json.loads(capsys.readouterr().out)["drift"]
    assert [step["n"] for step in drift] == [4, 4, 4] and all(step["kl"] > 0 for step in drift)
    assert all(0.0 <= step["agreement"] <= 1.0 for step in drift) and plot.stat().st_size > 0
    base_probes = read_lineage(outs[0]).base_probes
    assert len(base_probes) == 1 and "Say hello to Ada." in next(iter(base_probes.values()))
    prompts = probe_set(None, 3, read_prompt_file(mine))
    texts = {prompt.text for prompt in prompts}  # an earlier lab eval may have cached lab's default probes too
    assert all(texts <= set(next(iter(read_lineage(out).probe_drift.values()))) for out in outs)
    afresh = measure_drift(tiny_model, outs[2], prompts, read_lineage(outs[2]).system_prompt, batch_size=4)
    assert afresh.kl == pytest.approx(drift[2]["kl"], abs=2e-4), "drift is measured against the starting model"
    assert afresh.agreement == pytest.approx(drift[2]["agreement"], abs=1e-4)
    written = [(out / "lab_lineage.json").stat().st_mtime_ns for out in outs]
    assert main(["eval", "--model", str(outs[2]), *probes, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["drift"] == drift[2]
    assert main(["eval", "--lineage", str(outs[2]), *probes]) == 0
    printed = capsys.readouterr().out
    assert "general drift from the starting model (4 probe prompts" in printed and "\nstep 3 " in printed
    assert [(out / "lab_lineage.json").stat().st_mtime_ns for out in outs] == written, "cached: nothing measured again"


def test_eval_of_a_checkpoint_whose_starting_model_is_gone_scores_leaves_and_says_why_no_drift(
    chain, tmp_path: Path, capsys
) -> None:
    import dataclasses
    import shutil

    from lab_cli.train.lineage import read_lineage, write_lineage

    _, outs = chain
    moved = shutil.copytree(outs[0], tmp_path / "m0")
    write_lineage(moved, dataclasses.replace(read_lineage(moved), base_model=str(tmp_path / "gone")))
    capsys.readouterr()
    assert main(["eval", "--model", str(moved), "--probe-count", "2", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["leaves"] and report["drift"] is None
    assert "the starting model" in report["drift_skipped"] and "gone" in report["drift_skipped"]
    assert main(["eval", "--model", str(moved), "--probe-count", "2"]) == 0
    assert "general drift not measured: the starting model" in capsys.readouterr().out
