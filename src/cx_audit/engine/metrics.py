"""Numbers computed from a conversation, for `metric` rules. None means "cannot be computed"."""

from __future__ import annotations

import re
from typing import Callable

from cx_audit.model import AGENT, CUSTOMER, Transcript
from cx_audit.ruleset.model import Rule


def _words(text: str) -> int:
    return len(text.split())


def _timed(transcript: Transcript) -> bool:
    return any(t.start is not None for t in transcript.turns)


def agent_talk_share(tr: Transcript, rule: Rule) -> float | None:
    agent = sum(_words(t.text) for t in tr.turns if t.role == AGENT)
    customer = sum(_words(t.text) for t in tr.turns if t.role == CUSTOMER)
    if agent + customer == 0:
        return None
    return round(100.0 * agent / (agent + customer), 1)


def longest_agent_turn_words(tr: Transcript, rule: Rule) -> float | None:
    counts = [_words(t.text) for t in tr.turns if t.role == AGENT]
    return float(max(counts)) if counts else None


def agent_turns(tr: Transcript, rule: Rule) -> float | None:
    return float(sum(1 for t in tr.turns if t.role == AGENT))


def customer_turns(tr: Transcript, rule: Rule) -> float | None:
    return float(sum(1 for t in tr.turns if t.role == CUSTOMER))


def interruptions(tr: Transcript, rule: Rule) -> float | None:
    """Agent turns that start before the customer turn just before them has ended."""
    if not _timed(tr):
        return None
    count = 0
    for prev, cur in zip(tr.turns, tr.turns[1:]):
        if prev.role == CUSTOMER and cur.role == AGENT and prev.end is not None and cur.start is not None:
            if cur.start < prev.end - 0.25:  # a quarter-second tolerance for timestamp rounding
                count += 1
    return float(count)


def quick_replies_to_long_turns(tr: Transcript, rule: Rule) -> float | None:
    """Agent turns starting less than `seconds` after a customer turn of >= `words` words began."""
    if not _timed(tr):
        return None
    count = 0
    for prev, cur in zip(tr.turns, tr.turns[1:]):
        if prev.role == CUSTOMER and cur.role == AGENT and prev.start is not None and cur.start is not None:
            if _words(prev.text) >= rule.words and cur.start - prev.start < rule.seconds:
                count += 1
    return float(count)


# A turn the transcriber marks as broken off: a word (or comma) then a dash or an ellipsis at the end.
_DASH_END = re.compile(r"[\w,]\s*(?:—|–|--|-)\s*$")
_ELLIPSIS_END = re.compile(r"[\w,]\s*(?:\.\.\.|…)\s*$")
# Written channels: a message is sent whole, so the agent cannot cut it off and a trailing "..."
# is the writer's pause, not an interruption.
WRITTEN_CHANNELS = ("chat", "email", "social")


def cut_offs(tr: Transcript, rule: Rule) -> float | None:
    """Customer turns the next agent turn cut off. With times: the agent started at least
    `seconds` before the customer turn ended, or before the end of a turn that trails off in an
    ellipsis. Marked in the text (any transcript but a written channel's): the customer turn ends
    mid-sentence with a dash (—, –, --, -), the transcriber's mark for a broken-off turn. Without
    times a trailing ellipsis is the speaker trailing off, not a cut-off."""
    if tr.channel in WRITTEN_CHANNELS:
        return 0.0
    count = 0
    for prev, cur in zip(tr.turns, tr.turns[1:]):
        if prev.role != CUSTOMER or cur.role != AGENT:
            continue
        timed = prev.end is not None and cur.start is not None
        overlap = timed and prev.end - cur.start >= rule.seconds  # type: ignore[operator]
        text = prev.text.rstrip()
        dash = bool(_DASH_END.search(text))
        ellipsis = timed and bool(_ELLIPSIS_END.search(text)) and cur.start < prev.end  # type: ignore[operator]
        if overlap or dash or ellipsis:
            count += 1
    return float(count)


def longest_silence_seconds(tr: Transcript, rule: Rule) -> float | None:
    if not _timed(tr):
        return None
    gaps = []
    for prev, cur in zip(tr.turns, tr.turns[1:]):
        prev_end = prev.end if prev.end is not None else prev.start
        if prev_end is not None and cur.start is not None:
            gaps.append(cur.start - prev_end)
    return round(max(gaps), 2) if gaps else 0.0


def duration_seconds(tr: Transcript, rule: Rule) -> float | None:
    starts = [t.start for t in tr.turns if t.start is not None]
    ends = [t.end if t.end is not None else t.start for t in tr.turns if t.start is not None]
    if not starts:
        return None
    return round(max(ends) - min(starts), 2)


METRIC_FUNCTIONS: dict[str, Callable[[Transcript, Rule], float | None]] = {
    "agent_talk_share": agent_talk_share,
    "longest_agent_turn_words": longest_agent_turn_words,
    "agent_turns": agent_turns,
    "customer_turns": customer_turns,
    "interruptions": interruptions,
    "quick_replies_to_long_turns": quick_replies_to_long_turns,
    "longest_silence_seconds": longest_silence_seconds,
    "duration_seconds": duration_seconds,
    "cut_offs": cut_offs,
}
