"""`cx-audit init [DIR]`: scaffold a team ruleset that extends es, with fixtures and a config."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cx_audit.cli import EXIT_OK, app


@app.command()
def init(
    folder: Path = typer.Argument(Path("."), help="Where to write the project (created if missing). Default: the current folder."),
    force: bool = typer.Option(False, "--force", help="Overwrite files that already exist."),
) -> int:
    """Start a team ruleset: rules/team.yaml extending es (one example rule of each kind), annotated fixtures, .cx-audit.yaml."""
    from cx_audit.scaffold import write_scaffold

    written = write_scaffold(folder, force)
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    rules = folder / "rules" / "team.yaml"
    sys.stdout.write(
        "\nNext:\n"
        f"  cx-audit rules validate {rules}\n"
        f"  cx-audit rules test {rules}\n"
        f"  cx-audit score TRANSCRIPTS      (inside {folder}: .cx-audit.yaml makes team.yaml the default)\n"
    )
    return EXIT_OK
