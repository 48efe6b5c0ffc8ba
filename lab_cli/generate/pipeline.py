"""Generation pipelines, read from the YAML files shipped in ``lab_cli/generate/pipelines`` (a closed set).

A pipeline is an id, a version and steps; each step is a ``generate`` or a ``judge`` prompt with its parser,
sampling settings and, for judges, a stated threshold. The pipeline digest covers all of it, so editing a
prompt changes the generation key of every leaf that uses the pipeline.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lab_cli.datasets.keys import digest
from lab_cli.errors import LabError

PIPELINES = ("freeform_skill", "grounded_skill", "knowledge")
PARSERS = ("list", "pairs", "score", "text")


@dataclass(frozen=True)
class Step:
    """One teacher call of a pipeline."""

    name: str
    kind: str
    parser: str
    prompt: str
    temperature: float
    max_tokens: int
    maximum: float | None = None
    threshold: float | None = None

    def render(self, values: dict[str, Any]) -> str:
        """The prompt with ``{placeholders}`` filled; a missing value is a ``LabError`` naming it."""
        try:
            return self.prompt.format_map(values)
        except KeyError as missing:
            raise LabError(f"pipeline step {self.name!r} needs a value for {missing}") from None


@dataclass(frozen=True)
class Pipeline:
    """A named, versioned sequence of steps, with the settings around them."""

    id: str
    version: int
    steps: tuple[Step, ...]
    settings: tuple[tuple[str, Any], ...] = ()
    judged: bool = True

    @property
    def digest(self) -> str:
        """Changes whenever anything about the pipeline changes."""
        return digest(
            {
                "id": self.id,
                "version": self.version,
                "settings": self.settings,
                "steps": [step.__dict__ for step in self.steps],
                **({} if self.judged else {"judged": False}),
            }
        )

    def step(self, name: str) -> Step:
        """The step called ``name``; a pipeline file without it is a ``LabError``."""
        found = next((step for step in self.steps if step.name == name), None)
        if found is None:
            raise LabError(f"pipeline {self.id} has no step named {name!r}")
        return found

    def judge(self, name: str) -> Step | None:
        """The judge step called ``name``, or None when this pipeline runs without judges."""
        return self.step(name) if self.judged else None

    def without_judges(self) -> Pipeline:
        """The pipeline with its judge steps skipped: for teachers too small to judge (they answer one way to
        everything), so candidates are filtered by parsing and near-duplicates only."""
        return replace(self, steps=tuple(step for step in self.steps if step.kind != "judge"), judged=False)

    def capped(self, max_tokens: int | None) -> Pipeline:
        """The pipeline with every step's ``max_tokens`` at most ``max_tokens`` (for slow local teachers)."""
        if max_tokens is None:
            return self
        steps = tuple(replace(step, max_tokens=min(step.max_tokens, max_tokens)) for step in self.steps)
        return replace(self, steps=steps)

    def setting(self, name: str, default: Any = None) -> Any:
        """A pipeline-wide setting (like ``short_answer_words``)."""
        return dict(self.settings).get(name, default)


def _step(raw: dict[str, Any], pipeline: str) -> Step:
    if raw.get("kind") not in ("generate", "judge") or raw.get("parser") not in PARSERS:
        raise LabError(f"pipeline {pipeline}: step {raw.get('name')!r} has an unknown kind or parser")
    if raw["kind"] == "judge" and (raw.get("threshold") is None or raw.get("maximum") is None):
        raise LabError(f"pipeline {pipeline}: judge step {raw['name']!r} must state its maximum and threshold")
    return Step(
        raw["name"],
        raw["kind"],
        raw["parser"],
        raw["prompt"],
        float(raw["temperature"]),
        int(raw["max_tokens"]),
        raw.get("maximum"),
        raw.get("threshold"),
    )


@functools.cache
def load_pipeline(name: str, folder: Path | None = None) -> Pipeline:
    """Pipeline ``name`` (one of ``PIPELINES``): ``folder/<name>.yaml`` where that exists, else the shipped one."""
    if name not in PIPELINES:
        raise LabError(f"no pipeline named {name!r}; lab ships {', '.join(PIPELINES)}")
    override = folder / f"{name}.yaml" if folder is not None else None
    if override is not None and override.is_file():
        text = override.read_text("utf-8")
    else:
        text = resources.files("lab_cli.generate").joinpath(f"pipelines/{name}.yaml").read_text("utf-8")
    try:
        raw = yaml.safe_load(text)
        return _pipeline(raw, name)
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise LabError(f"pipeline {name} ({override or 'shipped'}) is not a valid pipeline file: {exc}") from None


def _pipeline(raw: dict[str, Any], name: str) -> Pipeline:
    steps = tuple(_step(step, name) for step in raw["steps"])
    settings = tuple(sorted((k, v) for k, v in raw.items() if k not in ("id", "version", "steps")))
    return Pipeline(raw["id"], int(raw["version"]), steps, settings)
