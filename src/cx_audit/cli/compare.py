"""`cx-audit compare OLD NEW`: which conversations, agents and categories moved between two runs."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from cx_audit.cli import EXIT_OK, app
from cx_audit.cli.score import output_stream
from cx_audit.render.table import safe, report_console


class CompareFormat(str, Enum):
    table = "table"
    json = "json"


def _n(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _delta(value: float | None) -> Text:
    if value is None:
        return Text("n/a", style="dim")
    style = "green" if value > 0 else ("red" if value < 0 else "dim")
    return Text(f"{value:+.1f}", style=style)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


@app.command()
def compare(
    old: str = typer.Argument(..., help="The earlier result file (JSON, JSONL or CSV of `cx-audit score`).", show_default=False),
    new: str = typer.Argument(..., help="The later result file.", show_default=False),
    fmt: CompareFormat = typer.Option(CompareFormat.table, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
    top: int = typer.Option(20, "--top", min=1, help="How many of the conversations that moved most to list."),
    threshold: float = typer.Option(0.0, "--threshold", min=0, help="Only list conversations whose score moved by more than this."),
) -> int:
    """Show which conversations, agents and categories moved between two result files, and by how much."""
    from cx_audit.report.compare import compare as run_compare
    from cx_audit.report.results_file import load_results

    report = run_compare(load_results(old), load_results(new), top, threshold)
    with output_stream(output, [old, new]) as out:
        if fmt == CompareFormat.json:
            out.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
        else:
            _table(report, out, old, new)
    return EXIT_OK


def _table(report: dict[str, Any], out, old_name: str, new_name: str) -> None:
    console = report_console(out)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    o, n = report["old"], report["new"]
    line = Text()
    line.append(f"old: {safe(old_name)} ({o['results']} results, mean {_n(o['mean_score'])}, pass rate {_pct(o['pass_rate'])})\n")
    line.append(f"new: {safe(new_name)} ({n['results']} results, mean {_n(n['mean_score'])}, pass rate {_pct(n['pass_rate'])})\n")
    line.append(f"{report['in_both']} in both ({report['only_in_old']} only in old, {report['only_in_new']} only in new); "
                f"{report['score_changed']} changed score, mean change ")
    line.append_text(_delta(report["mean_delta"]))
    line.append(f"; {report['now_failing']} now fail, {report['now_passing']} now pass")
    console.print(line)

    if report["conversations"]:
        table = Table(title=Text("Conversations that moved most"), header_style="bold")
        for column in ("conversation", "agent", "old", "new", "change", "verdict", "now failing", "no longer failing"):
            table.add_column(column, justify="right" if column in ("old", "new", "change") else "left", overflow="fold")
        for c in report["conversations"]:
            verdict = "" if c["old_passed"] == c["new_passed"] else ("pass → fail" if c["old_passed"] else "fail → pass")
            table.add_row(
                Text(safe(c["conversation_id"])), Text(safe(c["agent"])), _n(c["old"]), _n(c["new"]), _delta(c["delta"]),
                Text(verdict, style="red" if verdict.endswith("fail") else "green"),
                Text(safe(" ".join(c["now_failing"]))), Text(safe(" ".join(c["no_longer_failing"]))),
            )
        console.print(table)
    else:
        console.print(Text("No conversation's score moved.", style="dim"))

    if report["agents"]:
        table = Table(title=Text("Agents"), header_style="bold")
        for column in ("agent", "count", "old", "new", "change", "old pass rate", "new pass rate"):
            table.add_column(column, justify="left" if column == "agent" else "right")
        for a in report["agents"]:
            table.add_row(Text(safe(a["agent"])), str(a["count"]), _n(a["old"]), _n(a["new"]), _delta(a["delta"]), _pct(a["old_pass_rate"]), _pct(a["new_pass_rate"]))
        console.print(table)

    if report["categories"]:
        table = Table(title=Text("Categories"), header_style="bold")
        for column in ("category", "old", "new", "change", "note"):
            table.add_column(column, justify="left" if column in ("category", "note") else "right")
        for c in report["categories"]:
            note = f"only in {c['only_in']}" if c["only_in"] else ""
            table.add_row(Text(safe(c["category"])), _n(c["old"]), _n(c["new"]), _delta(c["delta"]), note)
        console.print(table)
