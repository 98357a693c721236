"""The renderer contract: results stream in; errors and the summary come at the end."""

from __future__ import annotations

from typing import IO, Protocol

from cx_audit.errors import InputError
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset


class Renderer(Protocol):
    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None: ...

    def result(self, result: ConversationResult) -> None: ...

    def finish(self, errors: list[InputError], summary: dict) -> None: ...
