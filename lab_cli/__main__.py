"""Run the lab command line as ``python -m lab_cli``."""

from lab_cli.cli.main import run

run()
