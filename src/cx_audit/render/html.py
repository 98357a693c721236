"""HTML: one self-contained report a manager opens in a browser.

It loads nothing: styles are inline, the charts are SVG drawn here (score distribution, mean score
per agent, mean score per category), and a Content-Security-Policy forbids scripts and every
network load. Every piece of transcript or metadata text goes through `html.escape`, so
`<script>` in a transcript is shown, never run.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from typing import IO, Any

from cx_audit.errors import InputError
from cx_audit.render.explain import find_span
from cx_audit.render.table import safe
from cx_audit.report.aggregate import aggregate, record_of
from cx_audit.results import FAIL, ConversationResult
from cx_audit.ruleset.model import Ruleset
from cx_audit.scoring import band

MAX_FAILED = 300  # failed conversations shown with their evidence (lowest scores first)
OPEN_FAILED = 10  # of which the first are shown unfolded
MAX_AGENTS = 40  # bars in the per-agent chart (lowest means first)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_WS = re.compile(r"\s+")

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2328;background:#fff;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.meta{color:#57606a;font-size:.9rem}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:7rem}
.card b{display:block;font-size:1.4rem}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.chart{border:1px solid #d0d7de;border-radius:6px;padding:.5rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.pass{background:#dafbe1}.near{background:#fff8c5}.low{background:#ffebe9}
details{border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
summary{cursor:pointer;font-weight:600}
.finding{margin:.4rem 0 .6rem 0}.rule{font-weight:600;color:#cf222e}
.quote{background:#f6f8fa;border-left:3px solid #d0d7de;padding:.2rem .5rem;margin:.2rem 0;white-space:pre-wrap}
mark{background:#ffd8d3;color:#82071e;font-weight:600}
.tip{color:#0969da}.dim{color:#57606a}.auto{color:#fff;background:#cf222e;border-radius:4px;padding:0 .3rem;font-size:.8rem}
"""


def e(value: Any) -> str:
    """Escaped text: control characters shown as U+FFFD, then HTML-escaped (quotes included)."""
    return html.escape(safe("" if value is None else str(value)), quote=True)


def _num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


BAND_COLOURS = {"pass": "#2da44e", "near": "#d4a72c", "low": "#cf222e", "": "#8c959f"}


def histogram_svg(scores: list[float], pass_mark: float, width: int = 480, height: int = 220) -> str:
    """Counts of scores in ten 10-point bins (100 falls in the last)."""
    bins = [0] * 10
    for s in scores:
        bins[min(int(s // 10), 9) if s >= 0 else 0] += 1
    top = max(bins) or 1
    left, bottom, plot_top = 36, 28, 34
    plot_h = height - bottom - plot_top
    bar_w = (width - left - 10) / 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="Score distribution">']
    parts.append(f'<text x="{width / 2:.0f}" y="14" text-anchor="middle" font-size="13" font-weight="600">Score distribution</text>')
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#57606a"/>')
    for i, count in enumerate(bins):
        h = plot_h * count / top
        x = left + i * bar_w
        y = height - bottom - h
        colour = BAND_COLOURS[band(i * 10 + 5, pass_mark)]
        parts.append(f'<rect class="bar" x="{x + 2:.1f}" y="{y:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" fill="{colour}"><title>{i * 10}-{i * 10 + 10}: {count}</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10">{count}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 13}" text-anchor="middle" font-size="10">{i * 10}</text>')
    parts.append(f'<text x="{width - 10}" y="{height - 4}" text-anchor="end" font-size="10" fill="#57606a">score</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(title: str, items: list[tuple[str, float | None, int]], pass_mark: float, width: int = 480) -> str:
    """Horizontal bars of mean scores (0-100), one per (label, value, count)."""
    row_h, label_w, top = 20, 150, 24
    height = top + row_h * max(len(items), 1) + 10
    plot_w = width - label_w - 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{e(title)}">']
    parts.append(f'<text x="{width / 2:.0f}" y="14" text-anchor="middle" font-size="13" font-weight="600">{e(title)}</text>')
    mark_x = label_w + plot_w * pass_mark / 100
    for i, (label, value, count) in enumerate(items):
        y = top + i * row_h
        short = label if len(label) <= 22 else label[:21] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="11">{e(short)}</text>')
        w = plot_w * (value or 0) / 100
        colour = BAND_COLOURS[band(value, pass_mark)]
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}"><title>{e(label)}: {_num(value)} ({count})</title></rect>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="10">{_num(value)}</text>')
    parts.append(f'<line x1="{mark_x:.1f}" y1="{top - 2}" x2="{mark_x:.1f}" y2="{height - 8}" stroke="#57606a" stroke-dasharray="3,3"><title>pass mark {pass_mark:g}</title></line>')
    parts.append("</svg>")
    return "".join(parts)


def highlighted(text: str, match: str) -> str:
    """The turn text, escaped, with the matched words in <mark>."""
    span = find_span(text, match)
    if not span:
        return e(text)
    a, b = span
    return f"{e(text[:a])}<mark>{e(text[a:b])}</mark>{e(text[b:])}"


class HtmlRenderer:
    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.out = out
        self.rulesets = rulesets
        self.pass_mark = rulesets[0].pass_mark if rulesets else 70.0
        self.records: list[dict[str, Any]] = []
        self.failed: list[ConversationResult] = []

    def result(self, r: ConversationResult) -> None:
        self.records.append(record_of(r))
        if not r.passed:
            # Keep only the worst MAX_FAILED in memory.
            self.failed.append(r)
            if len(self.failed) > 2 * MAX_FAILED:
                self.failed = sorted(self.failed, key=_worst_first)[:MAX_FAILED]

    def finish(self, errors: list[InputError], summary: dict) -> None:
        mark = self.pass_mark
        by_agent = aggregate(self.records, ["agent"])
        total = by_agent["total"]
        scores = [r["score"] for r in self.records if r["score"] is not None]
        failed = sorted(self.failed, key=_worst_first)
        w = self.out.write
        title = ", ".join(f"{rs.name} ({rs.label})" for rs in self.rulesets)
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        w(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
        w('<meta name="viewport" content="width=device-width, initial-scale=1">')
        w(f"<title>cx-audit report: {e(title)}</title><style>{STYLE}</style></head><body>\n")
        w(f"<h1>cx-audit report</h1><div class=\"meta\">{e(title)} · pass mark {mark:g} · {e(stamp)}</div>\n")
        cards = [
            ("conversations", total["count"]),
            ("mean score", _num(total["mean_score"])),
            ("median", _num(total["median_score"])),
            ("pass rate", "n/a" if total["pass_rate"] is None else f"{100 * total['pass_rate']:.0f}%"),
            ("failed", total["failed"]),
            ("auto-failed", total["auto_failed"]),
            ("input errors", summary.get("errors", 0)),
        ]
        w('<div class="cards">' + "".join(f'<div class="card"><span class="dim">{e(k)}</span><b>{e(v)}</b></div>' for k, v in cards) + "</div>\n")

        agents = sorted(by_agent["groups"], key=lambda g: (g["mean_score"] is None, g["mean_score"] or 0))
        agent_items = [(g["group"]["agent"], g["mean_score"], g["count"]) for g in agents[:MAX_AGENTS]]
        cat_items = [(cid, total["categories"].get(cid), total["count"]) for cid in by_agent["categories"]]
        w('<h2>Charts</h2><div class="charts">')
        w(f'<div class="chart" id="chart-distribution">{histogram_svg(scores, mark)}</div>')
        agent_title = "Mean score per agent" + (f" (lowest {MAX_AGENTS})" if len(agents) > MAX_AGENTS else "")
        w(f'<div class="chart" id="chart-agents">{bars_svg(agent_title, agent_items, mark)}</div>')
        w(f'<div class="chart" id="chart-categories">{bars_svg("Mean score per category", cat_items, mark)}</div>')
        w("</div>\n")

        w("<h2>By agent</h2><table><thead><tr><th>agent</th><th>count</th><th>mean</th><th>median</th><th>pass rate</th><th>auto-fails</th>")
        w("".join(f"<th>{e(c)}</th>" for c in by_agent["categories"]) + "<th>most failed rules</th></tr></thead><tbody>\n")
        for g in agents + [dict(total, group={"agent": "all"})]:
            cells = [
                f"<td>{e(g['group']['agent'])}</td>",
                f'<td class="n">{g["count"]}</td>',
                f'<td class="n {band(g["mean_score"], mark)}">{_num(g["mean_score"])}</td>',
                f'<td class="n {band(g["median_score"], mark)}">{_num(g["median_score"])}</td>',
                '<td class="n">' + ("n/a" if g["pass_rate"] is None else f"{100 * g['pass_rate']:.0f}%") + "</td>",
                f'<td class="n">{g["auto_failed"]}</td>',
            ]
            cells += [f'<td class="n {band(g["categories"].get(c), mark)}">{_num(g["categories"].get(c))}</td>' for c in by_agent["categories"]]
            cells.append("<td>" + e(", ".join(f"{x['rule']} ({x['conversations']})" for x in g["top_failed_rules"])) + "</td>")
            w("<tr>" + "".join(cells) + "</tr>\n")
        w("</tbody></table>\n")

        n_failed = total["failed"]
        w(f"<h2>Failed conversations ({n_failed})</h2>\n")
        if n_failed > len(failed[:MAX_FAILED]):
            w(f'<p class="dim">The {MAX_FAILED} worst (auto-fails, then the lowest scores); every finding is in <code>-f csv --details</code>.</p>\n')
        for i, r in enumerate(failed[:MAX_FAILED]):
            self._conversation(r, open_=i < OPEN_FAILED)
        if errors:
            w(f"<h2>Input errors ({len(errors)})</h2><ul>")
            w("".join(f"<li>{e(str(x))}</li>" for x in errors))
            w("</ul>\n")
        w("</body></html>\n")

    def _conversation(self, r: ConversationResult, open_: bool) -> None:
        w = self.out.write
        auto = ' <span class="auto">AUTO-FAIL</span>' if r.auto_failed else ""
        w(f'<details class="conversation"{" open" if open_ else ""}><summary>{e(r.conversation_id)} · {e(r.agent or "no agent")} · '
          f'<span class="{band(r.score, self.pass_mark)}">{_num(r.score)}</span>{auto}</summary>\n')
        meta = {"source": r.source, "ruleset": r.ruleset, "channel": r.channel, **{k: v for k, v in r.metadata.items() if k != "agent"}}
        w('<div class="dim">' + " · ".join(f"{e(k)}: {e(v)}" for k, v in meta.items() if v not in (None, "")) + "</div>\n")
        for o in r.outcomes:
            if o.status != FAIL:
                continue
            w(f'<div class="finding"><span class="rule">{e(o.rule)}</span> <span class="dim">({e(o.category)}, {e(o.severity)})</span> {e(o.message)}')
            if o.note:
                w(f' <span class="dim">({e(o.note)})</span>')
            for ev in o.evidence:
                if ev.turn:
                    who = f"turn {ev.turn} · {ev.speaker}"
                    w(f'<div class="quote"><span class="dim">{e(who)}:</span> {highlighted(ev.text, ev.match)}</div>')
                elif ev.match:
                    w(f'<div class="quote">{e(ev.match)}</div>')
            if o.tip:
                w(f'<div class="tip">tip: {e(o.tip)}</div>')
            w("</div>\n")
        w("</details>\n")


def _worst_first(r: ConversationResult) -> tuple:
    return (not r.auto_failed, r.score is None, r.score if r.score is not None else 0.0, r.conversation_id)
