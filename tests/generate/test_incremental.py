"""``lab generate`` on a real 20-leaf repository, requests counted at a real loopback server: only what changed
is generated; a prompt or teacher change invalidates exactly the keys it affects; deletions send nothing."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from lab_cli.datasets.manifest import ManifestEntry
from lab_cli.datasets.snapshot import leaf_samples, read_manifest, snapshot_of
from lab_cli.generate.engine import TeacherChoice, carry_out, prepare
from lab_cli.generate.plan import GenerateOptions
from lab_cli.generate.run import GenerateReport
from lab_cli.gitrepo import GitRepo
from tests.generate.conftest import freeform
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher

SCALE = 1


def run(repo: Repo, server: FakeTeacher, model: str = "fake-teacher", **options: object) -> tuple[GenerateReport, int]:
    """One ``lab generate`` through the engine; the report and the requests the server received for it."""
    before = len(server.requests)
    prepared = prepare(
        GitRepo(repo.top),
        GenerateOptions(scale=SCALE, allow_local_documents=True, **options),
        TeacherChoice(server.url, model, workers=4),
    )
    report = carry_out(prepared)
    return report, len(server.requests) - before


def manifest(repo: Repo) -> Mapping[str, ManifestEntry]:
    git = GitRepo(repo.top)
    return read_manifest(git, snapshot_of(git, "HEAD")).leaves


def test_full_then_one_changed_leaf(twenty_leaves: Repo, scripted_teacher: FakeTeacher) -> None:
    first, sent = run(twenty_leaves, scripted_teacher)
    assert len(first.results) == 20 and first.snapshot
    assert sent == sum(result.sent for result in first.results) == first.plan.as_dict()["estimated_requests"]
    before = manifest(twenty_leaves)

    again, sent = run(twenty_leaves, scripted_teacher)
    assert sent == 0 and again.results == [] and again.snapshot == first.snapshot

    twenty_leaves.leaf("compositional_skills/writing/skill_03", freeform(103))
    twenty_leaves.commit("change one leaf")
    changed, sent = run(twenty_leaves, scripted_teacher)
    assert [result.leaf for result in changed.results] == ["compositional_skills/writing/skill_03"]
    assert sent == changed.results[0].sent == 16  # 1 list + 5 judged + 5 answered + 5 pairs judged
    after = manifest(twenty_leaves)
    assert {leaf for leaf in after if after[leaf].blob != before[leaf].blob} == {
        "compositional_skills/writing/skill_03"
    }


def test_prompt_change_invalidates_only_its_pipeline(
    twenty_leaves: Repo, scripted_teacher: FakeTeacher, tmp_path: Path
) -> None:
    run(twenty_leaves, scripted_teacher)
    edited = tmp_path / "pipelines"
    edited.mkdir()
    shipped = resources.files("lab_cli.generate").joinpath("pipelines/knowledge.yaml").read_text("utf-8")
    (edited / "knowledge.yaml").write_text(shipped.replace("Write {count} new", "Write exactly {count} new"))

    without_all, sent = run(twenty_leaves, scripted_teacher, pipelines_dir=edited)
    assert sent == 0 and without_all.snapshot is None
    assert {item.leaf for item in without_all.plan.by_action("missing")} == {
        "knowledge/history/lighthouses_0",
        "knowledge/history/lighthouses_1",
    }
    with_all, sent = run(twenty_leaves, scripted_teacher, pipelines_dir=edited, all_leaves=True)
    assert sorted(result.leaf for result in with_all.results) == [
        "knowledge/history/lighthouses_0",
        "knowledge/history/lighthouses_1",
    ]
    assert sent == sum(result.sent for result in with_all.results) > 0
    assert with_all.snapshot is not None


def test_teacher_change_invalidates_every_key(twenty_leaves: Repo, scripted_teacher: FakeTeacher) -> None:
    first, _ = run(twenty_leaves, scripted_teacher)
    other, sent = run(twenty_leaves, scripted_teacher, model="other-teacher", all_leaves=True)
    assert len(other.results) == 20 and sent > 0
    keys = {item.leaf: item.key for item in first.plan.leaves}
    assert all(item.key != keys[item.leaf] for item in other.plan.leaves)
    back, sent = run(twenty_leaves, scripted_teacher)  # the first teacher's samples are still stored
    assert sent == 0 and back.results == []


def test_deleted_leaf_sends_nothing_and_leaves_the_snapshot(twenty_leaves: Repo, scripted_teacher: FakeTeacher) -> None:
    run(twenty_leaves, scripted_teacher)
    shutil.rmtree(twenty_leaves.top / "compositional_skills/writing/skill_07")
    twenty_leaves.commit("delete a leaf")
    report, sent = run(twenty_leaves, scripted_teacher)
    assert sent == 0 and report.plan.deleted == ["compositional_skills/writing/skill_07"]
    leaves = manifest(twenty_leaves)
    assert len(leaves) == 19 and "compositional_skills/writing/skill_07" not in leaves


def test_samples_carry_provenance_and_knowledge_lengths(twenty_leaves: Repo, scripted_teacher: FakeTeacher) -> None:
    report, _ = run(twenty_leaves, scripted_teacher)
    git = GitRepo(twenty_leaves.top)
    samples = leaf_samples(git, report.snapshot, "knowledge/history/lighthouses_0")
    origins = {sample["metadata"]["origin"] for sample in samples}
    lengths = {sample["metadata"]["length"] for sample in samples if sample["metadata"]["origin"] == "generated"}
    assert origins == {"seed", "generated", "document"} and lengths == {"short", "long"}
    for sample in samples:
        metadata = sample["metadata"]
        assert metadata["leaf"] == "knowledge/history/lighthouses_0"
        assert metadata["taxonomy_commit"] == report.plan.commit and metadata["teacher"] == "fake-teacher"
        assert metadata["pipeline"] == "knowledge/v2" and metadata["split"] in ("train", "eval")
        assert metadata["generation_key"] == report.plan.leaves[-2].key
    assert len({sample["metadata"]["id"] for sample in samples}) == len(samples)


def test_every_leaf_of_five_or_more_samples_keeps_an_eval_sample() -> None:
    from lab_cli.datasets.keys import sample_split
    from lab_cli.generate.run import identified

    samples = [
        {
            "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}],
            "metadata": {"origin": "generated"},
        }
        for i in range(5)
    ]
    for key in ("k1", "k2", "k3", "k4", "k5", "k6"):
        splits = [sample["metadata"]["split"] for sample in identified([dict(s) for s in samples], key)]
        assert "eval" in splits and len(splits) == 5
    few = identified([dict(s) for s in samples[:4]], "k1")  # too few to spare one: the hash alone decides
    assert all(s["metadata"]["split"] == sample_split(s["metadata"]["id"]) for s in few)


def test_without_judges_no_judge_is_asked_and_the_keys_differ(
    twenty_leaves: Repo, scripted_teacher: FakeTeacher
) -> None:
    from tests.helpers.scripted_teacher import step_of

    judged, _ = run(twenty_leaves, scripted_teacher)
    before = len(scripted_teacher.requests)
    unjudged, sent = run(twenty_leaves, scripted_teacher, judges=False, all_leaves=True)
    asked = [step_of(body["messages"][-1]["content"]) for body in scripted_teacher.requests[before:]]
    assert sent == unjudged.plan.as_dict()["estimated_requests"] > 0
    assert asked and all(step.kind != "judge" for step in asked)
    keys = {item.leaf: item.key for item in judged.plan.leaves}
    assert all(item.key != keys[item.leaf] for item in unjudged.plan.leaves)
    assert unjudged.snapshot is not None and unjudged.snapshot != judged.snapshot
