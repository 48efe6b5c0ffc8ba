"""How often ``lab validate`` reaches the verdict (valid = no errors) of InstructLab's reference validator.

For every ``qna.yaml`` under a folder (and every misnamed ``*.yaml`` / ``*.yml`` file inside ``knowledge``,
``compositional_skills`` or ``foundational_skills``) it asks:

- the reference: ``instructlab.schema.taxonomy.TaxonomyParser(schema_version=0, message_format="logging")``
  (its error log records, captured on the ``instructlab.schema.taxonomy`` logger; a
  ``TaxonomyReadingException`` counts as an error), plus the public taxonomy's CI rule: a file whose
  ``version`` is an int >= 2 needs a non-empty ``attribution.txt`` beside it;
- lab: ``validate_paths([folder])``, each file's errors (less those of ``--ignore-rule`` rules);

and prints the agreement rate and every disagreement with both sides' first error.

Run from the repository root with the venv active (yamllint must be on PATH; this script puts the venv's
``bin`` first)::

    python benchmarks/reference_agreement.py                       # ../shared/corpus/taxonomy
    python benchmarks/reference_agreement.py ~/taxonomy --ignore-rule file-name --json agreement.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from bench_common import child_stderr_silenced
from instructlab.schema.taxonomy import TaxonomyParser, TaxonomyReadingException

from lab_cli.taxonomy.validator import validate_paths

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPOSITORY.parent / "shared" / "corpus" / "taxonomy"
TAXONOMY_FOLDERS = frozenset({"knowledge", "compositional_skills", "foundational_skills"})
REFERENCE_LOGGER = "instructlab.schema.taxonomy"


@dataclass
class Judgement:
    """Both verdicts on one file, with the errors behind them."""

    path: str
    reference_errors: list[str] = field(default_factory=list)
    lab_errors: list[str] = field(default_factory=list)
    lab_judged: bool = True

    @property
    def reference_valid(self) -> bool:
        """Whether the reference (with the CI attribution rule) found no error."""
        return not self.reference_errors

    @property
    def lab_valid(self) -> bool:
        """Whether lab found no error it was asked to count."""
        return self.lab_judged and not self.lab_errors

    @property
    def agree(self) -> bool:
        """Whether both reach the same verdict."""
        return self.reference_valid == self.lab_valid

    def as_dict(self) -> dict[str, object]:
        """The JSON row of this file."""
        row = asdict(self)
        row.update(reference_valid=self.reference_valid, lab_valid=self.lab_valid, agree=self.agree)
        return row


# --- which files --------------------------------------------------------------------------------------------


def is_candidate(relative: Path) -> bool:
    """Whether a file is judged: any ``qna.yaml``, or a misnamed YAML file inside a taxonomy folder."""
    if relative.name == "qna.yaml":
        return True
    return relative.suffix in (".yaml", ".yml") and bool(TAXONOMY_FOLDERS.intersection(relative.parts[:-1]))


def find_files(folder: Path) -> list[Path]:
    """The files to judge under ``folder``, sorted; hidden folders are skipped."""
    found = []
    for current, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            path = Path(current, name)
            if not name.startswith(".") and is_candidate(path.relative_to(folder)):
                found.append(path)
    return sorted(found)


# --- the reference ------------------------------------------------------------------------------------------


class Collector(logging.Handler):
    """Keeps the reference's error messages (without their leading path) for the file being parsed."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Record one error message."""
        message = record.getMessage()
        if isinstance(record.args, tuple) and record.args:
            prefix = f"{record.args[0]}:"
            message = message.removeprefix(prefix)
        self.messages.append(message)


def attach_collector() -> Collector:
    """A collector on the reference's logger, which no longer prints to the terminal."""
    collector = Collector()
    logger = logging.getLogger(REFERENCE_LOGGER)
    logger.addHandler(collector)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    return collector


def attribution_error(path: Path) -> str | None:
    """The public taxonomy CI rule: version >= 2 needs a non-empty ``attribution.txt`` beside the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool) or version < 2:
        return None
    attribution = path.parent / "attribution.txt"
    try:
        if attribution.read_text(encoding="utf-8", errors="replace").strip():
            return None
    except OSError:
        pass
    return f"CI rule: version {version} needs a non-empty attribution.txt beside the file"


def reference_errors(parser: TaxonomyParser, collector: Collector, path: Path) -> list[str]:
    """The reference's errors on one file, then the CI attribution rule's."""
    collector.messages = []
    try:
        parser.parse(path)
    except TaxonomyReadingException as error:
        cause = error.__cause__ or error
        collector.messages.append(f"TaxonomyReadingException: {type(cause).__name__}: {cause}".splitlines()[0])
    extra = attribution_error(path)
    return [*collector.messages, *([extra] if extra else [])]


def judge_reference(files: list[Path]) -> dict[Path, list[str]]:
    """The reference's errors for every file."""
    parser = TaxonomyParser(schema_version=0, message_format="logging")
    collector = attach_collector()
    with child_stderr_silenced():
        return {path: reference_errors(parser, collector, path) for path in files}


# --- lab ----------------------------------------------------------------------------------------------------


def judge_lab(folder: Path, ignored: set[str]) -> dict[Path, list[str]]:
    """Lab's errors for every file it validated under ``folder``, less those of ``ignored`` rules."""
    result = validate_paths([folder])
    return {
        Path(os.path.abspath(report.path)): [
            f"{d.line}:{d.column} [{d.rule}] {d.message}" for d in report.errors if d.rule not in ignored
        ]
        for report in result.files
    }


# --- report -------------------------------------------------------------------------------------------------


def compare(folder: Path, ignored: set[str]) -> list[Judgement]:
    """Judge every file under ``folder`` both ways."""
    files = [Path(os.path.abspath(path)) for path in find_files(folder)]
    reference = judge_reference(files)
    lab = judge_lab(folder, ignored)
    judgements = []
    for path in sorted(set(files) | set(lab)):
        shown = os.path.relpath(path, folder)
        judgement = Judgement(shown, reference.get(path, ["(not judged by the reference harness)"]))
        judgement.lab_judged = path in lab
        judgement.lab_errors = lab.get(path, [])
        judgements.append(judgement)
    return judgements


def first(errors: list[str], judged: bool = True) -> str:
    """A one-line verdict: the first error, or valid."""
    if not judged:
        return "not judged (lab did not select this file)"
    if not errors:
        return "valid"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"invalid: {errors[0][:160]}{more}"


def print_report(folder: Path, judgements: list[Judgement], ignored: set[str]) -> None:
    """Print totals, then every disagreement."""
    agree = sum(j.agree for j in judgements)
    total = len(judgements)
    print(f"folder: {folder}")
    if ignored:
        print(f"lab rules ignored: {', '.join(sorted(ignored))}")
    reference_valid = sum(j.reference_valid for j in judgements)
    lab_valid = sum(j.lab_valid for j in judgements)
    print(
        f"reference: {reference_valid} valid, {total - reference_valid} invalid; "
        f"lab: {lab_valid} valid, {total - lab_valid} invalid"
    )
    print(
        f"files: {total}  agree: {agree}  disagree: {total - agree}  "
        f"agreement: {100 * agree / total if total else 100:.1f}%"
    )
    disagreements = [j for j in judgements if not j.agree]
    if disagreements:
        print("\ndisagreements:")
    for judgement in disagreements:
        print(f"  {judgement.path}")
        print(f"    reference: {first(judgement.reference_errors)}")
        print(f"    lab:       {first(judgement.lab_errors, judgement.lab_judged)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=DEFAULT_FOLDER,
        help=f"taxonomy folder (default: {DEFAULT_FOLDER})",
    )
    parser.add_argument(
        "--ignore-rule",
        action="append",
        default=[],
        metavar="RULE",
        help="leave this lab rule out of lab's verdict (repeatable)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the per-file table as JSON to OUT")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Judge the folder both ways and print the agreement."""
    args = parse_args(argv)
    if not args.folder.is_dir():
        print(f"{args.folder}: not a folder", file=sys.stderr)
        return 2
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    if shutil.which("yamllint") is None:
        print("yamllint is not on PATH: the reference would skip its lint checks", file=sys.stderr)
        return 2
    ignored = set(args.ignore_rule)
    judgements = compare(args.folder, ignored)
    print_report(args.folder, judgements, ignored)
    if args.json:
        rows = [judgement.as_dict() for judgement in judgements]
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nper-file table written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
