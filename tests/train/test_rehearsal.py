"""Rehearsal: general conversations drawn afresh into every epoch of every phase; a user's replay file is checked
line by line before anything trains."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lab_cli.cli.main import main
from lab_cli.errors import UsageError
from lab_cli.train.lineage import read_lineage
from lab_cli.train.mixing import EpochMixer, PhasePlan, rehearsal_quotas
from lab_cli.train.rehearsal import REHEARSAL_KIND, read_replay_data
from tests.helpers.gitrepos import Repo
from tests.helpers.snapshots import QA, commit_leaves
from tests.train.test_mixing import pool


def _conversation(question: str, answer: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]})


def _replay_file(path: Path, count: int) -> Path:
    path.write_text(
        "".join(_conversation(f"General question {i}?", f"General answer {i}.") + "\n" for i in range(count))
    )
    return path


def test_quotas_scale_with_the_new_samples_and_split_over_sources() -> None:
    assert rehearsal_quotas({"a": 100, "b": 100}, 40, 0.25) == {"a": 5, "b": 5}
    assert rehearsal_quotas({"a": 3, "b": 100}, 40, 0.5) == {"a": 3, "b": 10}  # never more than a source holds
    assert rehearsal_quotas({"a": 100}, 40, 0.0) == {"a": 0}


def test_every_epoch_draws_rehearsal_afresh_from_each_source(tmp_path: Path) -> None:
    source = read_replay_data(_replay_file(tmp_path / "general.jsonl", 50))
    new = pool("k/new", 20)
    plan = PhasePlan("knowledge_short", tuple(new), tuple(pool("k/old", 10)), source.examples)
    mixer = EpochMixer(plan, 0.3, 1, seed=3, rehearsal_ratio=0.5)
    assert mixer.rehearsal_per_epoch == 10 and len(mixer) == 20 + 3 + 10
    draws = []
    for epoch in range(3):
        drawn = [e for e in mixer.epoch(epoch) if e.kind == REHEARSAL_KIND]
        assert len(drawn) == 10 and len({id(e) for e in drawn}) == 10
        draws.append({e.sample_id for e in drawn})
    assert draws[0] != draws[1] or draws[1] != draws[2]
    without = EpochMixer(plan, 0.3, 1, seed=3, rehearsal_ratio=0.0)
    assert not [e for e in without.epoch(0) if e.kind == REHEARSAL_KIND]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("{not json", "not JSON"),
        ('{"text": "no messages"}', 'no "messages" list'),
        ('{"messages": [{"role": "wizard", "content": "x"}]}', "a turn must have a role"),
        ('{"messages": [{"role": "user", "content": "only a question"}]}', "the last turn must be the assistant"),
    ],
)
def test_a_malformed_replay_line_is_named(tmp_path: Path, line: str, says: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(_conversation("fine?", "fine.") + "\n" + line + "\n")
    with pytest.raises(UsageError) as raised:
        read_replay_data(path)
    assert f"{path}, line 2" in str(raised.value) and says in str(raised.value)


@pytest.fixture(scope="module")
def repo_with_phases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A commit whose snapshot has short and long knowledge and a skill: all three phases run."""
    repo = Repo(tmp_path_factory.mktemp("rehearsal") / "repo")
    knowledge = [QA(f"What is item {i}?", f"It is {i}.") for i in range(6)]
    knowledge += [QA("Tell the whole story.", "It is a long story. " * 5, length="long")]
    commit, _ = commit_leaves(repo, {"knowledge/items": knowledge, "compositional_skills/tiny": knowledge[:4]})
    return repo.top, commit


def _train(repo: Path, commit: str, model: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "train", "-C", str(repo), "--data", commit, "--out", str(out), "--model", str(model),
            "--preset", "tiny", "--epochs", "2", "--leaf-floor", "0", *extra,
        ]
    )  # fmt: skip


def test_rehearsal_reaches_every_epoch_of_every_phase(
    tiny_model: Path, repo_with_phases: tuple[Path, str], tmp_path: Path
) -> None:
    repo, commit = repo_with_phases
    replay = _replay_file(tmp_path / "general.jsonl", 30)
    out = tmp_path / "model"
    assert _train(repo, commit, tiny_model, out, "--replay-data", str(replay), "--rehearsal-ratio", "1") == 0
    lineage = read_lineage(out)
    assert lineage is not None and lineage.rehearsal[0]["source"] == "file" and lineage.rehearsal[0]["samples"] == 30
    phases = [p for p in lineage.phases if p["status"] == "done"]
    assert [p["name"] for p in phases] == ["knowledge_short", "knowledge_long", "skills"]
    for phase in phases:
        metrics = phase["metrics"]
        assert metrics["rehearsal_per_epoch"] == min(30, phase["new_samples"])  # ratio 1, no floor
        seen = Counter(json.loads((Path(phase["checkpoint"]) / "lab_seen.json").read_text()))
        rehearsed = sum(count for sample, count in seen.items() if sample.startswith(f"{REHEARSAL_KIND}:"))
        assert rehearsed == metrics["rehearsal_per_epoch"] * metrics["epochs_run"] > 0


def test_a_bad_replay_file_fails_before_anything_trains(
    tiny_model: Path, repo_with_phases: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, commit = repo_with_phases
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_conversation("ok?", "ok.") + "\n\n" + '{"messages": "nope"}\n')
    out = tmp_path / "model"
    assert _train(repo, commit, tiny_model, out, "--replay-data", str(bad)) == 2
    assert "line 3" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_self_rehearsal_rehearses_the_starting_models_answers_never_a_probe(
    tiny_model: Path, repo_with_phases: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lab_cli.general.probes import TAXONOMY_PROBE_FILE, probe_prompts, rehearsal_prompts

    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    repo, commit = repo_with_phases
    taken = rehearsal_prompts()[0].text  # the taxonomy makes a shipped rehearsal prompt one of its probes
    (repo / TAXONOMY_PROBE_FILE).write_text(json.dumps({"prompt": taken}) + "\n")
    out = tmp_path / "model"
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"rehearsal_answers": 1}))
    assert _train(repo, commit, tiny_model, out, "--self-rehearsal", "--settings", str(settings)) == 0
    lineage = read_lineage(out)
    assert lineage is not None
    (record,) = lineage.rehearsal
    assert record["source"] == "self" and record["temperature"] == 1.0 and record["samples"] > 0
    cached = [json.loads(line) for line in Path(record["cache"]).read_text().splitlines()]
    asked = {row["messages"][0]["content"] for row in cached}
    assert asked == {p.text for p in rehearsal_prompts()} - {taken}
    assert not asked & {p.text for p in probe_prompts()}
    for phase in (p for p in lineage.phases if p["status"] == "done"):
        seen = json.loads((Path(phase["checkpoint"]) / "lab_seen.json").read_text())
        rehearsed = sum(count for sample, count in seen.items() if sample.startswith(f"{REHEARSAL_KIND}:self"))
        assert rehearsed == phase["metrics"]["rehearsal_per_epoch"] * phase["metrics"]["epochs_run"] > 0
    before = Path(record["cache"]).stat().st_mtime_ns
    again = tmp_path / "again"
    assert _train(repo, commit, tiny_model, again, "--self-rehearsal", "--settings", str(settings)) == 0
    assert Path(record["cache"]).stat().st_mtime_ns == before  # made once per model and settings
    assert read_lineage(again).rehearsal == lineage.rehearsal
