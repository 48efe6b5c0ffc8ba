"""The errors lab raises on purpose.

Every error a user can cause is a ``LabError``; the command line turns it into one line and exit code 1
(``UsageError`` into exit code 2). Anything else is a bug: its traceback goes to a log file.

    LabError
    ├── UsageError       wrong arguments or environment (exit 2)
    ├── TaxonomyError    a taxonomy that cannot be read at all
    ├── GitError         git could not answer
    ├── TeacherError     the teacher endpoint failed past its retry budget
    └── TrainError       training could not run or resume
"""

from __future__ import annotations


class LabError(Exception):
    """An error caused by input or environment, reported to the user in one line."""

    exit_code = 1


class UsageError(LabError):
    """Wrong arguments, or an environment the command cannot run in."""

    exit_code = 2


class TaxonomyError(LabError):
    """A taxonomy (not one leaf of it) that cannot be read."""


class GitError(LabError):
    """A git operation that failed or a revision that does not exist."""


class TeacherError(LabError):
    """A teacher model endpoint that failed past its retry and failure budget."""


class TrainError(LabError):
    """Training that could not start, run or resume."""
