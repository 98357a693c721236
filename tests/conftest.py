"""Shared helpers: run the real command line in-process and capture what it prints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "tests" / "data" / "core"
CORE_RULESET = ROOT / "tests" / "data" / "core_ruleset.yaml"


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `cx-audit ARGS` as a user would; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        from cx_audit.cli import main

        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        return exit_info.value.code, captured.out, captured.err

    return run
