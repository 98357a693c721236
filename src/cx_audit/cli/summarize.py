"""`cx-audit summarize RESULTS --group-by KEY`: aggregate a saved result (JSON, JSONL or CSV)."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from cx_audit.cli import EXIT_OK, app, fail
from cx_audit.cli.score import GroupKey, output_stream


class SummaryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def summarize(
    results: list[str] = typer.Argument(..., help="Result files written by `cx-audit score -f json|jsonl|csv` (- for stdin).", show_default=False),
    group_by: list[GroupKey] = typer.Option([], "--group-by", "-g", help="Group by agent, team, queue, date, week (ISO, e.g. 2026-W03) or source. Repeatable. Default: agent."),
    fmt: SummaryFormat = typer.Option(SummaryFormat.table, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to FILE (atomically) instead of stdout."),
    top: int = typer.Option(3, "--top", min=1, help="How many of the most failed rules each group lists."),
    pass_mark: float = typer.Option(70.0, "--pass-mark", min=0, max=100, help="Colour scores in the table against this mark."),
) -> int:
    """Aggregate saved results by agent, team, queue, date, week or source."""
    from cx_audit.render.groups import write_report
    from cx_audit.report.aggregate import aggregate
    from cx_audit.report.results_file import load_results

    records = []
    for path in results:
        records.extend(load_results(path))
    if not records:
        fail(f"no results in {', '.join(results)}")
    keys = [g.value for g in group_by] or ["agent"]
    report = aggregate(records, keys, top)
    with output_stream(output, results) as out:
        write_report(report, fmt.value, out, pass_mark, title=f"{len(records)} results by {' × '.join(keys)}")
    return EXIT_OK
