"""Dataset snapshots on a real repository: three taxonomy commits, three snapshots, blobs shared across them."""

from __future__ import annotations

import json
import sys

import pytest

from lab_cli.datasets.keys import GenerationSpec, generation_key, leaf_fingerprint, sample_split
from lab_cli.datasets.snapshot import (
    LeafData,
    default_store,
    diff_manifests,
    leaf_samples,
    read_manifest,
    snapshot_history,
    snapshot_of,
    write_snapshot,
)
from lab_cli.datasets.store import DirectoryStore
from lab_cli.gitrepo import GitRepo
from tests.helpers.gitrepos import Repo
from tests.helpers.leaves import skill_text

SPEC = GenerationSpec("freeform_skill/v1", ("p1",), "fake-teacher", (("temperature", 0.7),), seed=1, scale=2)


def record(repo: Repo, commit: str) -> str:
    """Store samples for every leaf at ``commit`` (made directly, as generation would) and snapshot it."""
    git = GitRepo(repo.top)
    store = default_store(git)
    leaves = []
    paths = git.tree_paths(commit)
    for path in (p for p in paths if p.endswith("/qna.yaml")):
        leaf = path.rsplit("/", 1)[0]
        qna = git.read_file_at(commit, path)
        key = generation_key(leaf_fingerprint(qna, git.read_file_at(commit, f"{leaf}/attribution.txt")), SPEC)
        if not store.is_complete(key):
            samples = [
                {
                    "messages": [{"role": "user", "content": f"{leaf} q{i}"}, {"role": "assistant", "content": "a"}],
                    "metadata": {
                        "leaf": leaf,
                        "generation_key": key,
                        "taxonomy_commit": commit,
                        "split": sample_split(f"{key}-{i}"),
                    },
                }
                for i in range(3)
            ]
            store.append(key, samples)
            store.mark_complete(key)
        kind = "knowledge" if leaf.startswith("knowledge/") else "freeform_skill"
        leaves.append(LeafData(leaf, kind, key, {"pipeline": SPEC.pipeline, "teacher": SPEC.teacher_model}))
    return write_snapshot(git, store, commit, leaves)


def test_three_commits_three_snapshots_with_shared_blobs(repo: Repo) -> None:
    repo.leaf("compositional_skills/a", skill_text())
    repo.leaf("compositional_skills/b", skill_text(created_by="b"))
    repo.leaf("compositional_skills/c", skill_text(created_by="c"))
    first = record(repo, repo.commit("base"))
    repo.leaf("compositional_skills/d", skill_text(created_by="d"))
    second = record(repo, repo.commit("add d"))
    (repo.top / "compositional_skills/a/qna.yaml").write_text(skill_text(examples=6))
    third = record(repo, repo.commit("modify a"))
    repo.git("rm", "-rq", "compositional_skills/c")
    fourth = record(repo, repo.commit("delete c"))
    git = GitRepo(repo.top)
    manifests = [read_manifest(git, snapshot) for snapshot in (first, second, third, fourth)]

    blob = lambda manifest, leaf: manifest.leaves[leaf].blob  # noqa: E731
    assert blob(manifests[0], "compositional_skills/b") == blob(manifests[1], "compositional_skills/b")
    assert blob(manifests[1], "compositional_skills/a") != blob(manifests[2], "compositional_skills/a")
    path = "leaves/compositional_skills/b.jsonl"
    assert git.entries(second, [path])[path].sha == git.entries(first, [path])[path].sha
    assert "compositional_skills/c" not in manifests[3].leaves

    change = diff_manifests(manifests[2], manifests[3])
    assert (change.added, change.changed, change.removed) == ([], [], ["compositional_skills/c"])
    change = diff_manifests(manifests[1], manifests[2])
    assert (change.added, change.changed, change.removed) == ([], ["compositional_skills/a"], [])
    assert snapshot_history(git) == [fourth, third, second, first]
    assert snapshot_of(git, "HEAD") == fourth and snapshot_of(git, fourth) == fourth
    samples = leaf_samples(git, fourth, "compositional_skills/d")
    assert [s["metadata"]["leaf"] for s in samples] == ["compositional_skills/d"] * 3


def test_store_batches_are_atomic_and_counted(tmp_path) -> None:
    store = DirectoryStore(tmp_path / "store")
    store.append("ab" * 32, [{"n": 1}, {"n": 2}])
    store.append("ab" * 32, [{"n": 3}])
    assert store.count("ab" * 32) == 3 and [s["n"] for s in store.read("ab" * 32)] == [1, 2, 3]
    assert not store.is_complete("ab" * 32)
    store.mark_complete("ab" * 32)
    assert store.is_complete("ab" * 32)
    assert not list((tmp_path / "store").rglob("*.tmp"))


def test_split_is_fixed_by_the_sample_id() -> None:
    splits = [sample_split(f"id-{i}") for i in range(1000)]
    assert splits == [sample_split(f"id-{i}") for i in range(1000)]
    assert 50 < splits.count("eval") < 150


def test_data_commands(repo: Repo, capsys) -> None:
    from lab_cli.cli.main import main

    repo.leaf("compositional_skills/a", skill_text())
    repo.leaf("compositional_skills/b", skill_text(created_by="b"))
    first_commit = repo.commit("base")
    record(repo, first_commit)
    repo.git("rm", "-rq", "compositional_skills/b")
    repo.leaf("compositional_skills/c", skill_text(created_by="c"))
    record(repo, repo.commit("swap"))
    capsys.readouterr()
    assert main(["data", "log", "-C", str(repo.top), "--format", "json"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [(e["leaves"], e["new"], e["reused"], e["removed"]) for e in log] == [(2, 1, 1, 1), (2, 2, 0, 0)]
    assert main(["data", "diff", first_commit, "HEAD", "-C", str(repo.top), "--format", "json"]) == 0
    change = json.loads(capsys.readouterr().out)
    assert (change["added"], change["removed"], change["unchanged"]) == (
        ["compositional_skills/c"],
        ["compositional_skills/b"],
        ["compositional_skills/a"],
    )
    assert main(["data", "show", "HEAD", "-C", str(repo.top)]) == 0
    shown = capsys.readouterr().out
    assert "compositional_skills/c  freeform_skill" in shown and "pipeline=freeform_skill/v1" in shown
    assert main(["data", "verify", "-C", str(repo.top), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["problems"] == []
    assert main(["data", "show", "HEAD~5", "-C", str(repo.top)]) == 1


def _two_snapshots(repo: Repo) -> str:
    repo.leaf("compositional_skills/a", skill_text())
    repo.leaf("knowledge/k", skill_text(created_by="k"))
    record(repo, repo.commit("base"))
    (repo.top / "compositional_skills/a/qna.yaml").write_text(skill_text(examples=6))
    return record(repo, repo.commit("modify"))


def test_export_loads_with_datasets_and_matches_the_messages_schema(repo: Repo, tmp_path) -> None:
    import pytest

    datasets = pytest.importorskip("datasets", reason="the train extra (datasets) is not installed")
    from lab_cli.datasets.export import export_snapshot
    from lab_cli.prompts import DEFAULT_SYSTEM_PROMPT

    _two_snapshots(repo)
    git = GitRepo(repo.top)
    counts = export_snapshot(git, "HEAD", tmp_path / "out")
    assert sum(counts.values()) == 6
    for name, count in counts.items():
        if not count:
            continue
        loaded = datasets.load_dataset("json", data_files=str(tmp_path / "out" / f"{name}.jsonl"), split="train")
        assert loaded.num_rows == count
        for row in loaded:
            assert [m["role"] for m in row["messages"]][-1] == "assistant"
            assert all(set(m) == {"role", "content"} and isinstance(m["content"], str) for m in row["messages"])
            assert json.loads(row["metadata"])["generation_key"] and row["id"]
            assert row["messages"][0] == {"role": "system", "content": DEFAULT_SYSTEM_PROMPT}
    (repo.top / ".lab.toml").write_text('[train]\nsystem_prompt = "You answer for the taxonomy."\n')
    export_snapshot(git, "HEAD", tmp_path / "own")
    first = json.loads((tmp_path / "own" / "eval_msgs.jsonl").read_text().splitlines()[0])
    assert first["messages"][0] == {"role": "system", "content": "You answer for the taxonomy."}
    parquet = export_snapshot(git, "HEAD", tmp_path / "pq", "parquet")
    assert parquet == counts
    for name, count in parquet.items():
        path = str(tmp_path / "pq" / f"{name}.parquet")
        assert datasets.load_dataset("parquet", data_files=path, split="train").num_rows == count


def test_parquet_without_pyarrow_says_what_to_install(repo: Repo, tmp_path, monkeypatch, capsys) -> None:
    from lab_cli.cli.main import main

    repo.leaf("compositional_skills/a", skill_text())
    record(repo, repo.commit("base"))
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if the train extra were not installed
    out = tmp_path / "out"
    assert main(["data", "export", "-C", str(repo.top), "--out", str(out), "--format", "parquet"]) == 2
    assert "--format parquet needs pyarrow: pip install" in capsys.readouterr().err and not out.exists()


def test_verify_detects_a_corrupted_object(repo: Repo) -> None:
    import os
    import zlib

    from lab_cli.datasets.maintenance import verify

    _two_snapshots(repo)
    git = GitRepo(repo.top)
    assert verify(git).problems == []
    blob = read_manifest(git, snapshot_of(git, "HEAD")).leaves["compositional_skills/a"].blob
    path = repo.top / ".git" / "objects" / blob[:2] / blob[2:]
    os.chmod(path, 0o644)
    data = zlib.decompress(path.read_bytes()).replace(b"assistant", b"ASSISTANT", 1)
    path.write_bytes(zlib.compress(data))
    problems = verify(git).problems
    assert len(problems) == 1 and "compositional_skills/a" in problems[0]


def test_gc_removes_only_unreferenced_complete_keys(repo: Repo) -> None:
    from lab_cli.datasets.maintenance import collect_garbage

    _two_snapshots(repo)
    git = GitRepo(repo.top)
    store = default_store(git)
    store.append("f" * 64, [{"orphan": True}])
    store.mark_complete("f" * 64)
    store.append("e" * 64, [{"in progress": True}])
    assert collect_garbage(git, store) == ["f" * 64]
    assert "e" * 64 in store.stored_keys() and len(list(store.stored_keys())) == 4


def test_snapshots_travel_with_push_and_fetch(repo: Repo, tmp_path) -> None:
    import subprocess

    from lab_cli.datasets.history import dataset_log

    _two_snapshots(repo)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("push", "-q", str(remote), "HEAD:refs/heads/main", "refs/lab/datasets", "refs/notes/lab")
    clone = Repo(tmp_path / "clone")
    refspecs = ["main:refs/heads/upstream", "refs/lab/datasets:refs/lab/datasets", "refs/notes/lab:refs/notes/lab"]
    clone.git("fetch", "-q", str(remote), *refspecs)
    clone.git("checkout", "-q", "upstream")
    git = GitRepo(clone.top)
    assert [entry.leaves for entry in dataset_log(git)] == [2, 2]
    assert snapshot_of(git, "HEAD") == snapshot_of(GitRepo(repo.top), "HEAD")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"leaves": {', "not JSON"),
        (b'{"taxonomy_commit": "c", "leaves": []}', 'no "leaves" object'),
        (b'{"taxonomy_commit": "c", "leaves": {"x": {"kind": "k"}}}', "leaf x lacks generation_key, samples, blob"),
    ],
)
def test_a_damaged_manifest_is_one_line_naming_it(repo: Repo, content: bytes, problem: str) -> None:
    import subprocess

    from lab_cli.datasets.snapshot import DATASETS_REF, note_snapshot

    repo.leaf("compositional_skills/a", skill_text())
    commit = repo.commit("base")
    good = record(repo, commit)
    git = GitRepo(repo.top)
    entries = {"manifest.json": git.write_blob(content)}
    damaged = git.commit_tree(git.write_tree(entries, git.git_dir() / "scratch-index"), good, "damaged\n")
    git.update_ref(DATASETS_REF, damaged, good)
    note_snapshot(git, commit, damaged)
    for command in (["data", "show", "HEAD"], ["data", "log"]):
        result = subprocess.run(
            [sys.executable, "-m", "lab_cli", *command], cwd=repo.top, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"manifest.json of dataset snapshot {damaged[:12]} is damaged ({problem}" in result.stderr
