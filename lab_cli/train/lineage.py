"""Model lineage: ``lab_lineage.json`` beside a checkpoint, and the chain of checkpoints it descends from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from lab_cli.errors import TrainError, UsageError
from lab_cli.train.records import read_record, shaped, write_record

LINEAGE = "lab_lineage.json"
LINEAGE_VERSION = 1


@dataclass(frozen=True)
class Lineage:
    """Where a checkpoint came from and what it was trained on."""

    base_model: str
    parent: str | None
    taxonomy_repo: str
    taxonomy_commit: str
    dataset_snapshot: str
    trained_keys: tuple[str, ...]  # every generation key this model has been trained on, its ancestors' included
    new_keys: dict[str, str]  # leaf → generation key first trained at this step
    phases: tuple[dict, ...]
    settings: dict
    scores: dict[str, dict] = field(default_factory=dict)  # generation key → leaf score (cached by lab eval)
    system_prompt: str = ""  # the system prompt of every training sample; lab eval asks with it too
    # generation key → the starting model's leaf score (row 0 of the forgetting matrix), cached by lab eval in the
    # first lab-trained checkpoint of a chain, since the base model has no lineage of its own
    base_scores: dict[str, dict] = field(default_factory=dict)
    rehearsal: tuple[dict, ...] = ()  # the rehearsal sources mixed into every phase (lab_cli.train.rehearsal)
    # general drift (lab_cli.evaluate.drift), both keyed by the starting model's digest and probe settings: the
    # starting model's greedy probe answers (prompt → answer; cached in the first checkpoint of a chain, as row 0),
    # and this checkpoint's values (prompt → its answer, KL and agreement)
    base_probes: dict[str, dict[str, str]] = field(default_factory=dict)
    probe_drift: dict[str, dict[str, dict]] = field(default_factory=dict)
    # lm-eval task → its latest scores on this checkpoint (lab_cli.evaluate.harness), with the harness's version
    benchmarks: dict[str, dict] = field(default_factory=dict)

    def with_scores(self, scores: dict[str, dict]) -> Lineage:
        """This lineage with more cached scores."""
        return replace(self, scores={**self.scores, **scores})

    def with_base_scores(self, scores: dict[str, dict]) -> Lineage:
        """This lineage with more cached scores of the starting model (row 0)."""
        return replace(self, base_scores={**self.base_scores, **scores})


def write_lineage(checkpoint: Path, lineage: Lineage) -> None:
    """Save ``lab_lineage.json`` in ``checkpoint`` atomically."""
    write_record(checkpoint / LINEAGE, LINEAGE_VERSION, asdict(lineage))


def cache_scores(checkpoint: Path, scores: dict[str, dict] | None = None, base: dict[str, dict] | None = None) -> None:
    """Add cached scores (and row-0 scores) to the lineage on disk, keeping every other cached score: a caller's
    copy of the lineage may be older than the file (row 0 and a checkpoint's own scores share one file)."""
    lineage = read_lineage(checkpoint)
    if lineage is None:
        return
    write_lineage(checkpoint, lineage.with_scores(scores or {}).with_base_scores(base or {}))


def _merged(cached: dict[str, dict], fresh: dict[str, dict]) -> dict[str, dict]:
    return {**cached, **{key: {**cached.get(key, {}), **entries} for key, entries in fresh.items()}}


def cache_probes(
    checkpoint: Path, base: dict[str, dict[str, str]] | None = None, drift: dict[str, dict[str, dict]] | None = None
) -> None:
    """Add the starting model's probe answers and this checkpoint's drift values to the lineage on disk, per
    key and prompt, keeping everything cached before."""
    lineage = read_lineage(checkpoint)
    if lineage is None:
        return
    updated = replace(
        lineage,
        base_probes=_merged(lineage.base_probes, base or {}),
        probe_drift=_merged(lineage.probe_drift, drift or {}),
    )
    write_lineage(checkpoint, updated)


def cache_benchmarks(checkpoint: Path, entries: dict[str, dict]) -> bool:
    """Record lm-eval task scores in the lineage on disk (a task's new entry replaces its old one); ``False``
    when the checkpoint has no lineage to record them in (a model lab did not train)."""
    lineage = read_lineage(checkpoint)
    if lineage is None:
        return False
    write_lineage(checkpoint, replace(lineage, benchmarks={**lineage.benchmarks, **entries}))
    return True


def read_lineage(checkpoint: Path) -> Lineage | None:
    """The lineage of a checkpoint lab trained, or ``None`` for any other checkpoint (a base model)."""
    document = read_record(checkpoint / LINEAGE, LINEAGE_VERSION)
    if document is None:
        return None
    with shaped(checkpoint / LINEAGE):
        document["trained_keys"] = tuple(document["trained_keys"])
        document["phases"] = tuple(document["phases"])
        document["rehearsal"] = tuple(document.get("rehearsal", ()))
        lineage = Lineage(**document)
        if lineage.parent is not None and not isinstance(lineage.parent, str):
            raise TypeError(f"parent is {lineage.parent!r}, not a folder name")
        return lineage


def lineage_chain(checkpoint: Path) -> list[tuple[Path, Lineage]]:
    """The checkpoints from the first lab-trained ancestor down to ``checkpoint``, oldest first."""
    if not checkpoint.is_dir():
        raise UsageError(f"{checkpoint}: no such folder; give a checkpoint folder lab train wrote (its --out)")
    chain: list[tuple[Path, Lineage]] = []
    seen: set[Path] = set()
    current: Path | None = checkpoint
    while current is not None:
        if current.resolve() in seen:
            raise TrainError(
                f"the lineage of {checkpoint} loops back to {current}; fix the parent in its {LINEAGE} to the "
                "checkpoint it was trained from"
            )
        seen.add(current.resolve())
        lineage = read_lineage(current)
        if lineage is None:
            if not chain:
                raise UsageError(
                    f"{current} has no {LINEAGE}: it was not trained by lab train; give a folder lab train wrote"
                )
            break
        chain.append((current, lineage))
        current = Path(lineage.parent) if lineage.parent else None
        if current is not None and not current.is_dir():
            raise TrainError(f"the parent checkpoint {current} named in a lineage is missing; put it back there")
    return list(reversed(chain))
