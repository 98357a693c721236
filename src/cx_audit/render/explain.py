"""`cx-audit explain`: one conversation turn by turn, with its findings and the score arithmetic.

Transcript text is customer-written: it only enters Rich as `Text` objects (never markup), with
control characters replaced one-for-one, and matches are highlighted with `Text.stylize` on
character spans, so `[bold red]` or an escape sequence prints literally.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from cx_audit.model import Transcript
from cx_audit.render.table import safe, score_style
from cx_audit.results import FAIL, NA, PASS, ConversationResult, Evidence, RuleOutcome
from cx_audit.ruleset.model import Ruleset

FAIL_STYLE = "bold red underline"
PASS_STYLE = "bold green underline"
STATUS_MARK = {FAIL: ("✗", "red"), PASS: ("✓", "green"), NA: ("–", "dim")}


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def find_span(text: str, match: str) -> tuple[int, int] | None:
    """Where the evidence `match` lies in the turn `text` (exact, then case-insensitive)."""
    if not match:
        return None
    at = text.find(match)
    if at < 0:
        at = text.lower().find(match.lower())
    if at < 0:
        return None
    return at, at + len(match)


@dataclass
class _TurnFinding:
    outcome: RuleOutcome
    evidence: Evidence


def _line(*parts: tuple[str, str]) -> Text:
    """A Text from (plain text, style) pairs; the text is never parsed as markup."""
    out = Text()
    for text, style in parts:
        out.append(safe(text), style=style)
    return out


def explain(console: Console, transcript: Transcript, result: ConversationResult, ruleset: Ruleset) -> None:
    """Print the conversation, its findings beside the turns, rule details and the arithmetic."""
    verdict = ("AUTO-FAIL", "bold red") if result.auto_failed else (("pass", "bold green") if result.passed else ("fail", "bold red"))
    head = _line((result.conversation_id, "bold"), ("  ", ""), (result.source, "dim"))
    console.print(head)
    meta = [("agent", result.agent), ("channel", result.channel), ("language", result.language)]
    meta += [(k, str(v)) for k, v in result.metadata.items() if k != "agent" and v not in (None, "")]
    console.print(_line(*[(f"{k}: {v}   ", "") for k, v in meta if v]))
    score_text = _line(("ruleset ", "dim"), (f"{ruleset.name} ({ruleset.label})", ""), ("   score ", "dim"))
    score_text.append(_fmt(result.score), style=score_style(result.score, ruleset.pass_mark))
    score_text.append(f" / pass mark {_fmt(ruleset.pass_mark)}   ", style="dim")
    score_text.append(verdict[0], style=verdict[1])
    console.print(score_text)
    console.print()

    # Findings that point at a turn (and passes that show what was done right).
    per_turn: dict[int, list[_TurnFinding]] = {}
    for outcome in result.outcomes:
        for ev in (e for e in outcome.evidence if e.turn):
            if outcome.status in (FAIL, PASS):
                per_turn.setdefault(ev.turn, []).append(_TurnFinding(outcome, ev))

    table = Table(show_header=True, header_style="bold", show_lines=True, expand=True, title=Text("Conversation"))
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("speaker", overflow="fold", max_width=18)
    table.add_column("text", ratio=3, overflow="fold")
    table.add_column("findings", ratio=2, overflow="fold")
    for number, turn in enumerate(transcript.turns, start=1):
        text = Text(safe(turn.text))
        notes = Text()
        for item in sorted(per_turn.get(number, []), key=lambda f: f.outcome.status != FAIL):
            outcome, ev = item.outcome, item.evidence
            span = find_span(turn.text, ev.match)
            if span:
                text.stylize(FAIL_STYLE if outcome.status == FAIL else PASS_STYLE, *span)
            mark, style = STATUS_MARK[outcome.status]
            if notes:
                notes.append("\n")
            notes.append(f"{mark} {outcome.rule}", style=f"bold {style}")
            notes.append(f" ({outcome.severity})", style="dim")
            if ev.match and not span:
                notes.append(" «")
                notes.append(safe(ev.match), style="italic")
                notes.append("»")
            if outcome.status == FAIL:
                notes.append("\n  ")
                notes.append(safe(outcome.message))
                if outcome.tip:
                    notes.append("\n  tip: ", style="cyan")
                    notes.append(safe(outcome.tip))
        who = turn.speaker or turn.role
        speaker = _line((who, "bold" if turn.role == "agent" else ""))
        if turn.speaker and turn.role:
            speaker.append(f"\n{turn.role}", style="dim")
        if turn.start is not None:
            speaker.append(f"\n{_clock(turn.start)}", style="dim")
        table.add_row(str(number), speaker, text, notes)
    console.print(table)

    failed = [o for o in result.outcomes if o.status == FAIL]
    if failed:
        console.print(Text("Failed rules: what, what to say instead, and where the rule comes from", style="bold"))
        for outcome in failed:
            console.print(_finding_detail(outcome, ruleset, with_source=True))
        console.print()

    console.print(arithmetic(result, ruleset))


def _finding_detail(outcome: RuleOutcome, ruleset: Ruleset, with_source: bool = False) -> Text:
    out = _line(("✗ ", "red"), (outcome.rule, "bold red"), (f" ({outcome.category}, {outcome.severity}, weight {_fmt(outcome.weight)})", "dim"))
    turns = sorted({ev.turn for ev in outcome.evidence if ev.turn})
    if turns:
        out.append(f"  turn{'s' if len(turns) > 1 else ''} {', '.join(map(str, turns))}", style="dim")
    else:
        out.append("  whole conversation", style="dim")
    out.append("\n    ")
    out.append(safe(outcome.message))
    if outcome.note:
        out.append(f" ({safe(outcome.note)})", style="dim")
    for ev in outcome.evidence:
        if ev.match and not ev.turn:
            out.append(f"\n    {safe(ev.match)}", style="dim")
    if outcome.tip:
        out.append("\n    tip: ", style="cyan")
        out.append(safe(outcome.tip))
    if with_source:
        rule = ruleset.rule(outcome.rule)
        if rule is not None and rule.source:
            out.append("\n    source: ", style="cyan")
            out.append(safe(rule.source))
    return out


def arithmetic(result: ConversationResult, ruleset: Ruleset) -> Group:
    """The score worked out: per category passed weight / counted weight, then the weighted mean."""
    parts: list = [Text("How the score is worked out", style="bold")]
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1))
    for column, justify in (("category", "left"), ("rule", "left"), ("status", "left"), ("weight", "right"), ("counted", "left")):
        table.add_column(column, justify=justify)
    by_category: dict[str, list[RuleOutcome]] = {}
    for outcome in result.outcomes:
        by_category.setdefault(outcome.category, []).append(outcome)
    lines: list[Text] = []
    terms: list[tuple[float, float]] = []
    for cid, category in ruleset.categories.items():
        outcomes = by_category.get(cid, [])
        for outcome in outcomes:
            mark, style = STATUS_MARK.get(outcome.status, ("?", ""))
            counted = "left out (n/a" + (f": {outcome.note})" if outcome.note else ")") if outcome.status == NA else "yes"
            table.add_row(Text(cid), Text(outcome.rule), Text(f"{mark} {outcome.status}", style=style), _fmt(outcome.weight), Text(safe(counted), style="dim" if outcome.status == NA else ""))
        earned = sum(o.weight for o in outcomes if o.status == PASS)
        possible = sum(o.weight for o in outcomes if o.status != NA)
        c = result.categories.get(cid)
        line = _line((f"  {cid}", "bold"), (f" (weight {_fmt(category.weight)}): ", "dim"))
        if possible <= 0 or c is None or c.score is None:
            line.append("every rule n/a → no score, left out of the total", style="dim")
        else:
            line.append(f"passed {_fmt(earned)} / counted {_fmt(possible)} × 100 = ")
            mark = ruleset.pass_mark if category.pass_mark is None else category.pass_mark
            line.append(_fmt(c.score), style=score_style(c.score, mark))
            if category.pass_mark is not None:
                line.append(f" (category pass mark {_fmt(mark)})", style="dim")
            terms.append((c.score, category.weight))
        lines.append(line)
    parts.append(table)
    parts.append(Text(""))
    parts.extend(lines)
    if terms:
        total_weight = sum(w for _, w in terms)
        formula = " + ".join(f"{_fmt(s)}×{_fmt(w)}" for s, w in terms)
        overall = Text(f"  score = ({formula}) / {_fmt(total_weight)} = ")
        overall.append(_fmt(result.score), style=score_style(result.score, ruleset.pass_mark))
    else:
        overall = Text("  score = n/a (nothing to judge)")
    overall.append(f"   pass mark {_fmt(ruleset.pass_mark)}", style="dim")
    parts.append(overall)
    critical = [o for o in result.outcomes if o.status == FAIL and o.severity == "critical"]
    if critical:
        names = ", ".join(o.rule for o in critical)
        parts.append(_line(("  AUTO-FAIL", "bold red"), (f": critical rule {names} failed, so the conversation fails whatever its score", "")))
    elif result.passed:
        parts.append(Text("  passed: the score reaches the pass mark and no critical rule failed", style="green"))
    else:
        parts.append(Text("  failed: the score is below the pass mark", style="red"))
    return Group(*parts)
