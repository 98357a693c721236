"""Aggregate results by agent, team, queue, date, ISO week or source, with pandas.

Each group gets: count, mean and median score, pass rate, auto-fails, the mean of each category
and the most failed rules (counted once per conversation). Records are result records as
`render/records.py` writes them (or as `report/results_file.py` reads them back).
"""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from cx_audit.results import NONE, ConversationResult, source_file

GROUP_KEYS = ("agent", "team", "queue", "date", "week", "source")


def record_of(result: ConversationResult) -> dict[str, Any]:
    """The slim record aggregation needs, straight from a result (no findings list)."""
    return {
        "conversation_id": result.conversation_id,
        "source": result.source,
        "agent": result.agent or None,
        "ruleset": result.ruleset,
        "score": result.score,
        "passed": result.passed,
        "auto_failed": result.auto_failed,
        "categories": {cid: {"score": c.score} for cid, c in result.categories.items()},
        "failed_rules": list(dict.fromkeys(result.failed_rules)),
        "metadata": result.metadata,
    }


def to_frame(records: Iterable[dict[str, Any]]) -> tuple[pd.DataFrame, list[str]]:
    """One row per result: group keys, score, passed, auto_failed, `cat:<id>` columns, failed_rules.

    Returns the frame and the category ids in first-seen order.
    """
    rows = []
    categories: dict[str, None] = {}
    for r in records:
        meta = r.get("metadata") or {}
        row = {
            "conversation_id": r.get("conversation_id"),
            "agent": _text(r.get("agent") or meta.get("agent")),
            "team": _text(meta.get("team")),
            "queue": _text(meta.get("queue")),
            "date_raw": _text(meta.get("date")),
            "source": source_file(str(r.get("source") or "")),
            "ruleset": r.get("ruleset"),
            "score": r.get("score"),
            "passed": bool(r.get("passed")),
            "auto_failed": bool(r.get("auto_failed")),
            "failed_rules": list(dict.fromkeys(r.get("failed_rules") or [])),
        }
        for cid, cat in (r.get("categories") or {}).items():
            categories.setdefault(cid, None)
            row[f"cat:{cid}"] = cat.get("score") if isinstance(cat, dict) else cat
        rows.append(row)
    columns = ["conversation_id", "agent", "team", "queue", "date_raw", "source", "ruleset", "score", "passed", "auto_failed", "failed_rules"]
    frame = pd.DataFrame(rows, columns=columns + [f"cat:{c}" for c in categories])
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    for cid in categories:
        frame[f"cat:{cid}"] = pd.to_numeric(frame[f"cat:{cid}"], errors="coerce")
    dates = pd.to_datetime(frame["date_raw"].where(frame["date_raw"] != NONE), errors="coerce", format="mixed", utc=True)
    frame["date"] = dates.dt.strftime("%Y-%m-%d").fillna(NONE)
    iso = dates.dt.isocalendar()
    week = iso["year"].astype("string") + "-W" + iso["week"].astype("string").str.zfill(2)
    frame["week"] = week.fillna(NONE).astype(str)
    return frame, list(categories)


def _text(value: Any) -> str:
    if value is None:
        return NONE
    text = str(value).strip()
    return text or NONE


def aggregate(records: Iterable[dict[str, Any]], group_by: list[str], top: int = 3) -> dict[str, Any]:
    """`{"group_by", "categories", "groups": [...], "total": {...}}`; groups sorted by key."""
    for key in group_by:
        if key not in GROUP_KEYS:
            raise ValueError(f"cannot group by '{key}' (one of: {', '.join(GROUP_KEYS)})")
    frame, categories = to_frame(records)
    keys = list(dict.fromkeys(group_by))
    groups = []
    if len(frame):
        for key_values, part in frame.groupby(keys, sort=True, dropna=False):
            if not isinstance(key_values, tuple):
                key_values = (key_values,)
            groups.append(_stats(part, categories, top, dict(zip(keys, key_values))))
    return {
        "group_by": keys,
        "categories": categories,
        "groups": groups,
        "total": _stats(frame, categories, top, {}),
    }


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 2)


def _stats(part: pd.DataFrame, categories: list[str], top: int, group: dict[str, str]) -> dict[str, Any]:
    count = int(len(part))
    passed = int(part["passed"].sum()) if count else 0
    rules = part["failed_rules"].explode().dropna()
    counts = rules.value_counts()
    # Ties broken by rule id so the output does not depend on input order.
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return {
        "group": {k: str(v) for k, v in group.items()},
        "count": count,
        "mean_score": _number(part["score"].mean()) if count else None,
        "median_score": _number(part["score"].median()) if count else None,
        "pass_rate": round(passed / count, 4) if count else None,
        "passed": passed,
        "failed": count - passed,
        "auto_failed": int(part["auto_failed"].sum()) if count else 0,
        "categories": {cid: (_number(part[f"cat:{cid}"].mean()) if count else None) for cid in categories},
        "top_failed_rules": [{"rule": str(rule), "conversations": int(n)} for rule, n in ranked],
    }


# ---- flat rows for CSV and tables -----------------------------------------------------------

STAT_COLUMNS = ["count", "mean_score", "median_score", "pass_rate", "passed", "failed", "auto_failed"]


def flat_columns(report: dict[str, Any]) -> list[str]:
    return report["group_by"] + STAT_COLUMNS + report["categories"] + ["top_failed_rules"]


def flat_row(report: dict[str, Any], stats: dict[str, Any]) -> list[Any]:
    keys = [stats["group"].get(k, "") for k in report["group_by"]]
    cats = [stats["categories"].get(c) for c in report["categories"]]
    rules = " ".join(f"{r['rule']}({r['conversations']})" for r in stats["top_failed_rules"])
    return keys + [stats[c] for c in STAT_COLUMNS] + cats + [rules]
