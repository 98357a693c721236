"""Results as plain records: the one place that decides the JSON and CSV field names.

The contract (schema_version 1) is documented in README.md ("Output formats") and held by the
golden tests in tests/golden/.
"""

from __future__ import annotations

from typing import Any

from cx_audit.results import ConversationResult

SCHEMA_VERSION = 1

CSV_FIXED_COLUMNS = ["conversation_id", "source", "agent", "language", "ruleset", "score", "passed", "auto_failed"]
# Appended after `failed_rules` (the fixed columns and the categories never move): the metadata
# that reports group by, so `cx-audit summarize` can group a saved CSV by team, queue or week.
CSV_META_COLUMNS = ["team", "queue", "date"]
CSV_DETAIL_COLUMNS = [
    "conversation_id", "source", "agent", "language", "ruleset", "rule", "category", "status",
    "severity", "turn", "speaker", "time", "match", "text", "message", "tip",
]
FINDING_KEYS = ["rule", "category", "status", "severity", "turn", "speaker", "time", "text", "match", "message", "tip", "note"]


def findings(result: ConversationResult) -> list[dict[str, Any]]:
    """One finding per rule; a rule that failed in several turns gives one per turn."""
    out = []
    for o in result.outcomes:
        base = {"rule": o.rule, "category": o.category, "status": o.status, "severity": o.severity}
        tail = {"message": o.message, "tip": o.tip, "note": o.note}
        for ev in o.evidence or [None]:
            if ev is None:
                where = {"turn": None, "speaker": None, "time": None, "text": None, "match": None}
            else:
                where = {"turn": ev.turn, "speaker": ev.speaker or None, "time": ev.time, "text": ev.text or None, "match": ev.match or None}
            out.append({**base, **where, **tail})
    return out


def result_record(result: ConversationResult) -> dict[str, Any]:
    meta = {k: v for k, v in result.metadata.items() if k != "agent" and v not in (None, "")}
    return {
        "conversation_id": result.conversation_id,
        "source": result.source,
        "agent": result.agent or None,
        "language": result.language or None,
        "ruleset": result.ruleset,
        "score": result.score,
        "passed": result.passed,
        "auto_failed": result.auto_failed,
        "categories": {cid: {"score": c.score, "passed": c.passed} for cid, c in result.categories.items()},
        "findings": findings(result),
        "channel": result.channel or None,
        "turns": result.turns,
        "metadata": {k: _plain(v) for k, v in meta.items()},
    }


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def tool_record() -> dict[str, Any]:
    from cx_audit import __version__

    return {"name": "cx-audit", "version": __version__}
