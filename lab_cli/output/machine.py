"""Machine-readable renderings of a validation result: JSON, GitHub annotations and SARIF."""

from __future__ import annotations

import json
from collections.abc import Iterator

from lab_cli import __version__
from lab_cli.output.escape import annotation_data, annotation_property, sarif_uri
from lab_cli.taxonomy.diagnostics import Diagnostic, ValidationResult
from lab_cli.taxonomy.rules import REGISTRY
from lab_cli.text import visible

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS_URL = "https://github.com/lab-cli/lab#rules"


def to_json(result: ValidationResult) -> str:
    """The stable JSON contract of ``lab validate``."""
    return json.dumps(result.as_dict(), indent=2, ensure_ascii=False)


def github_annotations(result: ValidationResult) -> Iterator[str]:
    """GitHub Actions workflow commands, one ``::error``/``::warning`` line per diagnostic."""
    for report in result.files:
        for level, diagnostics in (("error", report.errors), ("warning", report.warnings)):
            for d in diagnostics:
                where = f"file={annotation_property(report.path)},line={d.line},col={d.column}"
                title = annotation_property(f"lab: {d.rule}")
                yield f"::{level} {where},title={title}::{annotation_data(d.message)}"


def _rule_ids(result: ValidationResult) -> list[str]:
    return sorted({d.rule for report in result.files for d in report.diagnostics})


def _sarif_result(path: str, diagnostic: Diagnostic, rule_index: dict[str, int]) -> dict[str, object]:
    return {
        "ruleId": diagnostic.rule,
        "ruleIndex": rule_index[diagnostic.rule],
        "level": diagnostic.severity.value,
        "message": {"text": visible(diagnostic.message)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": sarif_uri(path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": diagnostic.line, "startColumn": diagnostic.column},
                }
            }
        ],
    }


def to_sarif(result: ValidationResult) -> str:
    """A SARIF 2.1.0 log for code scanning."""
    rules = _rule_ids(result)
    rule_index = {rule: index for index, rule in enumerate(rules)}
    descriptors = []
    for rule in rules:
        module = REGISTRY.get(rule)
        summary = (module.__doc__ or "").strip().splitlines()[0] if module else f"{rule} check of lab validate"
        descriptors.append({"id": rule, "shortDescription": {"text": summary}, "helpUri": f"{DOCS_URL}-{rule}"})
    results = [
        _sarif_result(report.path, d, rule_index) for report in result.files for d in report.errors + report.warnings
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lab",
                        "version": __version__,
                        "informationUri": DOCS_URL,
                        "rules": descriptors,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)
