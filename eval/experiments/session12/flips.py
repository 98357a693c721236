"""Experiment, not part of cx-audit: which calls two ruleset versions judge differently, and why.

    .venv/bin/python eval/experiments/session12/flips.py -a es11.yaml -a en11.yaml \
        eval eval/holdout eval/holdout2 … eval/holdout7 eval/holdout18 eval/holdout20 \
        eval/holdout25 eval/holdout27 eval/holdout28

(es11.yaml and en11.yaml from `git show bf9704f^:rulesets/es.yaml`, and en; `-b` gives the
second version, the built-in rulesets without it.) For every labelled call (a conversation and
a category labelled pass or fail) whose verdict differs between version A and version B, it
counts a gain (B agrees with the label, A did not) or a loss, by the rules that newly fail or
newly hold under B. For development and retired sets it lists the calls too; for sets still
blind it prints the counts only (rule names, never a conversation id), so that the README can
say which rule moved a blind figure without anyone reading the conversation.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # eval/
from evaluate import is_blind  # noqa: E402

from cx_audit.config import project_rulesets  # noqa: E402
from cx_audit.errors import InputError  # noqa: E402
from cx_audit.inputs import InputStats, LoadOptions, read_inputs  # noqa: E402
from cx_audit.pipeline import Scorer  # noqa: E402


def verdicts(scorer: Scorer, folder: str) -> dict[str, tuple[dict, set]]:
    """conversation id -> (category -> passed, the (category, rule) pairs that fail)."""
    out = {}
    for transcript in read_inputs([os.path.join(folder, "conversations")], LoadOptions(), InputStats()):
        if isinstance(transcript, InputError):
            continue
        result = scorer.score(transcript)[0]
        out[transcript.conversation_id] = ({c: s.passed for c, s in result.categories.items()},
                                           {(o.category, o.rule) for o in result.outcomes if o.status == "fail"})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="labelled set folders")
    parser.add_argument("-a", action="append", default=[], required=True, help="version A: ruleset name or file (repeat)")
    parser.add_argument("-b", action="append", default=[], help="version B (default: es and en)")
    args = parser.parse_args()
    a = Scorer(project_rulesets(args.a, lang_auto=True), lang_auto=True)
    b = Scorer(project_rulesets(args.b or ["es", "en"], lang_auto=True), lang_auto=True)
    counts: Counter = Counter()
    for folder in args.sets:
        blind = is_blind(folder)
        with open(os.path.join(folder, "labels.csv"), encoding="utf-8") as handle:
            labels = {row["conversation_id"]: row for row in csv.DictReader(handle)}
        va, vb = verdicts(a, folder), verdicts(b, folder)
        for cid, row in labels.items():
            if cid not in va or cid not in vb:
                continue
            for category, label in row.items():
                if category == "conversation_id" or label not in ("pass", "fail"):
                    continue
                before, after = va[cid][0].get(category), vb[cid][0].get(category)
                if before == after:
                    continue
                kind = "gain" if after == (label == "pass") else "loss"
                newly = sorted(r for c, r in vb[cid][1] - va[cid][1] if c == category)
                held = sorted(r for c, r in va[cid][1] - vb[cid][1] if c == category)
                why = ("fails: " + ", ".join(newly) if newly else "") + ("; " if newly and held else "") + \
                      ("holds: " + ", ".join(held) if held else "")
                counts[(kind, category, why or "weights only")] += 1
                if not blind:
                    print(f"{kind}\t{folder}\t{cid}\t{category}\tlabel {label}\t{why or 'weights only'}")
    for (kind, category, why), n in sorted(counts.items()):
        print(f"{n}\t{kind}\t{category}\t{why}")
    gains = sum(n for (kind, _, _), n in counts.items() if kind == "gain")
    print(f"total: {gains} gained, {sum(counts.values()) - gains} lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
