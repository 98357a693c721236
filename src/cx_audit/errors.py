"""Errors that name where a problem is, so a user can go straight to it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class InputError:
    """A located problem with one input: a file, or one line/record of it. Never raised: reported."""

    source: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "message": self.message}


class CxAuditError(Exception):
    """A usage or configuration error that stops the command (exit 2)."""


class RulesetError(CxAuditError):
    """One or more located problems in a ruleset file; each is `file:line:col: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
