"""xlsx: a workbook with a summary sheet, one row per conversation, and one row per failed finding.

(Passed and n/a rule outcomes are left out of the findings sheet; `-f csv --details` has them.)

Headers are frozen, numbers are stored as numbers (booleans as booleans), and score cells are
filled by band (green at or above the pass mark, amber within 20 points below it, red under
that). Every text cell is stored as a string (data type `s`), so customer text starting with `=`
is shown, never evaluated; control characters (which xlsx cannot hold) become U+FFFD.

The workbook is binary: it is written at the end to the output's byte stream.
"""

from __future__ import annotations

import re
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from cx_audit.errors import InputError
from cx_audit.render.records import CSV_META_COLUMNS, findings
from cx_audit.report.aggregate import aggregate, record_of
from cx_audit.results import FAIL, ConversationResult
from cx_audit.ruleset.model import Ruleset
from cx_audit.scoring import band

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
BAND_FILLS = {
    "pass": PatternFill("solid", fgColor="C6EFCE"),
    "near": PatternFill("solid", fgColor="FFEB9C"),
    "low": PatternFill("solid", fgColor="FFC7CE"),
}
HEADER_FONT = Font(bold=True)
MAX_TEXT = 32000  # a cell holds at most 32,767 characters


class XlsxRenderer:
    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.out = out
        self.rulesets = rulesets
        self.pass_mark = {rs.label: rs.pass_mark for rs in rulesets}
        self.default_mark = rulesets[0].pass_mark if rulesets else 70.0
        self.categories = list(dict.fromkeys(c for rs in rulesets for c in rs.categories))
        self.wb = Workbook(write_only=True)
        self.summary_ws = self.wb.create_sheet("summary")
        self.conv_ws = self.wb.create_sheet("conversations")
        self.find_ws = self.wb.create_sheet("findings")
        self.conv_columns = (
            ["conversation_id", "source", "agent", "language", "ruleset", "score", "passed", "auto_failed"]
            + self.categories
            + ["failed_rules"] + CSV_META_COLUMNS + ["channel", "turns"]
        )
        self.find_columns = [
            "conversation_id", "agent", "ruleset", "rule", "category", "status", "severity", "turn",
            "speaker", "time", "match", "text", "message", "tip", "note",
        ]
        for ws, columns in ((self.conv_ws, self.conv_columns), (self.find_ws, self.find_columns)):
            ws.freeze_panes = "B2"
            ws.append([self._cell(ws, c, font=HEADER_FONT) for c in columns])
        self.summary_ws.freeze_panes = "B2"
        self.records: list[dict[str, Any]] = []

    def _cell(self, ws, value: Any, fill: PatternFill | None = None, font: Font | None = None, fmt: str | None = None) -> WriteOnlyCell:
        if isinstance(value, str):
            text = _ILLEGAL.sub("\ufffd", value)[:MAX_TEXT]
            cell = WriteOnlyCell(ws, value=text)
            cell.data_type = "s"  # never a formula, whatever the text starts with
        elif value is None or isinstance(value, (bool, int, float)):
            cell = WriteOnlyCell(ws, value=value)
        else:
            cell = WriteOnlyCell(ws, value=str(value))
            cell.data_type = "s"
        if fill is not None:
            cell.fill = fill
        if font is not None:
            cell.font = font
        if fmt is not None:
            cell.number_format = fmt
        return cell

    def _plain(self, ws, value: Any) -> Any:
        """An unstyled value: plain Python where openpyxl keeps it as is (much faster to write)."""
        if isinstance(value, str):
            if value.startswith("=") or _ILLEGAL.search(value) or len(value) > MAX_TEXT:
                return self._cell(ws, value)
            return value
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self._cell(ws, value)

    def _score_cell(self, ws, score: float | None, mark: float) -> WriteOnlyCell:
        which = band(score, mark)
        return self._cell(ws, score, fill=BAND_FILLS.get(which), fmt="0.0")

    def result(self, r: ConversationResult) -> None:
        self.records.append(record_of(r))
        mark = self.pass_mark.get(r.ruleset, self.default_mark)
        ws = self.conv_ws
        row = [self._plain(ws, v) for v in (r.conversation_id, r.source, r.agent, r.language, r.ruleset)]
        row.append(self._score_cell(ws, r.score, mark))
        row += [r.passed, r.auto_failed]
        for cid in self.categories:
            c = r.categories.get(cid)
            row.append(self._score_cell(ws, c.score if c else None, mark))
        row.append(self._plain(ws, " ".join(dict.fromkeys(r.failed_rules))))
        row += [self._plain(ws, r.metadata.get(k)) for k in CSV_META_COLUMNS]
        row += [self._plain(ws, r.channel or None), r.turns]
        ws.append(row)
        fw = self.find_ws
        for f in findings(r):
            if f["status"] != FAIL:
                continue
            values = {"conversation_id": r.conversation_id, "agent": r.agent, "ruleset": r.ruleset, **f}
            fw.append([self._plain(fw, values.get(c)) for c in self.find_columns])

    def finish(self, errors: list[InputError], summary: dict) -> None:
        ws = self.summary_ws
        report = aggregate(self.records, ["agent"])
        mark = self.default_mark
        header = ["agent", "count", "mean_score", "median_score", "pass_rate", "passed", "failed", "auto_failed"] + report["categories"] + ["top_failed_rules"]
        ws.append([self._cell(ws, h, font=HEADER_FONT) for h in header])
        for stats, name in [(report["total"], "(all)")] + [(g, g["group"]["agent"]) for g in report["groups"]]:
            row = [self._cell(ws, name, font=HEADER_FONT if name == "(all)" else None), self._cell(ws, stats["count"])]
            row += [self._score_cell(ws, stats["mean_score"], mark), self._score_cell(ws, stats["median_score"], mark)]
            row.append(self._cell(ws, stats["pass_rate"], fmt="0%"))
            row += [self._cell(ws, stats[k]) for k in ("passed", "failed", "auto_failed")]
            row += [self._score_cell(ws, stats["categories"].get(c), mark) for c in report["categories"]]
            row.append(self._cell(ws, ", ".join(f"{x['rule']} ({x['conversations']})" for x in stats["top_failed_rules"])))
            ws.append(row)
        ws.append([])
        ws.append([self._cell(ws, "run", font=HEADER_FONT)])
        ws.append([self._cell(ws, "rulesets"), self._cell(ws, ", ".join(f"{rs.name} ({rs.label})" for rs in self.rulesets))])
        ws.append([self._cell(ws, "pass mark"), self._cell(ws, mark)])
        for key in ("inputs", "conversations", "scored", "failed", "errors"):
            ws.append([self._cell(ws, key), self._cell(ws, summary.get(key))])
        for error in errors:
            ws.append([self._cell(ws, "error"), self._cell(ws, str(error))])
        self.out.flush()
        target = getattr(self.out, "buffer", self.out)
        self.wb.save(target)
        target.flush()
