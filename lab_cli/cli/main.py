"""The ``lab`` entry point: the command tree and the one place errors become messages and exit codes.

Exit codes: 0 success; 1 invalid input or a lab error; 2 usage or environment error; 3 unexpected error
(traceback written to a log file); 130 interrupted (SIGINT); 143 terminated (SIGTERM).
"""

from __future__ import annotations

import datetime
import functools
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import typer

from lab_cli.cli import chat, data, diff, evaluate, generate, model, serve, teacher, train, validate
from lab_cli.errors import LabError

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_UNEXPECTED, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 3, 130, 143

EPILOG = """Examples:

  lab validate                               # every qna.yaml in this clone

  lab generate                               # samples for what changed

  lab train --data HEAD --out models/c1      # a model of HEAD's snapshot

  lab eval --model models/c1                 # its per-leaf scores

Run lab COMMAND -h for a command's options and examples.
Exit codes: 0 success, 1 invalid input or a lab error, 2 usage or environment
error, 3 unexpected error (details in a log file), 130 interrupted (SIGINT),
143 terminated (SIGTERM)."""

app = typer.Typer(
    name="lab",
    help="Grow a language model's knowledge and skills from a taxonomy git repository.",
    epilog=EPILOG,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def _root(
    context: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print lab's version and exit."),
) -> None:
    """Grow a language model's knowledge and skills from a taxonomy git repository."""
    if version:
        from lab_cli import __version__

        print(f"lab {__version__}")
        raise typer.Exit(EXIT_OK)
    if context.invoked_subcommand is None:
        print(context.get_help())
        raise typer.Exit(EXIT_USAGE)


def _command(name: str, function: Callable[..., int], epilog: str = "", group: typer.Typer = app) -> None:
    """Register ``function`` (which returns an exit code) as ``lab [GROUP] NAME``."""

    @functools.wraps(function)
    def exit_with_code(*args: object, **kwargs: object) -> None:
        code = function(*args, **kwargs)
        if code:
            raise typer.Exit(code)

    group.command(name=name, epilog=epilog)(exit_with_code)


_command("validate", validate.validate, validate.EPILOG)
_command("diff", diff.diff, diff.EPILOG)
_command("serve", serve.serve, serve.EPILOG)
_command("generate", generate.generate, generate.EPILOG)
_command("train", train.train, train.EPILOG)
_command("eval", evaluate.evaluate, evaluate.EPILOG)
_command("chat", chat.chat, chat.EPILOG)

teacher_group = typer.Typer(help="Check a teacher endpoint.", epilog=teacher.GROUP_EPILOG, no_args_is_help=True)
model_group = typer.Typer(
    help="Models lab uses: the bundled default, and lineages of trained ones.",
    epilog=model.MODEL_GROUP_EPILOG,
    no_args_is_help=True,
)
app.add_typer(teacher_group, name="teacher")
app.add_typer(model_group, name="model")
data_group = typer.Typer(
    help="Dataset snapshots recorded per taxonomy commit.", epilog=data.GROUP_EPILOG, no_args_is_help=True
)
app.add_typer(data_group, name="data")
_command("check", teacher.check, teacher.CHECK_EPILOG, teacher_group)
_command("log", data.log, data.LOG_EPILOG, data_group)
_command("show", data.show, data.SHOW_EPILOG, data_group)
_command("diff", data.diff, data.DIFF_EPILOG, data_group)
_command("export", data.export, data.EXPORT_EPILOG, data_group)
_command("verify", data.verify, data.VERIFY_EPILOG, data_group)
_command("gc", data.gc, data.GC_EPILOG, data_group)
_command("pull", data.pull, data.PULL_EPILOG, data_group)
_command("push", data.push, data.PUSH_EPILOG, data_group)
_command("default", model.default, model.DEFAULT_EPILOG, model_group)
_command("log", model.log, model.LOG_EPILOG, model_group)
_command("export", model.export, model.EXPORT_EPILOG, model_group)


def log_dir() -> Path:
    """Where lab writes crash logs (``$XDG_STATE_HOME/lab/logs`` or ``~/.local/state/lab/logs``)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "lab" / "logs"


def _write_crash_log() -> Path | None:
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"crash-{stamp}-{os.getpid()}.log"
        path.write_text(f"lab {' '.join(sys.argv[1:])}\n\n{traceback.format_exc()}", encoding="utf-8")
        return path
    except OSError:
        return None


def _error(message: str) -> None:
    print(f"lab: error: {message}", file=sys.stderr)


class _Interrupted(BaseException):
    """Raised on SIGINT or SIGTERM instead of KeyboardInterrupt (which typer would turn into exit code 1), so
    cleanup runs: a local teacher server is stopped, temporary files are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum: int, frame: object) -> None:
    raise _Interrupted(signum)


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` and return the exit code; never raises."""
    previous = {signum: signal.signal(signum, _interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = app(args=argv, prog_name="lab", standalone_mode=True)
    except SystemExit as stop:  # typer exits after usage errors (2), --help (0) and commands' return codes
        return stop.code if isinstance(stop.code, int) else EXIT_INVALID
    except _Interrupted as stop:
        _error("interrupted" if stop.signum == signal.SIGINT else "terminated")
        return EXIT_INTERRUPTED if stop.signum == signal.SIGINT else EXIT_TERMINATED
    except LabError as problem:
        _error(str(problem))
        return problem.exit_code
    except Exception as problem:  # a bug: keep the traceback out of the user's face but on disk
        log = _write_crash_log()
        where = f"; details in {log}" if log else ""
        _error(f"unexpected {type(problem).__name__}: {problem}{where}. Please report it.")
        return EXIT_UNEXPECTED
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return result if isinstance(result, int) else EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
