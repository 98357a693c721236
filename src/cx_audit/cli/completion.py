"""`cx-audit completion SHELL`: the shell completion script for bash, zsh or fish (through Typer).

    cx-audit completion bash > ~/.local/share/bash-completion/completions/cx-audit
    cx-audit completion zsh  > "${fpath[1]}/_cx-audit"
    cx-audit completion fish > ~/.config/fish/completions/cx-audit.fish

The script calls `cx-audit` back with `_CX_AUDIT_COMPLETE` set; `main()` answers those calls.
"""

from __future__ import annotations

import sys
from enum import Enum

import typer

from cx_audit.cli import COMPLETE_VAR, EXIT_OK, app


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command()
def completion(shell: Shell = typer.Argument(..., help="bash, zsh or fish.", show_default=False)) -> int:
    """Print the shell completion script for bash, zsh or fish (save it where your shell loads completions)."""
    from typer.completion import completion_init, get_completion_script

    completion_init()
    sys.stdout.write(get_completion_script(prog_name="cx-audit", complete_var=COMPLETE_VAR, shell=shell.value).strip() + "\n")
    return EXIT_OK
