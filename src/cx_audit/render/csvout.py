"""CSV: one row per conversation (or, with --details, one per finding), written as it goes.

Cells a spreadsheet would execute (starting with =, +, -, @, tab or carriage return) get a
leading apostrophe, so customer text can never become a formula.
"""

from __future__ import annotations

import csv
from typing import IO, Any

from cx_audit.errors import InputError
from cx_audit.render.sanitize import safe
from cx_audit.render.records import CSV_DETAIL_COLUMNS, CSV_FIXED_COLUMNS, CSV_META_COLUMNS, findings
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else ""
    if isinstance(value, int):
        return str(value)
    text = safe(str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class CsvRenderer:
    def __init__(self, details: bool = False, delimiter: str = ","):
        self.details = details
        self.delimiter = delimiter

    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.writer = csv.writer(out, delimiter=self.delimiter, lineterminator="\n")
        self.categories = list(dict.fromkeys(c for rs in rulesets for c in rs.categories))
        if self.details:
            self.writer.writerow(CSV_DETAIL_COLUMNS)
        else:
            self.writer.writerow(CSV_FIXED_COLUMNS + self.categories + ["failed_rules"] + CSV_META_COLUMNS)

    def result(self, r: ConversationResult) -> None:
        head = [r.conversation_id, r.source, r.agent, r.language, r.ruleset]
        if self.details:
            for f in findings(r):
                row = head + [f[k] for k in CSV_DETAIL_COLUMNS[5:]]
                self.writer.writerow([cell(v) for v in row])
            return
        cats = [r.categories[c].score if c in r.categories else None for c in self.categories]
        meta = [r.metadata.get(k) for k in CSV_META_COLUMNS]
        row = head + [r.score, r.passed, r.auto_failed] + cats + [" ".join(dict.fromkeys(r.failed_rules))] + meta
        self.writer.writerow([cell(v) for v in row])

    def finish(self, errors: list[InputError], summary: dict) -> None:
        pass
