"""The command line: typer commands that parse options, call one engine function, print, and exit."""
