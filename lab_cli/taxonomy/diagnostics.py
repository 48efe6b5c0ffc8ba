"""Diagnostics: one problem at a file position, and the report of one validated file."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    """How much a diagnostic matters: errors make a file invalid, warnings only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem found at a 1-based line and column of a file."""

    line: int
    column: int
    rule: str
    message: str
    severity: Severity = Severity.ERROR

    def as_dict(self) -> dict[str, object]:
        """The JSON contract's form: line, column, rule, message."""
        return {"line": self.line, "column": self.column, "rule": self.rule, "message": self.message}


@dataclass
class FileReport:
    """Everything lab found about one file: which leaf it is and its diagnostics."""

    path: str
    leaf: str
    kind: str | None = None
    schema_version: int | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lines: list[str] = field(default_factory=list, repr=False)

    @property
    def errors(self) -> list[Diagnostic]:
        """Diagnostics that make the file invalid, in file order."""
        return sorted(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> list[Diagnostic]:
        """Diagnostics that only fail under ``--strict``, in file order."""
        return sorted(d for d in self.diagnostics if d.severity is Severity.WARNING)

    def add(self, line: int, column: int, rule: str, message: str, severity: Severity = Severity.ERROR) -> None:
        """Record one diagnostic."""
        self.diagnostics.append(Diagnostic(line, column, rule, message, severity))

    def as_dict(self) -> dict[str, object]:
        """The JSON contract's form of this file."""
        return {
            "path": self.path,
            "leaf": self.leaf,
            "kind": self.kind,
            "schema_version": self.schema_version,
            "errors": [d.as_dict() for d in self.errors],
            "warnings": [d.as_dict() for d in self.warnings],
        }


@dataclass
class ValidationResult:
    """The reports of a validation run, in a stable order."""

    files: list[FileReport]

    @property
    def error_count(self) -> int:
        """Errors over all files."""
        return sum(len(f.errors) for f in self.files)

    @property
    def warning_count(self) -> int:
        """Warnings over all files."""
        return sum(len(f.warnings) for f in self.files)

    def failed(self, strict: bool = False) -> bool:
        """Whether the run fails: any error, or any warning under ``strict``."""
        return self.error_count > 0 or (strict and self.warning_count > 0)

    def as_dict(self) -> dict[str, object]:
        """The JSON contract of ``lab validate --format json``."""
        return {
            "files": [f.as_dict() for f in self.files],
            "summary": {"files": len(self.files), "errors": self.error_count, "warnings": self.warning_count},
        }
