"""The training journal: which phases of a ``lab train`` run finished, so ``--resume`` skips them.

``OUT/lab_journal.json`` is rewritten atomically after each phase; a killed run leaves the last good one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from lab_cli.errors import TrainError
from lab_cli.train.records import read_record, shaped, write_record

JOURNAL = "lab_journal.json"
JOURNAL_VERSION = 1


@dataclass(frozen=True)
class PhaseRecord:
    """A finished (or skipped) phase."""

    name: str
    status: str  # "done" or "skipped"
    checkpoint: str | None
    new_samples: int = 0
    replay_per_epoch: int = 0
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Journal:
    """What a run is (its inputs) and which phases it has finished."""

    request: dict
    phases: tuple[PhaseRecord, ...] = ()

    def finished(self, name: str) -> PhaseRecord | None:
        """The record of phase ``name`` if it finished."""
        return next((record for record in self.phases if record.name == name), None)

    def with_phase(self, record: PhaseRecord) -> Journal:
        """This journal with ``record`` added."""
        return Journal(self.request, (*self.phases, record))


def write_journal(out: Path, journal: Journal) -> None:
    """Save the journal atomically."""
    content = {"request": journal.request, "phases": [asdict(p) for p in journal.phases]}
    write_record(out / JOURNAL, JOURNAL_VERSION, content)


def read_journal(out: Path) -> Journal | None:
    """The journal in ``out``, or ``None`` when there is none."""
    document = read_record(out / JOURNAL, JOURNAL_VERSION)
    if document is None:
        return None
    with shaped(out / JOURNAL):
        return Journal(document["request"], tuple(PhaseRecord(**p) for p in document["phases"]))


def start_or_resume(out: Path, request: dict, resume: bool) -> Journal:
    """The journal to continue: a fresh one, or the existing one when resuming the same request."""
    existing = read_journal(out)
    if existing is None:
        if resume:
            raise TrainError(f"nothing to resume in {out} (no {JOURNAL}); run lab train without --resume")
        return Journal(request)
    if not resume:
        raise TrainError(f"{out} already holds a training run; pass --resume to continue it or choose another --out")
    if existing.request != request:
        changed = sorted(key for key in request if existing.request.get(key) != request[key])
        raise TrainError(f"cannot resume {out}: the run was started with other {', '.join(changed)}")
    return existing
