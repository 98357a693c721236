"""Compare two result files (say, before and after a ruleset change): what moved, and by how much.

Results are matched on conversation id and ruleset id (the version may differ). Reported: the
conversations in both / only in one, the mean score before and after, verdicts that flipped,
the conversations that moved most (with the rules that started or stopped failing), and the
mean score per agent and per category before and after.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cx_audit.report.aggregate import to_frame


def _key(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["ruleset_id"] = frame["ruleset"].fillna("").astype(str).str.split("@").str[0]
    return frame.drop_duplicates(["conversation_id", "ruleset_id"], keep="first")


def _num(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 2)


def compare(old_records: list[dict[str, Any]], new_records: list[dict[str, Any]], top: int = 20, threshold: float = 0.0) -> dict[str, Any]:
    old, old_cats = to_frame(old_records)
    new, new_cats = to_frame(new_records)
    old, new = _key(old), _key(new)
    keys = ["conversation_id", "ruleset_id"]
    both = old.merge(new, on=keys, how="inner", suffixes=("_old", "_new"))
    only_old = len(old) - len(both)
    only_new = len(new) - len(both)
    both["delta"] = both["score_new"] - both["score_old"]

    moved = both[both["delta"].abs() > threshold].copy() if len(both) else both
    if len(moved):
        # Largest move first; at equal moves, a flipped verdict first.
        moved = moved.assign(_abs=moved["delta"].abs(), _flip=moved["passed_old"] != moved["passed_new"])
        moved = moved.sort_values(["_abs", "_flip", "conversation_id"], ascending=[False, False, True], kind="stable")
    conversations = []
    for _, row in moved.head(top).iterrows():
        old_rules, new_rules = set(row["failed_rules_old"]), set(row["failed_rules_new"])
        conversations.append({
            "conversation_id": row["conversation_id"],
            "agent": row["agent_new"],
            "old": _num(row["score_old"]),
            "new": _num(row["score_new"]),
            "delta": _num(row["delta"]),
            "old_passed": bool(row["passed_old"]),
            "new_passed": bool(row["passed_new"]),
            "now_failing": sorted(new_rules - old_rules),
            "no_longer_failing": sorted(old_rules - new_rules),
        })

    agents = []
    if len(both):
        grouped = both.groupby("agent_new", sort=True)
        for agent, part in grouped:
            agents.append({
                "agent": str(agent),
                "count": int(len(part)),
                "old": _num(part["score_old"].mean()),
                "new": _num(part["score_new"].mean()),
                "delta": _num(part["score_new"].mean() - part["score_old"].mean()),
                "old_pass_rate": round(float(part["passed_old"].mean()), 4),
                "new_pass_rate": round(float(part["passed_new"].mean()), 4),
            })
        agents.sort(key=lambda a: (-(abs(a["delta"]) if a["delta"] is not None else -1), a["agent"]))

    categories = []
    for cid in dict.fromkeys(old_cats + new_cats):
        o = _column(both, cid, "_old") if cid in old_cats else None
        n = _column(both, cid, "_new") if cid in new_cats else None
        o_mean = _num(o.mean()) if o is not None and len(both) else None
        n_mean = _num(n.mean()) if n is not None and len(both) else None
        categories.append({
            "category": cid,
            "old": o_mean,
            "new": n_mean,
            "delta": _num(n.mean() - o.mean()) if o_mean is not None and n_mean is not None else None,
            "only_in": None if cid in old_cats and cid in new_cats else ("old" if cid in old_cats else "new"),
        })

    flipped_to_fail = int(((both["passed_old"]) & (~both["passed_new"])).sum()) if len(both) else 0
    flipped_to_pass = int(((~both["passed_old"]) & (both["passed_new"])).sum()) if len(both) else 0
    changed = int((both["delta"].fillna(0) != 0).sum() + (both["score_old"].isna() != both["score_new"].isna()).sum()) if len(both) else 0
    return {
        "old": {"results": int(len(old)), "mean_score": _num(old["score"].mean()), "pass_rate": _rate(old)},
        "new": {"results": int(len(new)), "mean_score": _num(new["score"].mean()), "pass_rate": _rate(new)},
        "in_both": int(len(both)),
        "only_in_old": int(only_old),
        "only_in_new": int(only_new),
        "score_changed": changed,
        "mean_delta": _num(both["delta"].mean()) if len(both) else None,
        "now_failing": flipped_to_fail,
        "now_passing": flipped_to_pass,
        "conversations": conversations,
        "agents": agents,
        "categories": categories,
    }


def _column(frame: pd.DataFrame, cid: str, suffix: str) -> pd.Series | None:
    """A category column after the merge: suffixed when both sides had it, bare otherwise."""
    for name in (f"cat:{cid}{suffix}", f"cat:{cid}"):
        if name in frame:
            return frame[name]
    return None


def _rate(frame: pd.DataFrame) -> float | None:
    return round(float(frame["passed"].mean()), 4) if len(frame) else None
