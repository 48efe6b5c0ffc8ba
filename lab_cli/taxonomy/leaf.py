"""Leaves: where ``qna.yaml`` files are, what kind each is, and which schema judges it."""

from __future__ import annotations

import difflib
import enum
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

LEAF_FILE = "qna.yaml"
ATTRIBUTION_FILE = "attribution.txt"
TAXONOMY_FOLDERS = ("knowledge", "compositional_skills", "foundational_skills")
"""Top folders of a taxonomy; a path's last such component decides its kind, as in the reference."""

_SCHEMA_FOLDERS = ("knowledge", "compositional_skills")
_YAML_SUFFIXES = (".yaml", ".yml")


class LeafKind(enum.StrEnum):
    """What a leaf teaches; drives its schema and its generation pipeline."""

    KNOWLEDGE = "knowledge"
    FREEFORM_SKILL = "freeform_skill"
    GROUNDED_SKILL = "grounded_skill"
    FOUNDATIONAL_SKILL = "foundational_skill"

    @property
    def is_skill(self) -> bool:
        """Whether this kind trains in the skills phase."""
        return self is not LeafKind.KNOWLEDGE


def taxonomy_folder(parts: tuple[str, ...]) -> int | None:
    """Index of the last component of ``parts`` that names a taxonomy folder, if any."""
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in TAXONOMY_FOLDERS:
            return index
    return None


def first_taxonomy_folder(parts: Sequence[str]) -> int | None:
    """Index of the first component of ``parts`` that names a taxonomy folder, if any (the folders above it are
    not part of the taxonomy: lab's own ``taxonomy/``)."""
    return next((index for index, part in enumerate(parts) if part in TAXONOMY_FOLDERS), None)


def leaf_name(relative: PurePosixPath) -> str:
    """The leaf a file belongs to: its folder's full path from the taxonomy root (``knowledge/x/y``).

    The full path, not the part after the last taxonomy folder: two different folders never share a name.
    """
    return relative.parent.as_posix()


def in_taxonomy(relative: PurePosixPath) -> bool:
    """Whether a path from the repository top lies under one of the taxonomy folders."""
    return bool(relative.parts) and relative.parts[0] in TAXONOMY_FOLDERS


def outside_taxonomy(relative: PurePosixPath) -> str | None:
    """Why a file in a folder of the taxonomy root is not in a taxonomy folder (with the folder it most likely
    meant), or None when it is in one. A file directly at the root is left to the other checks."""
    if len(relative.parts) < 2 or relative.parts[0] in TAXONOMY_FOLDERS:
        return None
    top, hint = relative.parts[0], ""
    for part in relative.parts[:-1]:  # the misspelling may sit below a plain folder (taxonomy/knowlege/…)
        if close := difflib.get_close_matches(part, TAXONOMY_FOLDERS, n=1, cutoff=0.6):
            top, hint = part, f"; did you mean {close[0]}/?"
            break
    folders = ", ".join(f"{folder}/" for folder in TAXONOMY_FOLDERS)
    return f"leaf is outside the taxonomy folders ({folders}): {top}/ is none of them{hint}"


def is_hidden_folder(parts: tuple[str, ...]) -> bool:
    """Whether lab leaves a folder alone: hidden (``.git``, ``.github``, ``.venv``) outside the taxonomy folders.

    Inside the taxonomy folders hidden folders are part of the taxonomy, for ``lab validate`` and ``lab diff``
    alike: a leaf cannot hide from review by starting its folder name with a dot.
    """
    return (not parts or parts[0] not in TAXONOMY_FOLDERS) and any(part.startswith(".") for part in parts)


def schema_name(relative: PurePosixPath, data: Any) -> str:
    """The schema that judges a file: by its last taxonomy folder, else by whether it has a ``document``."""
    for part in reversed(relative.parts):
        if part in _SCHEMA_FOLDERS:
            return part
    return "knowledge" if isinstance(data, dict) and "document" in data else "compositional_skills"


def leaf_kind(relative: PurePosixPath, data: Any) -> LeafKind | None:
    """The kind of a leaf from its path (and, for skills, whether seed examples carry a ``context``)."""
    start = taxonomy_folder(relative.parts)
    folder = relative.parts[start] if start is not None else schema_name(relative, data)
    if folder == "knowledge":
        return LeafKind.KNOWLEDGE
    if folder == "foundational_skills":
        return LeafKind.FOUNDATIONAL_SKILL
    examples = data.get("seed_examples") if isinstance(data, dict) else None
    if isinstance(examples, list) and any(isinstance(e, dict) and "context" in e for e in examples):
        return LeafKind.GROUNDED_SKILL
    return LeafKind.FREEFORM_SKILL


def path_kind(relative: PurePosixPath) -> str | None:
    """The kind a leaf's path alone tells, before its file is read: ``skill`` for a compositional skill (whether
    it is grounded needs its data), None outside the taxonomy folders."""
    if taxonomy_folder(relative.parts) is None:
        return None
    kind = leaf_kind(relative, None)
    return "skill" if kind in (LeafKind.FREEFORM_SKILL, LeafKind.GROUNDED_SKILL) else str(kind)


def schema_version(data: Any) -> Any:
    """The schema version a file declares, the way the reference reads it (absent → 1)."""
    if not isinstance(data, dict):
        return None
    version = data.get("version", 1)
    if isinstance(version, int):
        return version
    try:
        return int(version)
    except (TypeError, ValueError):
        return 1


@dataclass(frozen=True)
class Candidate:
    """A file to validate: its path on disk and its path relative to the taxonomy root."""

    path: Path
    relative: PurePosixPath
    unreadable: str = ""  # a folder discovery could not list: why (its files were not validated)


def is_misnamed(relative: PurePosixPath) -> bool:
    """Whether a YAML file inside a taxonomy folder is not named ``qna.yaml`` (likely a mistake)."""
    return (
        relative.name != LEAF_FILE
        and not relative.name.startswith(".")
        and relative.suffix in _YAML_SUFFIXES
        and taxonomy_folder(relative.parts[:-1]) is not None
    )


def is_leaf_file(relative: PurePosixPath) -> bool:
    """Whether a path from the repository top is a leaf's qna.yaml (or a misnamed YAML file of a taxonomy folder).

    Files in hidden folders outside the taxonomy folders are not, as ``discover`` does not find them.
    """
    if is_hidden_folder(relative.parts[:-1]):
        return False
    return relative.name == LEAF_FILE or is_misnamed(relative)


def discover(root: Path, start: Path) -> Iterator[Candidate]:
    """Every ``qna.yaml`` (and misnamed YAML file in taxonomy folders) under ``start``, in sorted order.

    Hidden folders outside the taxonomy folders are skipped (``is_hidden_folder``); symlinked folders are not
    entered. A folder that cannot be listed is a candidate too, with ``unreadable`` set, so it is reported
    rather than silently passed over.
    """
    prefix = len(os.path.join(str(root), ""))
    pending = [str(start)]
    found: list[tuple[str, str, str]] = []  # (path, path relative to root, why it is unreadable)
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            found.append((folder, folder[prefix:].replace(os.sep, "/") or ".", exc.strerror or str(exc)))
            continue
        for entry in entries:
            name = entry.name
            relative = entry.path[prefix:].replace(os.sep, "/")
            if name == LEAF_FILE or (name.endswith(_YAML_SUFFIXES) and entry.is_file(follow_symlinks=False)):
                if name == LEAF_FILE or is_misnamed(PurePosixPath(relative)):
                    found.append((entry.path, relative, ""))
            elif entry.is_dir(follow_symlinks=False) and not is_hidden_folder(PurePosixPath(relative).parts):
                pending.append(entry.path)
    found.sort(key=lambda item: item[1].replace("/", "\0"))  # component by component, like sorting path parts
    for path, relative, unreadable in found:
        yield Candidate(Path(path), PurePosixPath(relative), unreadable)
