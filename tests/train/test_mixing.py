"""New/old selection per phase and stratified replay re-drawn every epoch, down to a real Trainer run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lab_cli.train.config import preset_settings
from lab_cli.train.mixing import EpochMixer, Example, PhasePlan, plan_phases, replay_quota


def example(leaf: str, kind: str = "knowledge", length: str = "short", index: int = 0) -> Example:
    messages = ({"role": "user", "content": f"{leaf} {index}?"}, {"role": "assistant", "content": f"{index}."})
    return Example(leaf, kind, length, f"key-{leaf}", messages)


def pool(leaf: str, size: int, kind: str = "knowledge", length: str = "short") -> list[Example]:
    return [example(leaf, kind, length, index) for index in range(size)]


def test_phases_split_new_from_old_as_the_recipe_says() -> None:
    old_k, old_s = pool("k/old", 10), pool("s/old", 6, "freeform_skill")
    new_short, new_long, new_s = pool("k/new", 8), pool("k/long", 3, length="long"), pool("s/new", 5, "grounded_skill")
    plans = plan_phases(old_k + old_s + new_short + new_long + new_s, {"key-k/old", "key-s/old"})
    short, long, skills = plans
    assert (short.new, short.replay) == (tuple(new_short), tuple(old_k))
    assert (long.new, set(long.replay)) == (tuple(new_long), set(new_short + old_k))
    assert (skills.new, set(skills.replay)) == (tuple(new_s), set(new_short + new_long + old_k + old_s))


def test_without_new_skills_old_skills_are_replayed_in_the_last_knowledge_phase() -> None:
    old_s, new_short = pool("s/old", 6, "freeform_skill"), pool("k/new", 8)
    short, long, skills = plan_phases(old_s + new_short, {"key-s/old"})
    assert set(short.replay) == set(old_s) and not long.new and not skills.new


def test_every_old_leaf_keeps_a_share_every_epoch_and_draws_change() -> None:
    replay = pool("big", 200) + pool("mid", 30) + pool("tiny", 2)
    mixer = EpochMixer(PhasePlan("knowledge_short", tuple(pool("new", 50)), tuple(replay)), 0.1, 4, seed=7)
    assert mixer.quotas == {"big": 20, "mid": 4, "tiny": 2}
    draws = [mixer.replay(epoch) for epoch in range(5)]
    for drawn in draws:
        assert Counter(e.leaf for e in drawn) == {"big": 20, "mid": 4, "tiny": 2}
        assert len(set(drawn)) == len(drawn)
    assert len({tuple(drawn) for drawn in draws}) == 5, "the replay must be re-drawn every epoch"
    assert mixer.replay(3) == EpochMixer(mixer_plan(mixer), 0.1, 4, seed=7).replay(3)
    seen = {e for drawn in [mixer.replay(epoch) for epoch in range(100)] for e in drawn}
    assert len(seen) == len(replay), "over many epochs replay reaches every old sample, not a fixed buffer"
    assert replay_quota(200, 0.0, 4) == 0 and replay_quota(3, 0.5, 10) == 3


def mixer_plan(mixer: EpochMixer) -> PhasePlan:
    return PhasePlan("knowledge_short", tuple(mixer.new), tuple(e for p in mixer.pools.values() for e in p))


def test_trainer_sees_a_fresh_stratified_replay_each_epoch(tiny_model: Path, tmp_path: Path, monkeypatch) -> None:
    from lab_cli.train import trainer

    seen: list[tuple[int, str, int]] = []
    original = trainer.MixtureDataset.__getitem__

    def recording(self, index: int):
        item = self.current[index]
        seen.append((self.epoch, item.leaf, int(item.messages[1]["content"].rstrip("."))))
        return original(self, index)

    monkeypatch.setattr(trainer.MixtureDataset, "__getitem__", recording)
    plan = PhasePlan("knowledge_short", tuple(pool("new", 12)), tuple(pool("a", 40) + pool("b", 9) + pool("c", 1)))
    settings = preset_settings(
        "tiny", {"replay_ratio": 0.25, "replay_min_per_leaf": 3}, epochs=3, batch_size=8, micro_batch_size=8
    )
    metrics = trainer.run_phase(tiny_model, plan, settings, tmp_path / "phase")
    assert (tmp_path / "phase" / "config.json").is_file() and metrics.replay_per_epoch == 10 + 3 + 1
    for epoch in range(3):
        leaves = Counter(leaf for e, leaf, _ in seen if e == epoch)
        assert leaves == {"new": 12, "a": 10, "b": 3, "c": 1}, f"epoch {epoch}: {leaves}"
    drawn = [{i for e, leaf, i in seen if e == epoch and leaf == "a"} for epoch in range(3)]
    assert drawn[0] != drawn[1] != drawn[2]


def test_a_phase_shorter_than_its_warmup_still_trains(tiny_model: Path, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    from lab_cli.train import trainer

    plan = PhasePlan("knowledge_short", tuple(pool("new", 12)), ())
    settings = preset_settings("default", epochs=1)  # 25 warm-up steps; 12 samples at batch 32 make one step
    phase = settings.phases["knowledge_short"]
    assert trainer.warmup_steps(phase, 12) == 0 and trainer.warmup_steps(phase, 32 * 100) == phase.warmup_steps
    trainer.run_phase(tiny_model, plan, settings, tmp_path / "phase")
    before, after = load_file(tiny_model / "model.safetensors"), load_file(tmp_path / "phase" / "model.safetensors")
    assert any(not torch.equal(before[name], after[name]) for name in before), (
        "the one step left the weights as they were"
    )
