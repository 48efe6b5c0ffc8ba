"""lab's settings for a taxonomy repository, read from ``.lab.toml`` at its top (all optional).

[diff]
base = "origin/main"                 # what `lab diff` compares against by default

[documents]
allowed_hosts = ["github.com"]       # hosts a knowledge document.repo may point at

[train]
system_prompt = "You are ..."        # first in every training sample, and in lab eval's prompts

In pull-request mode the settings come from the base revision (``settings_at``), never from the pull request.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

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
    diff, documents, train = (_table(data, name, where) for name in ("diff", "documents", "train"))
    hosts = documents.get("allowed_hosts", DEFAULT_ALLOWED_HOSTS)
    if not isinstance(hosts, list | tuple) or not all(isinstance(host, str) for host in hosts):
        raise UsageError(f"{where}: documents.allowed_hosts must be a list of host names")
    base = diff.get("base")
    if base is not None and not isinstance(base, str):
        raise UsageError(f"{where}: diff.base must be a revision name")
    system_prompt = train.get("system_prompt")
    if system_prompt is not None and not isinstance(system_prompt, str):
        raise UsageError(f"{where}: train.system_prompt must be a string")
    return Settings(diff_base=base, allowed_hosts=tuple(hosts), system_prompt=system_prompt)


def _table(data: dict, name: str, where: str) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise UsageError(f"{where}: [{name}] must be a table")
    return table
