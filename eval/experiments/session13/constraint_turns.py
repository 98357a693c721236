"""Experiment, not part of cx-audit: the counts behind version 16's `constraint-restated`.

    .venv/bin/python eval/experiments/session13/constraint_turns.py -r es15.yaml -r en15.yaml \
        eval eval/holdout … (read sets only)

The constraint patterns are the trigger regexes of the built-in `constraint-restated` rule (each
language's own); the verdicts come from the rulesets given with -r (version 15 is
`git show ac6b896:rulesets/es.yaml`, and en). For calls where those rulesets pass empathy, it
counts the labels of calls with a constraint in at least two customer turns anywhere, in two
customer turns in a row, and in three in a row.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # eval/experiments
from read_sets import labelled, read_sets_and_scorer  # noqa: E402

from cx_audit.normalize import fold_keep_punct  # noqa: E402
from cx_audit.ruleset import load_ruleset  # noqa: E402


def patterns(lang: str) -> list[re.Pattern[str]]:
    rule = next(r for r in load_ruleset(lang).rules if r.id == "constraint-restated")
    return [re.compile(p) for p in rule.trigger.regex]


def longest_run(flags: list[bool]) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def main() -> None:
    sets, scorer = read_sets_and_scorer(__doc__)
    by_lang = {lang: patterns(lang) for lang in ("es", "en")}
    shapes = {"two customer turns anywhere": Counter(), "two in a row": Counter(), "three in a row": Counter()}
    for folder in sets:
        for transcript, labels in labelled(folder):
            if labels.get("empathy") not in ("pass", "fail"):
                continue
            result = scorer.score(transcript)[0]
            if not result.categories["empathy"].passed:
                continue
            rx = by_lang["en" if str(transcript.language or "es").startswith("en") else "es"]
            flags = [any(p.search(fold_keep_punct(t.text)) for p in rx) for t in transcript.turns if t.role == "customer"]
            if sum(flags) >= 2:
                shapes["two customer turns anywhere"][labels["empathy"]] += 1
            if longest_run(flags) >= 2:
                shapes["two in a row"][labels["empathy"]] += 1
            if longest_run(flags) >= 3:
                shapes["three in a row"][labels["empathy"]] += 1
    print("constraint in\tlabel fail\tlabel pass   (calls whose empathy the given rulesets pass)")
    for shape, c in shapes.items():
        print(f"{shape}\t{c['fail']}\t{c['pass']}")


if __name__ == "__main__":
    main()
