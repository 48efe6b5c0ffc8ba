"""Presets, overlays and the values that apply to every phase."""

from __future__ import annotations

import pytest

from lab_cli.errors import UsageError
from lab_cli.train.config import PHASES, preset_settings


def test_overlay_then_every_phase_values_apply_in_that_order() -> None:
    overlay = {"replay_ratio": 0.5, "phases": {"skills": {"epochs": 7, "learning_rate": 1e-5}}}
    settings = preset_settings("default", overlay, epochs=None, learning_rate=3e-5)
    assert settings.replay_ratio == 0.5 and settings.replay_min_per_leaf == 4
    assert settings.phases["skills"].epochs == 7 and settings.phases["knowledge_short"].epochs == 3
    assert {settings.phases[name].learning_rate for name in PHASES} == {3e-5}
    assert preset_settings("tiny").phases["knowledge_long"].learning_rate == 1e-3


@pytest.mark.parametrize(
    ("preset", "overlay", "message"),
    [
        ("huge", {}, "unknown preset 'huge'"),
        ("default", {"replay": 1}, "unknown settings ['replay']"),
        ("default", {"phases": {"warmup": {}}}, "unknown settings ['warmup']"),
        ("default", {"phases": {"skills": {"epoch": 2}}}, "bad setting for phase skills"),
        ("default", [1], "settings must be a JSON object"),
        ("default", {"phases": [1]}, '"phases" must map phase names to settings'),
        ("default", {"phases": {"skills": 5}}, '"phases" must map phase names to settings'),
    ],
)
def test_mistakes_are_usage_errors(preset: str, overlay: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
        preset_settings(preset, overlay)


def test_an_unreadable_settings_file_says_what_is_wrong(tmp_path) -> None:
    from lab_cli.train.config import read_overlay

    with pytest.raises(UsageError, match=r"cannot read --settings .*missing.json: No such file or directory; give"):
        read_overlay(tmp_path / "missing.json")
    (tmp_path / "torn.json").write_text('{"a"')
    with pytest.raises(UsageError, match=r"torn.json is not JSON \(Expecting ':' delimiter.*see docs/training.md"):
        read_overlay(tmp_path / "torn.json")


def test_a_damaged_or_foreign_record_is_a_clear_error(tmp_path) -> None:
    import pytest

    from lab_cli.errors import TrainError
    from lab_cli.train.records import read_record, write_record

    write_record(tmp_path / "ok.json", 1, {"a": 1})
    assert read_record(tmp_path / "ok.json", 1) == {"a": 1} and read_record(tmp_path / "none.json", 1) is None
    (tmp_path / "torn.json").write_text('{"schema_version": 1, "a"')
    with pytest.raises(TrainError, match="damaged"):
        read_record(tmp_path / "torn.json", 1)
    with pytest.raises(TrainError, match="schema version 1; this lab reads version 2"):
        read_record(tmp_path / "ok.json", 2)


def test_the_taxonomy_sets_the_system_prompt_and_a_bad_one_is_a_usage_error(repo, tmp_path) -> None:
    import pytest

    from lab_cli.errors import UsageError
    from lab_cli.train.config import taxonomy_system_prompt

    assert taxonomy_system_prompt(repo.top) is None
    (repo.top / ".lab.toml").write_text('[train]\nsystem_prompt = "You know the taxonomy."\n')
    assert taxonomy_system_prompt(repo.top) == "You know the taxonomy."
    assert preset_settings("small", {"system_prompt": "x"}).system_prompt == "x"
    (repo.top / ".lab.toml").write_text("[train]\nsystem_prompt = 3\n")
    with pytest.raises(UsageError, match=r"train\.system_prompt must be a string"):
        taxonomy_system_prompt(repo.top)
    assert taxonomy_system_prompt(tmp_path / "nowhere") is None
