"""docs/qna-format.md, which validation errors point to: its examples validate as the kinds they claim, and it
names every field of every schema version."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.test_validate_cli import run_lab
from tests.helpers.leaves import write_leaf

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = (REPO_ROOT / "docs" / "qna-format.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"\(`([\w/]+/qna\.yaml)`\)[^`]*?```yaml\n(.*?)```", re.DOTALL)


def schema_fields(schema: dict, prefix: str = "") -> set[str]:
    """Every key path a schema defines: ``seed_examples[].questions_and_answers[].question``."""
    found = set()
    for key, value in schema.get("properties", {}).items():
        found.add(prefix + key)
        found |= schema_fields(value, f"{prefix}{key}.")
        if isinstance(value.get("items"), dict):
            found |= schema_fields(value["items"], f"{prefix}{key}[].")
    return found


def test_every_example_is_a_valid_leaf_of_its_kind(taxonomy: Path) -> None:
    examples = EXAMPLE.findall(DOC)
    assert len(examples) == 4
    attribution = DOC.split("```text\n", 1)[1].split("```", 1)[0]
    for path, text in examples:
        write_leaf(taxonomy, str(Path(path).parent), text, attribution)
    completed = run_lab("validate", "--format", "json", cwd=taxonomy)
    assert completed.returncode == 0, completed.stdout
    kinds = {f["path"]: f["kind"] for f in json.loads(completed.stdout)["files"]}
    assert kinds == {
        "compositional_skills/grounded/summaries/qna.yaml": "grounded_skill",
        "compositional_skills/writing/haiku/qna.yaml": "freeform_skill",
        "foundational_skills/reasoning/counting/qna.yaml": "foundational_skill",
        "knowledge/astronomy/stars/qna.yaml": "knowledge",
    }


def test_every_field_of_every_version_is_documented() -> None:
    documented = set(re.findall(r"^\| `([\w.\[\]]+)` \|", DOC, re.MULTILINE))
    for version in (1, 2, 3):
        for name in ("knowledge", "compositional_skills"):
            schema = json.loads((REPO_ROOT / f"lab_cli/taxonomy/schemas/v{version}/{name}.json").read_text())
            assert schema_fields(schema) <= documented, (version, name, schema_fields(schema) - documented)
    assert "Version 2 is not supported for knowledge" in DOC and "## Version 1" in DOC
