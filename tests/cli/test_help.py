"""Every command and group's ``--help``: an Examples section whose lines parse as their command, and run (where
no teacher, GPU or server is needed) on a real repository the test makes."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import typer

from lab_cli.cli.main import app, main


def commands() -> list[tuple[str, Any]]:
    """Every group and command of ``lab`` (typer's click objects), named as a user types it."""
    found: list[tuple[str, Any]] = []

    def walk(name: str, command: Any) -> None:
        found.append((name, command))
        if hasattr(command, "commands"):  # a group
            for sub_name, sub in sorted(command.commands.items()):
                walk(f"{name} {sub_name}", sub)

    walk("lab", typer.main.get_command(app))
    return found


@pytest.mark.parametrize(("name", "command"), commands(), ids=[name for name, _ in commands()])
def test_every_command_has_examples(name: str, command: Any) -> None:
    epilog = command.epilog or ""
    assert epilog.startswith("Examples:"), f"{name} -h shows no examples"
    examples = [line.strip() for line in epilog.splitlines() if line.startswith("  lab ")]
    assert examples, f"{name}: no example command lines"
    if name != "lab":
        assert all(line.startswith(name) for line in examples), f"{name}: an example runs another command"


def test_the_tree_includes_the_groups_and_their_commands() -> None:
    names = {name for name, _ in commands()}
    assert {"lab data", "lab data export", "lab teacher", "lab model", "lab model log"} <= names


def test_help_prints_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "export", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Examples:" in out and "lab data export v1.0 --out exports/v1 --format parquet" in out


def test_lab_help_lists_every_exit_code_main_returns(capsys: pytest.CaptureFixture[str]) -> None:
    from lab_cli.cli import main as entry

    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    codes = [entry.EXIT_OK, entry.EXIT_INVALID, entry.EXIT_USAGE, entry.EXIT_UNEXPECTED]
    for code in [*codes, entry.EXIT_INTERRUPTED, entry.EXIT_TERMINATED]:
        assert f"{code} " in shown.split("Exit codes:", 1)[1], code


def examples() -> list[tuple[str, list[str]]]:
    """Every example command line of every ``--help`` as arguments (``a; b`` is two), with its command's name."""
    found = []
    for name, command in commands():
        for line in (command.epilog or "").splitlines():
            if line.startswith("  lab "):
                for part in line.split("#", 1)[0].split(";"):
                    found.append((name, shlex.split(part)[1:]))
    return found


@pytest.mark.parametrize(("name", "args"), examples(), ids=[" ".join(args) for _, args in examples()])
def test_every_example_parses_as_its_command(name: str, args: list[str]) -> None:
    group = typer.main.get_command(app)
    try:
        with group.make_context("lab", list(args), resilient_parsing=False) as context:
            found, sub, rest = group.resolve_command(context, list(args))
            while hasattr(sub, "commands"):  # down the groups to the command itself
                context = sub.make_context(found, rest, parent=context)
                found, sub, rest = sub.resolve_command(context, rest)
            sub.make_context(found, rest, parent=context)  # parses every option: a misspelled one raises
    except click.exceptions.Exit:
        pass
    except click.ClickException as exc:
        pytest.fail(f"{name}: example {' '.join(args)!r}: {exc.format_message()}")


RUNNABLE = ("validate", "diff", "data")
"""The commands whose examples run for real below (the others need a teacher, a GPU or a server)."""


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A taxonomy clone named ``taxonomy`` with origin and upstream remotes, tags v1.0 and v2.0, a branch
    ``feature``, a dataset snapshot on every commit, and knowledge/science — what the examples name."""
    from tests.datasets.test_snapshot import record
    from tests.helpers.gitrepos import Repo
    from tests.helpers.leaves import knowledge_text, skill_text

    repo = Repo(tmp_path / "taxonomy")
    repo.leaf("compositional_skills/writing/poems", skill_text())
    repo.leaf("knowledge/science", knowledge_text())
    record(repo, repo.commit("v1"))
    repo.git("tag", "v1.0")
    for remote in ("origin", "upstream"):
        subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / f"{remote}.git")], check=True)
        repo.git("remote", "add", remote, str(tmp_path / f"{remote}.git"))
    repo.git("push", "-q", "origin", "HEAD:refs/heads/main")
    repo.git("fetch", "-q", "origin")
    repo.leaf("compositional_skills/writing/notes", skill_text(created_by="n"))
    record(repo, repo.commit("v2"))
    repo.git("tag", "v2.0")
    repo.git("branch", "feature")
    (tmp_path / "elsewhere").mkdir()
    return repo.top


@pytest.mark.parametrize(
    "args", [args for name, args in examples() if args[0] in RUNNABLE], ids=lambda args: " ".join(args)
)
def test_every_runnable_example_runs_on_a_real_repository(published: Path, args: list[str], monkeypatch) -> None:
    at = published.parent / "elsewhere" if "-C" in args else published  # -C ../taxonomy: from a sibling folder
    monkeypatch.chdir(at)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(list(args)) == 0, f"lab {' '.join(args)} failed in {at}"
