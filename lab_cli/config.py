"""lab's settings for a taxonomy repository, read from ``.lab.toml`` at its top (all optional).

[diff]
base = "origin/main"                 # what `lab diff` compares against by default

[documents]
allowed_hosts = ["github.com"]       # hosts a knowledge document.repo may point at

[train]
system_prompt = "You are ..."        # first in every training sample, and in lab eval's prompts

[limits]
git_timeout = 300                    # seconds one git command may run ($LAB_GIT_TIMEOUT overrides it)
max_document_bytes = 20971520        # largest file read from a document repository (20 MiB)
max_fetch_bytes = 209715200          # most one document fetch may bring, and its selected files total (200 MiB)

In pull-request mode the settings come from the base revision (``settings_at``), never from the pull request,
so a pull request can neither allow its own document host nor raise its own limits.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from lab_cli.documents.fetch import MAX_DOCUMENT_BYTES, MAX_FETCH_BYTES, Limits
from lab_cli.documents.urls import DEFAULT_ALLOWED_HOSTS
from lab_cli.errors import UsageError
from lab_cli.gitrepo import SUBMODULE_MODE, SYMLINK_MODE, GitRepo

CONFIG_FILE = ".lab.toml"
_MAX_CONFIG_BYTES = 64 * 1024


@dataclass(frozen=True)
class Settings:
    """The settings of one taxonomy repository."""

    diff_base: str | None = None
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    system_prompt: str | None = None  # None: lab's default (lab_cli.prompts)
    git_timeout: float | None = None  # None: lab's default (lab_cli.gitrepo)
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    max_fetch_bytes: int = MAX_FETCH_BYTES

    def document_limits(self) -> Limits:
        """What fetching and reading a knowledge document may cost under these settings."""
        return Limits(self.max_document_bytes, self.max_fetch_bytes, self.git_timeout)


def load_settings(top: Path) -> Settings:
    """Settings from ``top/.lab.toml``, defaults where it is absent or silent."""
    path = top / CONFIG_FILE
    if not path.is_file():
        return Settings()
    return parse_settings(path.read_bytes(), str(path))


def settings_at(repo: GitRepo, revision: str) -> Settings:
    """Settings from ``.lab.toml`` as committed in ``revision`` (the work tree and the index are not read)."""
    entry = repo.entries(revision, [CONFIG_FILE]).get(CONFIG_FILE)
    if entry is None or entry.mode in (SYMLINK_MODE, SUBMODULE_MODE):
        return Settings()
    where = f"{CONFIG_FILE} at {revision[:12]}"
    if entry.size is None or entry.size > _MAX_CONFIG_BYTES:
        raise UsageError(f"{where}: over {_MAX_CONFIG_BYTES:,} bytes; lab's settings are a few lines")
    return parse_settings(repo.read_blobs([entry.sha])[entry.sha], where)


def parse_settings(content: bytes, where: str) -> Settings:
    """Settings from the bytes of a ``.lab.toml``; ``where`` names it in errors."""
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{where}: not valid TOML ({exc}); fix or remove it") from exc
    diff, documents, train, limits = (_table(data, name, where) for name in ("diff", "documents", "train", "limits"))
    hosts = documents.get("allowed_hosts", DEFAULT_ALLOWED_HOSTS)
    if not isinstance(hosts, list | tuple) or not all(isinstance(host, str) for host in hosts):
        raise UsageError(f"{where}: documents.allowed_hosts must be a list of host names")
    base = diff.get("base")
    if base is not None and not isinstance(base, str):
        raise UsageError(f"{where}: diff.base must be a revision name")
    system_prompt = train.get("system_prompt")
    if system_prompt is not None and not isinstance(system_prompt, str):
        raise UsageError(f"{where}: train.system_prompt must be a string")
    return Settings(
        diff_base=base,
        allowed_hosts=tuple(hosts),
        system_prompt=system_prompt,
        git_timeout=_positive(limits, "git_timeout", None, where, float),
        max_document_bytes=int(_positive(limits, "max_document_bytes", MAX_DOCUMENT_BYTES, where, int)),
        max_fetch_bytes=int(_positive(limits, "max_fetch_bytes", MAX_FETCH_BYTES, where, int)),
    )


def _positive(limits: dict, name: str, default: float | None, where: str, kind: type) -> float | None:
    """``limits[name]``: a positive number (a whole one when ``kind`` is int), else ``default`` when absent."""
    value = limits.get(name, default)
    allowed = (int,) if kind is int else (int, float)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, allowed) or not 0 < value < float("inf"):
        unit = "a whole number of bytes" if kind is int else "a number of seconds"
        raise UsageError(f"{where}: limits.{name} must be a positive number, {unit}")
    return value


def _table(data: dict, name: str, where: str) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise UsageError(f"{where}: [{name}] must be a table")
    return table
