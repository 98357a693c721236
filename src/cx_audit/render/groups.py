"""Aggregated output (`score --group-by`, `summarize`): one row per group as a table, CSV or JSON.

JSON: `{"schema_version": 1, "tool", "group_by": [...], "categories": [...], "groups": [{"group":
{key: value}, "count", "mean_score", "median_score", "pass_rate", "passed", "failed",
"auto_failed", "categories": {id: mean}, "top_failed_rules": [{"rule", "conversations"}]}],
"total": {...same without group...}}`. CSV: the group keys, then `count, mean_score, median_score,
pass_rate, passed, failed, auto_failed`, one column per category (its mean), `top_failed_rules`
(`rule(n)` separated by spaces).
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from rich.table import Table
from rich.text import Text

from cx_audit.errors import InputError
from cx_audit.render.csvout import cell
from cx_audit.render.records import SCHEMA_VERSION, tool_record
from cx_audit.render.table import safe, score_style, report_console
from cx_audit.report.aggregate import aggregate, flat_columns, flat_row, record_of
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset

GROUP_FORMATS = ("table", "csv", "json")


def write_report(report: dict[str, Any], fmt: str, out: IO[str], pass_mark: float = 70.0, title: str = "") -> None:
    if fmt == "json":
        doc = {"schema_version": SCHEMA_VERSION, "tool": tool_record(), **report}
        out.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(flat_columns(report))
        for stats in report["groups"]:
            writer.writerow([cell(v) for v in flat_row(report, stats)])
    elif fmt == "table":
        _table(report, out, pass_mark, title)
    else:
        raise ValueError(fmt)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _table(report: dict[str, Any], out: IO[str], pass_mark: float, title: str) -> None:
    console = report_console(out, soft_wrap=False)
    if not console.is_terminal:
        console.width = max(console.width, 160)
    by = " × ".join(report["group_by"])
    table = Table(title=Text(safe(title or f"Results by {by}")), header_style="bold", show_footer=True)
    total = report["total"]
    for i, key in enumerate(report["group_by"]):
        table.add_column(key, overflow="fold", footer=Text("all", style="bold") if i == 0 else "")
    numeric = [
        ("count", "count", lambda s: str(s["count"])),
        ("mean", "mean_score", lambda s: _fmt(s["mean_score"])),
        ("median", "median_score", lambda s: _fmt(s["median_score"])),
        ("pass rate", "pass_rate", lambda s: "n/a" if s["pass_rate"] is None else f"{100 * s['pass_rate']:.0f}%"),
        ("auto-fails", "auto_failed", lambda s: str(s["auto_failed"])),
    ]
    for header, key, show in numeric:
        table.add_column(header, justify="right", footer=_styled(show(total), key, total, pass_mark))
    for cid in report["categories"]:
        value = total["categories"].get(cid)
        table.add_column(cid, justify="right", footer=Text(_fmt(value), style=score_style(value, pass_mark)))
    table.add_column("most failed rules", overflow="fold", ratio=1, footer=Text(safe(_rules(total))))
    for stats in report["groups"]:
        keys = [Text(safe(stats["group"].get(k, ""))) for k in report["group_by"]]
        nums = [_styled(show(stats), key, stats, pass_mark) for _, key, show in numeric]
        cats = [Text(_fmt(stats["categories"].get(c)), style=score_style(stats["categories"].get(c), pass_mark)) for c in report["categories"]]
        table.add_row(*keys, *nums, *cats, Text(safe(_rules(stats))))
    console.print(table)


def _styled(text: str, key: str, stats: dict[str, Any], pass_mark: float) -> Text:
    if key in ("mean_score", "median_score"):
        return Text(text, style=score_style(stats[key], pass_mark))
    if key == "auto_failed" and stats[key]:
        return Text(text, style="red")
    return Text(text)


def _rules(stats: dict[str, Any]) -> str:
    return ", ".join(f"{r['rule']} ({r['conversations']})" for r in stats["top_failed_rules"])


class GroupRenderer:
    """Collect the results of a run, then write the aggregate instead of per-conversation rows."""

    def __init__(self, fmt: str, group_by: list[str], top: int = 3):
        if fmt not in GROUP_FORMATS:
            raise ValueError(fmt)
        self.fmt = fmt
        self.group_by = group_by
        self.top = top

    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.out = out
        self.rulesets = rulesets
        self.records: list[dict[str, Any]] = []

    def result(self, r: ConversationResult) -> None:
        self.records.append(record_of(r))

    def finish(self, errors: list[InputError], summary: dict) -> None:
        report = aggregate(self.records, self.group_by, self.top)
        pass_mark = self.rulesets[0].pass_mark if self.rulesets else 70.0
        title = ", ".join(f"{rs.name} ({rs.label})" for rs in self.rulesets) + f": by {' × '.join(report['group_by'])}"
        if self.fmt == "json":
            report = {**report, "summary": summary}
        write_report(report, self.fmt, self.out, pass_mark, title)
