"""The terminal report: one row per conversation, the worst finding, and totals.

Transcript text is customer-written: it only ever enters Rich as `Text` objects (never markup),
and control characters are replaced, so `[bold red]` or an escape sequence prints literally.
"""

from __future__ import annotations

from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cx_audit.errors import InputError
from cx_audit.render.sanitize import safe  # noqa: F401  (re-exported for the other renderers)
from cx_audit.results import FAIL, ConversationResult
from cx_audit.ruleset.model import Ruleset
from cx_audit.scoring import band

SEVERITY_RANK = {"critical": 0, "major": 1, "minor": 2}


PIPE_WIDTH = 160  # a report written to a file or pipe is read in an editor, not an 80-column terminal


def report_console(out: IO[str] | None = None, **kwargs) -> Console:
    """A Console for a report: terminal width on a terminal, PIPE_WIDTH columns elsewhere."""
    console = Console(file=out, highlight=False, **kwargs)
    if not console.is_terminal:
        console.width = max(console.width, PIPE_WIDTH)
    return console


BAND_STYLES = {"pass": "green", "near": "yellow", "low": "red", "": "dim"}


def score_style(score: float | None, pass_mark: float) -> str:
    return BAND_STYLES[band(score, pass_mark)]


def worst_finding(result: ConversationResult) -> str:
    failed = [o for o in result.outcomes if o.status == FAIL]
    if not failed:
        return ""
    worst = min(failed, key=lambda o: (SEVERITY_RANK.get(o.severity, 3), -o.weight))
    ev = next((e for e in worst.evidence if e.match), None)
    where = f" (turn {ev.turn}: «{ev.match}»)" if ev and ev.turn else (f" ({ev.match})" if ev else "")
    return f"{worst.rule}{where}"


class TableRenderer:
    def __init__(self, console: Console | None = None):
        self.console = console

    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.console = self.console or report_console(out, soft_wrap=False)
        self.rulesets = rulesets
        self.pass_mark = {rs.label: rs.pass_mark for rs in rulesets}
        self.categories = list(dict.fromkeys(c for rs in rulesets for c in rs.categories))
        # Only the cells of each row are kept, not the results (their evidence holds turn text):
        # a table of a million rows stays a few hundred bytes a row.
        self.rows: list[tuple] = []
        self.scores: list[float] = []
        self.failed = 0

    def result(self, r: ConversationResult) -> None:
        mark = self.pass_mark.get(r.ruleset, 70.0)
        verdict = Text("AUTO-FAIL", style="bold red") if r.auto_failed else (Text("pass", style="green") if r.passed else Text("fail", style="red"))
        cells = []
        for cid in self.categories:
            c = r.categories.get(cid)
            if c is None or c.score is None:
                cells.append(Text("n/a", style="dim"))
            else:
                cells.append(Text(f"{c.score:.0f}", style=score_style(c.score, mark)))
        score = Text("n/a" if r.score is None else f"{r.score:.1f}", style=score_style(r.score, mark))
        self.rows.append((Text(safe(r.conversation_id)), Text(safe(r.agent)), score, verdict, *cells, Text(safe(worst_finding(r)))))
        if r.score is not None:
            self.scores.append(r.score)
        if not r.passed:
            self.failed += 1

    def finish(self, errors: list[InputError], summary: dict) -> None:
        title = ", ".join(f"{rs.name} ({rs.label})" for rs in self.rulesets)
        table = Table(title=Text(safe(title)), show_lines=False, header_style="bold")
        table.add_column("conversation", overflow="fold")
        table.add_column("agent", overflow="fold")
        table.add_column("score", justify="right")
        table.add_column("result")
        for cid in self.categories:
            table.add_column(cid, justify="right")
        table.add_column("worst finding", overflow="fold", ratio=1)
        for row in self.rows:
            table.add_row(*row)
        self.console.print(table)
        scored = self.scores
        mean = f"{sum(scored) / len(scored):.1f}" if scored else "n/a"
        failed = self.failed
        line = Text(
            f"{len(self.rows)} scored · {len(self.rows) - failed} passed · {failed} failed · mean score {mean}"
            f" · {summary.get('errors', 0)} input errors"
        )
        self.console.print(line)
