"""The shipped pipelines load, state their judges' thresholds, render prompts, and digest their content."""

from __future__ import annotations

import dataclasses

import pytest

from lab_cli.errors import LabError
from lab_cli.generate.pipeline import PIPELINES, load_pipeline


@pytest.mark.parametrize("name", PIPELINES)
def test_every_shipped_pipeline_loads_with_stated_thresholds(name: str) -> None:
    pipeline = load_pipeline(name)
    assert pipeline.id == name and pipeline.version >= 1
    judges = [step for step in pipeline.steps if step.kind == "judge"]
    assert judges and all(0 < step.threshold <= step.maximum for step in judges)


def test_prompts_render_and_missing_values_are_named() -> None:
    step = load_pipeline("freeform_skill").step("question_quality")
    text = step.render({"task_description": "Write haiku", "question": "A haiku on rain"})
    assert "Write haiku" in text and "A haiku on rain" in text
    with pytest.raises(LabError, match="needs a value for 'question'"):
        step.render({"task_description": "Write haiku"})


def test_digest_changes_with_any_prompt() -> None:
    pipeline = load_pipeline("knowledge")
    edited_step = dataclasses.replace(pipeline.steps[0], prompt=pipeline.steps[0].prompt + " ")
    edited = dataclasses.replace(pipeline, steps=(edited_step, *pipeline.steps[1:]))
    assert edited.digest != pipeline.digest
    assert load_pipeline("knowledge").digest == pipeline.digest
    assert pipeline.setting("short_answer_words") == 25


def test_unknown_pipeline() -> None:
    with pytest.raises(LabError, match="no pipeline named"):
        load_pipeline("haiku")


def test_a_token_cap_shortens_every_step_and_changes_the_digest() -> None:
    from lab_cli.generate.pipeline import load_pipeline

    shipped = load_pipeline("knowledge")
    capped = shipped.capped(64)
    assert max(step.max_tokens for step in capped.steps) == 64
    assert min(step.max_tokens for step in capped.steps) == min(step.max_tokens for step in shipped.steps)
    assert capped.digest != shipped.digest and shipped.capped(None) is shipped


def test_without_judges_drops_only_judge_steps_and_changes_the_digest() -> None:
    from lab_cli.generate.pipeline import load_pipeline

    shipped = load_pipeline("grounded_skill")
    unjudged = shipped.without_judges()
    assert [step.name for step in unjudged.steps] == [s.name for s in shipped.steps if s.kind != "judge"]
    assert unjudged.judge("question_quality") is None and shipped.judge("question_quality").kind == "judge"
    assert unjudged.digest != shipped.digest
