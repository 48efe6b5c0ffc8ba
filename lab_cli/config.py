"""lab's settings for a taxonomy repository, read from ``.lab.toml`` at its top (all optional).

[diff]
base = "origin/main"                 # what `lab diff` compares against by default

[documents]
allowed_hosts = ["github.com"]       # hosts a knowledge document.repo may point at

[train]
system_prompt = "You are ..."        # first in every training sample, and in lab eval's prompts
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from lab_cli.documents.urls import DEFAULT_ALLOWED_HOSTS
from lab_cli.errors import UsageError

CONFIG_FILE = ".lab.toml"


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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc}); fix or remove it") from exc
    diff = data.get("diff", {})
    documents = data.get("documents", {})
    hosts = documents.get("allowed_hosts", DEFAULT_ALLOWED_HOSTS)
    if not isinstance(hosts, list | tuple) or not all(isinstance(host, str) for host in hosts):
        raise UsageError(f"{path}: documents.allowed_hosts must be a list of host names")
    base = diff.get("base")
    if base is not None and not isinstance(base, str):
        raise UsageError(f"{path}: diff.base must be a revision name")
    system_prompt = data.get("train", {}).get("system_prompt")
    if system_prompt is not None and not isinstance(system_prompt, str):
        raise UsageError(f"{path}: train.system_prompt must be a string")
    return Settings(diff_base=base, allowed_hosts=tuple(hosts), system_prompt=system_prompt)
