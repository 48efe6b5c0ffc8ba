"""A deterministic teacher for the shipped pipelines: it recognises which step a prompt comes from (by the
step's own template) and answers in that step's format, the same way every time for the same request.

Judges answer with their maximum score unless ``reject`` says otherwise, so every candidate survives and the
counts are exact. Texts are built from random words seeded by the request, so no two items are
near-duplicates by accident.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab_cli.generate.pipeline import PIPELINES, Step, load_pipeline

WORDS = [
    "amber",
    "basalt",
    "cobalt",
    "dune",
    "ember",
    "fjord",
    "glacier",
    "harbor",
    "iris",
    "jade",
    "kelp",
    "lagoon",
    "meadow",
    "nebula",
    "orchid",
    "prairie",
    "quartz",
    "reef",
    "sierra",
    "tundra",
    "umber",
    "valley",
    "willow",
    "xenon",
    "yarrow",
    "zephyr",
    "anchor",
    "beacon",
    "canyon",
    "delta",
    "estuary",
    "falcon",
    "grove",
    "heron",
    "island",
    "juniper",
    "kestrel",
    "lantern",
    "marsh",
    "nectar",
    "oasis",
    "pebble",
    "quill",
    "raven",
    "summit",
    "thistle",
    "upland",
    "vortex",
]


def _template(step: Step) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", step.prompt)
    return re.compile(".*?".join(re.escape(part) for part in parts), re.DOTALL)


STEPS = [(step, _template(step)) for name in PIPELINES for step in load_pipeline(name).steps]


def step_of(prompt: str) -> Step:
    """The shipped step whose template renders to ``prompt`` (the longest template that matches)."""
    matches = [step for step, pattern in STEPS if pattern.fullmatch(prompt)]
    return max(matches, key=lambda step: len(step.prompt))


def _phrase(rng: random.Random, words: int) -> str:
    return " ".join(rng.sample(WORDS, words))


def answer(body: dict[str, Any], reject: Callable[[Step, str], bool] = lambda step, prompt: False) -> str:
    """The scripted answer to one chat request."""
    prompt = body["messages"][-1]["content"]
    step = step_of(prompt)
    key = json.dumps([body["messages"], body.get("seed"), body.get("model")], sort_keys=True)
    rng = random.Random(hashlib.sha256(key.encode()).hexdigest())
    if step.kind == "judge":
        return f"Score: {0 if reject(step, prompt) else int(step.maximum or 1)}"
    if step.parser == "list":
        return "\n".join(f"{i}. Describe the {_phrase(rng, 6)}" for i in range(1, 6))
    if step.parser == "pairs":
        return "\n".join(
            f"Question: Which {_phrase(rng, 5)}?\nAnswer: The {_phrase(rng, 4 if i % 2 else 30)}." for i in range(5)
        )
    return f"The {_phrase(rng, 8)}."


def slow_answer(body: dict[str, Any]) -> str:
    """``answer``, a little late: slow enough for a run to be caught midway, fast enough for CI."""
    time.sleep(0.02)
    return answer(body)


def stored_answers(repo: Path) -> int:
    """Complete lines in a repository's response logs (a torn last line does not count: it is asked again)."""
    count = 0
    for log in (repo / ".git/lab/responses").glob("*.jsonl"):
        for line in log.read_text().splitlines():
            try:
                json.loads(line)
                count += 1
            except ValueError:
                pass
    return count
