"""Every command and group's ``--help``: an Examples section whose lines run real lab commands."""

from __future__ import annotations

from typing import Any

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
