"""Renderers of validation results: human (rich), json, github annotations, SARIF 2.1.0."""

from __future__ import annotations

import enum


class OutputFormat(enum.StrEnum):
    """Formats a reporting command can print."""

    HUMAN = "human"
    JSON = "json"
    GITHUB = "github"
    SARIF = "sarif"


class ReportFormat(enum.StrEnum):
    """Formats of commands that report something other than diagnostics."""

    HUMAN = "human"
    JSON = "json"
