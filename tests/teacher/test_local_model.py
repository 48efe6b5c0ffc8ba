"""The model cache: every caller at once (torchrun ranks, two lab processes) gets one conversion, whole."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lab_cli.teacher import local_model


@pytest.fixture
def conversions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Conversions are recorded instead of run (a slow fake writing the folder as the real one does)."""
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    made: list[Path] = []

    def convert(target: Path, say: Callable[[str], None]) -> None:
        made.append(target)
        time.sleep(0.2)  # long enough for every other caller to arrive while it runs
        target.mkdir(parents=True, exist_ok=True)
        marker = {"schema_version": local_model.MARKER_VERSION}
        (target / local_model.MARKER).write_text(json.dumps(marker), encoding="utf-8")

    monkeypatch.setattr(local_model, "_convert", convert)
    return made


def test_callers_at_once_convert_once(conversions: list[Path]) -> None:
    found: list[Path] = []
    callers = [threading.Thread(target=lambda: found.append(local_model.materialize_default())) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(conversions) == 1 and found == [local_model.default_model_dir()] * 4


def test_a_damaged_marker_is_converted_again(conversions: list[Path]) -> None:
    target = local_model.default_model_dir()
    target.mkdir(parents=True)
    (target / local_model.MARKER).write_text("{not json", encoding="utf-8")
    assert local_model.materialize_default() == target and conversions == [target]
    assert local_model.materialize_default() == target and len(conversions) == 1  # now current: reused


def test_a_conversion_killed_midway_is_cleared_by_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path / "cache"))
    target = local_model.default_model_dir()
    left = target.with_name(f".{target.name}.12345.tmp")  # what a conversion killed with SIGKILL leaves
    (left / "half").mkdir(parents=True)

    def missing() -> Path:
        raise local_model.UsageError("the bundled default model is not installed")

    monkeypatch.setattr(local_model, "bundled_gguf", missing)
    with pytest.raises(local_model.UsageError):
        local_model.materialize_default()
    assert not left.exists() and not target.exists()
