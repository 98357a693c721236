"""`cx-audit calibrate RESULTS --labels LABELS.csv`: the tool's verdicts against human QA labels."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from cx_audit.cli import EXIT_OK, app, fail
from cx_audit.cli.score import output_stream
from cx_audit.render.table import safe, report_console


class CalibrateFormat(str, Enum):
    table = "table"
    json = "json"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _kappa(value: float | None) -> Text:
    if value is None:
        return Text("n/a", style="dim")
    style = "green" if value >= 0.6 else ("yellow" if value >= 0.4 else "red")
    return Text(f"{value:.2f}", style=style)


@app.command()
def calibrate(
    results: list[str] = typer.Argument(..., help="Result files from `cx-audit score -f json|jsonl|csv`.", show_default=False),
    labels: str = typer.Option(..., "--labels", "-l", help="CSV: conversation_id, then one column per category id with pass/fail (blank: not labelled); optional 'overall'."),
    fmt: CalibrateFormat = typer.Option(CalibrateFormat.table, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
    pass_mark: float = typer.Option(70.0, "--pass-mark", min=0, max=100, help="For CSV results (no per-category verdict): a category passes at or above this, unless the -r ruleset gives it its own pass mark."),
    top: int = typer.Option(10, "--top", min=1, help="How many rules to list behind the disagreements."),
    ruleset: list[str] = typer.Option([], "--ruleset", "-r", help="The ruleset(s) the results came from: lets a CSV result name the rules behind false alarms."),
) -> int:
    """Agreement, precision, recall and Cohen's kappa per category against human labels; the rules behind disagreements."""
    from cx_audit.report.calibrate import calibrate as run_calibration
    from cx_audit.report.calibrate import read_labels
    from cx_audit.report.results_file import load_results

    records = [r for path in results for r in load_results(path)]
    human, columns = read_labels(labels)
    if not columns:
        fail(f"--labels {labels}: no category columns besides conversation_id")
    rule_categories: dict[str, str] = {}
    category_marks: dict[str, float] = {}
    if ruleset:
        from cx_audit.ruleset import load_ruleset

        for name in ruleset:
            loaded = load_ruleset(name)
            for rule in loaded.rules:
                rule_categories.setdefault(rule.id, rule.category)
            for cid, category in loaded.categories.items():
                if category.pass_mark is not None:
                    category_marks.setdefault(cid, category.pass_mark)
    report = run_calibration(records, human, columns, pass_mark, top, rule_categories, category_marks)
    if not report["matched"]:
        fail(f"none of the {report['labelled_conversations']} labelled conversations is in {', '.join(results)}")
    known = {c for r in records for c in (r.get("categories") or {})} | {"overall"}
    unknown = [c for c in columns if c not in known]
    if unknown:
        sys.stderr.write(f"cx-audit: warning: label columns that are no category of the results: {', '.join(unknown)}\n")
    if report["not_in_results"]:
        sys.stderr.write(f"cx-audit: warning: {len(report['not_in_results'])} labelled conversations are not in the results\n")
    with output_stream(output, results) as out:
        if fmt == CalibrateFormat.json:
            out.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
        else:
            _table(report, out)
    return EXIT_OK


def _table(report: dict[str, Any], out) -> None:
    console = report_console(out)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    console.print(Text(f"{report['matched']} of {report['labelled_conversations']} labelled conversations found in the results; \"fail\" is the positive class"))
    table = Table(title=Text("Tool vs human QA"), header_style="bold", show_footer=True)
    rows = report["categories"]
    a = report["all_categories"]
    for header, key, footer in (
        ("category", None, "all categories"), ("labelled", "labelled", str(a["labelled"])), ("agreement", "agreement", _pct(a["agreement"])),
        ("precision", "precision", _pct(a["precision"])), ("recall", "recall", _pct(a["recall"])),
    ):
        table.add_column(header, justify="left" if key is None else "right", footer=footer)
    table.add_column("kappa", justify="right", footer=_kappa(a["kappa"]))
    table.add_column("tool fail / human pass", justify="right", footer=str(a["fp"]))
    table.add_column("tool pass / human fail", justify="right", footer=str(a["fn"]))
    for r in rows:
        table.add_row(Text(safe(r["category"])), str(r["labelled"]), _pct(r["agreement"]), _pct(r["precision"]), _pct(r["recall"]), _kappa(r["kappa"]), str(r["fp"]), str(r["fn"]))
    console.print(table)
    if report["rules"]:
        blame = Table(title=Text("Rules behind the disagreements"), header_style="bold")
        for column in ("rule", "category", "false alarms", "misses", "total"):
            blame.add_column(column, justify="right" if column in ("false alarms", "misses", "total") else "left")
        for r in report["rules"]:
            blame.add_row(Text(safe(r["rule"])), Text(safe(r["category"] or "")), str(r["false_alarms"]), str(r["misses"]), str(r["disagreements"]))
        console.print(blame)
        console.print(Text("false alarm: the rule failed where the humans passed the category; miss: the rule passed where they failed it", style="dim"))
