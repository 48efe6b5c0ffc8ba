"""What the trainer sees: never an eval item, always the system prompt, small leaves topped up to the floor, the
stopping rule ending a phase once its leaves are learned, and the checkpoint asking with its system prompt."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lab_cli.cli.main import main
from lab_cli.prompts import default_system_template, with_system_prompt
from lab_cli.train.lineage import read_lineage
from lab_cli.train.mixing import EpochMixer, PhasePlan
from tests.helpers.gitrepos import Repo
from tests.helpers.snapshots import QA, commit_leaves
from tests.train.test_mixing import pool


def test_the_floor_tops_a_small_new_leaf_up_with_its_own_samples_every_epoch() -> None:
    small, large = pool("k/small", 3), pool("k/large", 40)
    mixer = EpochMixer(PhasePlan("knowledge_short", tuple(small + large), ()), 0.3, 4, seed=1, floor=10)
    assert len(mixer) == 3 + 40 + 7 and mixer.new_per_epoch == 50
    for epoch in range(3):
        drawn = mixer.epoch(epoch)
        per_leaf = Counter(example.leaf for example in drawn)
        assert per_leaf == {"k/small": 10, "k/large": 40}
        assert all(example in small for example in drawn if example.leaf == "k/small")
    assert {id(e) for e in mixer.upsampled(0)} | {id(e) for e in mixer.upsampled(1)} != {id(e) for e in small[:1]}
    without = EpochMixer(PhasePlan("knowledge_short", tuple(small + large), ()), 0.3, 4, seed=1, floor=0)
    assert len(without) == 43


def test_a_system_prompt_opens_a_conversation_once() -> None:
    asked = ({"role": "user", "content": "q"},)
    assert with_system_prompt(asked, "Be brief.")[0] == {"role": "system", "content": "Be brief."}
    own = ({"role": "system", "content": "Mine."}, *asked)
    assert with_system_prompt(own, "Be brief.") == own and with_system_prompt(asked, "") == asked


def test_the_checkpoint_template_defaults_to_the_system_prompt(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    original = tokenizer.chat_template
    tokenizer.chat_template = default_system_template(original, 'Say "hi".')
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": "q"}], tokenize=False)
    assert 'Say "hi".' in rendered
    explicit = [{"role": "system", "content": "Mine."}, {"role": "user", "content": "q"}]
    assert "hi" not in tokenizer.apply_chat_template(explicit, tokenize=False)
    again = default_system_template(tokenizer.chat_template, "Other.")  # a later phase replaces, never stacks
    assert again.count("lab: default system prompt") == 1 and "Other." in again and 'Say \\"hi\\"' not in again


@pytest.fixture(scope="module")
def trained(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A tiny model trained on one commit with eval items; (repo, checkpoint, commit)."""
    root = tmp_path_factory.mktemp("seen")
    repo = Repo(root / "repo")
    qas = [QA(f"What is item {i}?", f"It is {i}.", split="eval" if i % 3 == 0 else "train") for i in range(9)]
    qas += [QA("Which one is held out?", "The human one.", split="eval", origin="seed")]
    commit, _ = commit_leaves(repo, {"knowledge/items": qas, "compositional_skills/tiny": qas[:4]})
    out = root / "model"
    code = main(
        [
            "train", "-C", str(repo.top), "--data", commit, "--out", str(out), "--model", str(tiny_model),
            "--preset", "tiny", "--epochs", "2", "--system-prompt", "You are the test model.", "--leaf-floor", "8",
        ]
    )  # fmt: skip
    assert code == 0
    return repo.top, out, commit


def _samples(repo: Path, commit: str) -> list[dict]:
    from lab_cli.datasets.snapshot import snapshot_of, snapshot_samples
    from lab_cli.gitrepo import GitRepo

    git = GitRepo(repo)
    return [sample for _, _, sample in snapshot_samples(git, snapshot_of(git, commit))]


def test_no_eval_item_ever_reaches_a_training_batch(trained: tuple[Path, Path, str]) -> None:
    repo, out, commit = trained
    samples = _samples(repo, commit)
    eval_ids = {s["metadata"]["id"] for s in samples if s["metadata"]["split"] == "eval"}
    train_ids = {s["metadata"]["id"] for s in samples if s["metadata"]["split"] == "train"}
    seen: set[str] = set()
    for phase in sorted((out / "phases").iterdir()):
        seen |= set(json.loads((phase / "lab_seen.json").read_text()))
    assert eval_ids and not seen & eval_ids
    assert seen == train_ids  # everything trained on was seen, and nothing else


def test_the_floor_and_the_system_prompt_are_recorded(trained: tuple[Path, Path, str]) -> None:
    _, out, _ = trained
    lineage = read_lineage(out)
    assert lineage.system_prompt == "You are the test model." and lineage.settings["leaf_floor"] == 8
    skills = next(p for p in lineage.phases if p["name"] == "skills")
    metrics = skills["metrics"]
    new_per_epoch = metrics["samples_per_epoch"] - metrics["replay_per_epoch"]
    assert new_per_epoch == 8  # the skill's 3 trained samples, topped up to the floor of 8
    seen = json.loads((out / "phases" / "3-skills" / "lab_seen.json").read_text())
    assert sum(seen.values()) == 2 * metrics["samples_per_epoch"]


def test_every_training_sample_carries_the_system_prompt(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    from lab_cli.train.trainer import _encode_plan

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    plan = PhasePlan("knowledge_short", tuple(pool("k/new", 4)), tuple(pool("k/old", 3)))
    _, encodings, _ = _encode_plan(tokenizer, plan, 256, "Answer like a test.")
    texts = [tokenizer.decode(encoded.input_ids) for encoded in encodings.values()]
    assert len(texts) == 7 and all("Answer like a test." in text for text in texts)


def test_the_stopping_rule_ends_a_phase_once_its_leaves_are_learned(tiny_model: Path, tmp_path: Path) -> None:
    from lab_cli.train.learned import LearnedCheck

    class Perfect:
        """A model whose every prediction is the next label: any leaf is learned."""

        training = True

        def __init__(self, items) -> None:
            self.items, self.device = items, "cpu"

        def eval(self):
            return self

        def train(self, mode: bool = True):
            return self

        def __call__(self, input_ids, **kwargs):
            import torch

            ids = input_ids[0]
            logits = torch.full((1, len(ids), 1000), -1.0)
            logits[0, torch.arange(len(ids) - 1), ids[1:]] = 1.0
            return type("Out", (), {"logits": logits})()

    from lab_cli.train.tokenize import Encoded

    items = [("k/a", Encoded([1, 2, 3, 4], [-100, -100, 3, 4]))]
    check = LearnedCheck(items, 0.95, min_epochs=2, micro_batch_size=4)
    assert not check.after_epoch(Perfect(items), 1)  # learned, but not before min_epochs
    assert check.after_epoch(Perfect(items), 2) and check.history == [{"k/a": 1.0}, {"k/a": 1.0}]
    strict = LearnedCheck(items, 1.01, min_epochs=1, micro_batch_size=4)
    assert not strict.after_epoch(Perfect(items), 1)


def test_a_phase_stops_early_when_its_leaf_is_learned(tiny_model: Path, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    commit, _ = commit_leaves(repo, {"knowledge/one": [QA("What is one?", "One.")] * 1})
    out = tmp_path / "model"
    code = main(
        [
            "train", "-C", str(repo.top), "--data", commit, "--out", str(out), "--model", str(tiny_model),
            "--preset", "tiny", "--epochs", "40", "--lr", "3e-3", "--settings", str(_stop_settings(tmp_path)),
        ]
    )  # fmt: skip
    assert code == 0
    metrics = read_lineage(out).phases[0]["metrics"]
    assert metrics["stopped_early"] and metrics["epochs_run"] < 40
    assert min(metrics["learned"][-1].values()) >= 0.9
    # learned, then one epoch of decaying rate (the default decay_epochs), ending near 0, not at a cosine's peak
    assert metrics["learned_after"] == metrics["epochs_run"] - 1
    assert metrics["final_learning_rate"] < 0.1 * 3e-3


def _stop_settings(folder: Path) -> Path:
    path = folder / "stop.json"
    stop = {"stop_accuracy": 0.9, "warmup_steps": 1, "batch_size": 8, "micro_batch_size": 8}
    path.write_text(json.dumps({"leaf_floor": 8, "phases": {"knowledge_short": stop}}))
    return path


def test_a_phase_resumed_inside_counts_the_epochs_it_ran_before(tiny_model: Path, tmp_path: Path) -> None:
    from lab_cli.train import trainer
    from lab_cli.train.config import preset_settings
    from tests.train.test_mixing import pool

    plan = PhasePlan("knowledge_short", tuple(pool("k/new", 16)), ())
    never = {"stop_accuracy": 1.01, "save_every_epoch": True, "warmup_steps": 1}  # never learned: runs the cap
    settings = preset_settings(
        "tiny", {"phases": {"knowledge_short": never}}, epochs=3, batch_size=8, micro_batch_size=8
    )

    class Killed(Exception):
        pass

    def killed_in_epoch_two(step: int, total: int) -> None:
        if step > total // 3:  # 2 steps an epoch: epoch 1's checkpoint is saved, epoch 2 has begun
            raise Killed

    with pytest.raises(Killed):
        trainer.run_phase(tiny_model, plan, settings, tmp_path / "phase", killed_in_epoch_two)
    assert list((tmp_path / "phase.trainer").glob("checkpoint-*")), "epoch 1 left no checkpoint to resume from"
    metrics = trainer.run_phase(tiny_model, plan, settings, tmp_path / "phase")
    assert metrics.epochs_run == 3 and not metrics.stopped_early
    assert len(metrics.learned) < 3, "the resumed process measured only the epochs it ran"


def test_chat_once_asks_with_the_system_prompt_the_checkpoint_was_trained_with(trained, capsys) -> None:
    """``lab chat`` on a checkpoint lab train made with ``--system-prompt``: the prompt the model sees opens with
    that system prompt (from the lineage, not lab's default), and the card names the commit and the leaves."""
    from transformers import AutoTokenizer

    _, out, commit = trained
    capsys.readouterr()
    args = ["chat", "--model", str(out), "--once", "What is item 1?", "--format", "json", "--max-tokens", "4"]
    assert main(args) == 0
    reply = json.loads(capsys.readouterr().out)
    assert (reply["system_prompt"], reply["system_prompt_source"]) == ("You are the test model.", "lineage")
    messages = [
        {"role": "system", "content": "You are the test model."},
        {"role": "user", "content": "What is item 1?"},
    ]
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert reply["prompt"] == tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert reply["prompt"].startswith("<|system|>You are the test model.<|end|>")
    assert reply["taxonomy_commit"] == commit
    assert reply["leaves"] == ["compositional_skills/tiny", "knowledge/items"]
