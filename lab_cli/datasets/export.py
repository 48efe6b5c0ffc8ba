"""Export a snapshot in InstructLab's training format.

Export writes ``knowledge_train_msgs.jsonl`` and ``skills_train_msgs.jsonl`` (the ``train`` split) and
``eval_msgs.jsonl`` (the ``eval`` split, never trained on): one record per sample with ``messages`` (role and
content), ``metadata`` (a JSON string, as InstructLab writes it) and ``id``. Every record opens with the system
prompt lab trains with (the taxonomy's, from ``.lab.toml``, else lab's default), as InstructLab's records do.
``--format parquet`` writes the same records as Parquet files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from lab_cli.datasets.snapshot import snapshot_of, snapshot_samples
from lab_cli.datasets.store import write_atomic_text
from lab_cli.errors import UsageError
from lab_cli.gitrepo import GitRepo
from lab_cli.prompts import with_system_prompt

FILES = {"knowledge": "knowledge_train_msgs", "skills": "skills_train_msgs", "eval": "eval_msgs"}


def _record(sample: dict, system_prompt: str) -> dict:
    metadata = sample.get("metadata", {})
    identifier = metadata.get("id") or hashlib.sha256(json.dumps(sample, sort_keys=True).encode()).hexdigest()[:32]
    messages = list(with_system_prompt(sample["messages"], system_prompt))
    return {"messages": messages, "metadata": json.dumps(metadata, sort_keys=True), "id": identifier}


def export_snapshot(
    repo: GitRepo, revision: str, out: Path, output_format: str = "jsonl", system_prompt: str | None = None
) -> dict[str, int]:
    """Write the snapshot of ``revision`` to ``out``, every record opening with ``system_prompt`` (default: the
    taxonomy's, else lab's); records written per file."""
    if system_prompt is None:
        from lab_cli.config import load_settings
        from lab_cli.prompts import DEFAULT_SYSTEM_PROMPT

        configured = load_settings(repo.top).system_prompt
        system_prompt = DEFAULT_SYSTEM_PROMPT if configured is None else configured
    if output_format not in ("jsonl", "parquet"):
        raise UsageError(f"--format must be jsonl or parquet, not {output_format!r}")
    if output_format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as problem:
            raise UsageError(
                "--format parquet needs pyarrow: pip install -e .[train], or use --format jsonl"
            ) from problem
    groups: dict[str, list[dict]] = {name: [] for name in FILES}
    for _, entry, sample in snapshot_samples(repo, snapshot_of(repo, revision)):
        split = sample.get("metadata", {}).get("split", "train")
        group = "eval" if split == "eval" else ("knowledge" if entry.kind == "knowledge" else "skills")
        groups[group].append(_record(sample, system_prompt))
    out.mkdir(parents=True, exist_ok=True)
    for group, records in groups.items():
        _write(out / f"{FILES[group]}.{output_format}", records, output_format)
    return {FILES[group]: len(records) for group, records in groups.items()}


def _write(path: Path, records: list[dict], output_format: str) -> None:
    if output_format == "jsonl":
        write_atomic_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    schema = pa.schema([("messages", pa.list_(message)), ("metadata", pa.string()), ("id", pa.string())])
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.Table.from_pylist(records, schema=schema), temporary)  # an explicit schema: empty files load too
    temporary.replace(path)
