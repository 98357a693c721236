"""Markdown, for pasting into a ticket: totals, one table row per conversation, failed findings.

Customer text is escaped (Markdown punctuation gets a backslash, control characters become U+FFFD,
line breaks become spaces), so `[x](y)`, `<script>`, `*` or `|` show literally in any renderer.
"""

from __future__ import annotations

import re
from typing import IO

from cx_audit.errors import InputError
from cx_audit.render.table import safe
from cx_audit.results import FAIL, ConversationResult
from cx_audit.ruleset.model import Ruleset

# What can start markup in the middle of a line (text here never starts a line).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
MAX_FAILED = 200  # failed conversations listed with their findings


def md(text: object) -> str:
    """Text that Markdown shows as written (one line)."""
    value = "" if text is None else str(text)
    value = safe(value.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    return _SPECIAL.sub(r"\\\1", value)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


class MarkdownRenderer:
    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.out = out
        self.rulesets = rulesets
        self.categories = list(dict.fromkeys(c for rs in rulesets for c in rs.categories))
        self.rows: list[ConversationResult] = []

    def result(self, r: ConversationResult) -> None:
        self.rows.append(r)

    def finish(self, errors: list[InputError], summary: dict) -> None:
        w = self.out.write
        title = ", ".join(f"{rs.name} ({rs.label})" for rs in self.rulesets)
        w(f"## cx-audit: {md(title)}\n\n")
        scored = [r.score for r in self.rows if r.score is not None]
        failed = [r for r in self.rows if not r.passed]
        mean = f"{sum(scored) / len(scored):.1f}" if scored else "n/a"
        w(
            f"**{len(self.rows)}** scored · **{len(self.rows) - len(failed)}** passed · **{len(failed)}** failed"
            f" ({sum(r.auto_failed for r in self.rows)} auto-failed) · mean score **{mean}**"
            f" · {summary.get('errors', 0)} input errors\n\n"
        )
        header = ["conversation", "agent", "score", "result"] + self.categories + ["failed rules"]
        w("| " + " | ".join(md(h) for h in header) + " |\n")
        w("|" + "|".join("---:" if h in ("score", *self.categories) else "---" for h in header) + "|\n")
        for r in self.rows:
            verdict = "**AUTO-FAIL**" if r.auto_failed else ("pass" if r.passed else "**fail**")
            cats = [_num(r.categories[c].score) if c in r.categories else "" for c in self.categories]
            cells = [md(r.conversation_id), md(r.agent), _num(r.score), verdict, *cats, md(" ".join(dict.fromkeys(r.failed_rules)))]
            w("| " + " | ".join(cells) + " |\n")
        if failed:
            worst = sorted(failed, key=lambda r: (r.score is None, r.score if r.score is not None else 0))
            w(f"\n### Failed conversations ({len(failed)})\n")
            if len(worst) > MAX_FAILED:
                w(f"\nThe {MAX_FAILED} lowest scores; the rest are in `-f csv --details`.\n")
            for r in worst[:MAX_FAILED]:
                w(f"\n#### {md(r.conversation_id)} · {md(r.agent or 'no agent')} · {_num(r.score)}{' · AUTO-FAIL' if r.auto_failed else ''}\n\n")
                for o in r.outcomes:
                    if o.status != FAIL:
                        continue
                    w(f"- **{md(o.rule)}** ({md(o.severity)}): {md(o.message)}")
                    if o.note:
                        w(f" ({md(o.note)})")
                    w("\n")
                    for ev in o.evidence:
                        where = f"turn {ev.turn}, {md(ev.speaker)}: " if ev.turn else ""
                        quote = f" «{md(ev.match)}»" if ev.match else ""
                        text = f" in: {md(ev.text)}" if ev.text and ev.text != ev.match else ""
                        w(f"  - {where}{quote.strip()}{text}\n")
                    if o.tip:
                        w(f"  - tip: {md(o.tip)}\n")
        if errors:
            w(f"\n### Input errors ({len(errors)})\n\n")
            for e in errors:
                w(f"- {md(str(e))}\n")
