"""JSON (one document, streamed so memory stays flat) and JSONL (one result per line)."""

from __future__ import annotations

import json
from typing import IO

from cx_audit.errors import InputError
from cx_audit.render.records import SCHEMA_VERSION, result_record, tool_record
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


class JsonRenderer:
    """`{"schema_version", "tool", "rulesets", "results": [...], "errors": [...], "summary"}`."""

    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.out = out
        self.count = 0
        tool = _dumps(tool_record())
        sets = _dumps([{"id": rs.id, "version": rs.version, "language": rs.language, "pass_mark": rs.pass_mark} for rs in rulesets])
        out.write(f'{{"schema_version": {SCHEMA_VERSION}, "tool": {tool}, "rulesets": {sets}, "results": [')

    def result(self, r: ConversationResult) -> None:
        self.out.write(("\n  " if self.count == 0 else ",\n  ") + _dumps(result_record(r)))
        self.count += 1

    def finish(self, errors: list[InputError], summary: dict) -> None:
        errs = ",\n  ".join(_dumps(e.as_dict()) for e in errors)
        self.out.write(("\n" if self.count else "") + "],\n")
        self.out.write(f' "errors": [{chr(10) + "  " + errs + chr(10) if errors else ""}],\n')
        self.out.write(f' "summary": {_dumps(summary)}}}\n')


class JsonlRenderer:
    """One result object per line; errors go to stderr only (and the exit code)."""

    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.out = out

    def result(self, r: ConversationResult) -> None:
        self.out.write(_dumps(result_record(r)) + "\n")

    def finish(self, errors: list[InputError], summary: dict) -> None:
        pass
