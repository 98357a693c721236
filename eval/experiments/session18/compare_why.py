"""Experiment, not part of cx-audit: why scores changed between two `cx-audit score -f csv` runs.

    .venv/bin/python eval/experiments/session18/compare_why.py v21.csv v22.csv

`cx-audit compare` counts the conversations whose score changed; this groups them by the
categories whose score moved and the rules that newly hold or newly fail (from the
`failed_rules` column). A group with no rule on either side changed by weight alone: a rule
that now applies and holds adds its weight to its category (README, "What version 22 changed":
13,817 of the 14,080 generated conversations whose score changed).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter

FIXED = {"conversation_id", "source", "agent", "language", "ruleset", "score", "passed", "auto_failed",
         "failed_rules", "team", "queue", "date"}


def rows(path: str) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r["conversation_id"]: r for r in csv.DictReader(f)}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    old, new = rows(sys.argv[1]), rows(sys.argv[2])
    groups: Counter = Counter()
    for cid in old.keys() & new.keys():
        a, b = old[cid], new[cid]
        if a["score"] == b["score"]:
            continue
        moved = tuple(c for c in a if c not in FIXED and a[c] != b.get(c))
        before, after = set(a["failed_rules"].split()), set(b["failed_rules"].split())
        groups[(moved, tuple(sorted(before - after)), tuple(sorted(after - before)))] += 1
    print(f"{sum(groups.values())} of {len(old.keys() & new.keys())} conversations changed score")
    for (moved, holds, fails), n in groups.most_common():
        why = "; ".join(x for x in (f"now hold: {', '.join(holds)}" if holds else "",
                                     f"now fail: {', '.join(fails)}" if fails else "") if x) or "weights only"
        print(f"{n}\t{', '.join(moved) or '-'}\t{why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
