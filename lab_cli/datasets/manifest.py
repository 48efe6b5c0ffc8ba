"""The manifest of a dataset snapshot as typed records: per leaf its kind, generation key, sample count, the blob
of its samples and their provenance. ``manifest.json`` in a snapshot's tree is this record's JSON form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


class ManifestDamaged(ValueError):
    """A ``manifest.json`` that is not JSON or lacks a field every reader relies on (the text says which)."""


@dataclass(frozen=True)
class ManifestEntry:
    """One leaf of a snapshot: what it is, which generation of it, and where its samples are."""

    kind: str
    generation_key: str
    samples: int
    blob: str  # the git blob of the leaf's samples, one JSON line each
    provenance: dict[str, str] = field(default_factory=dict)  # pipeline, teacher, generated-at commit…

    def as_dict(self) -> dict:
        """JSON form."""
        return {
            "kind": self.kind,
            "generation_key": self.generation_key,
            "samples": self.samples,
            "blob": self.blob,
            "provenance": dict(sorted(self.provenance.items())),
        }


@dataclass(frozen=True)
class Manifest:
    """Every leaf of a taxonomy commit's snapshot, by leaf name."""

    taxonomy_commit: str
    leaves: Mapping[str, ManifestEntry]
    schema_version: int = MANIFEST_VERSION

    @property
    def samples(self) -> int:
        """Samples over all leaves."""
        return sum(entry.samples for entry in self.leaves.values())

    def as_dict(self) -> dict:
        """JSON form (``manifest.json``)."""
        return {
            "schema_version": self.schema_version,
            "taxonomy_commit": self.taxonomy_commit,
            "leaves": {leaf: self.leaves[leaf].as_dict() for leaf in sorted(self.leaves)},
        }

    def to_json(self) -> str:
        """The bytes of ``manifest.json``, canonical (sorted keys), as text."""
        return json.dumps(self.as_dict(), indent=2, sort_keys=True) + "\n"


EMPTY = Manifest(taxonomy_commit="", leaves={})
"""The manifest before the first snapshot: no leaves."""

_ENTRY_FIELDS = {"kind": str, "generation_key": str, "samples": int, "blob": str}


def parse_manifest(text: bytes | str) -> Manifest:
    """A ``manifest.json``'s text as a ``Manifest``; ``ManifestDamaged`` saying what is wrong."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as problem:
        raise ManifestDamaged(f"not JSON: {problem}") from problem
    if not isinstance(document, dict) or not isinstance(document.get("leaves"), dict):
        raise ManifestDamaged('no "leaves" object')
    if not isinstance(document.get("taxonomy_commit"), str):
        raise ManifestDamaged('no "taxonomy_commit"')
    leaves = {}
    for leaf, entry in document["leaves"].items():
        if not isinstance(entry, dict):
            raise ManifestDamaged(f"leaf {leaf} is not an object")
        wrong = [name for name, kind in _ENTRY_FIELDS.items() if not isinstance(entry.get(name), kind)]
        if wrong:
            raise ManifestDamaged(f"leaf {leaf} lacks {', '.join(wrong)}")
        provenance = entry.get("provenance") if isinstance(entry.get("provenance"), dict) else {}
        leaves[leaf] = ManifestEntry(
            entry["kind"], entry["generation_key"], entry["samples"], entry["blob"], {**provenance}
        )
    version = document.get("schema_version", MANIFEST_VERSION)
    return Manifest(document["taxonomy_commit"], leaves, version if isinstance(version, int) else MANIFEST_VERSION)
