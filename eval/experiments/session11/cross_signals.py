"""Experiment, not part of cx-audit: the two cross-category signals session 11 counted and dropped.

    .venv/bin/python eval/experiments/session11/cross_signals.py -r es10.yaml -r en10.yaml \
        eval eval/holdout eval/holdout2 … eval/holdout7 eval/holdout18 eval/holdout20

(es10.yaml and en10.yaml from `git show 80110b3:rulesets/es.yaml`, and en; without `-r`, the
built-in rulesets.) For each labelled conversation of the sets it prints how the labels fall where

1. `customer-repeats` fails and the tool passes empathy: would the customer having to repeat be a
   sign of an empathy failure too?
2. `commit-to-help` is the only failing ownership rule and `flat-refusal` fails: should ownership
   go unjudged beside a flat refusal, which the labellers judge under saying-no?

A signal worth keeping would find mostly "fail" labels in 1 and mostly "pass" in 2.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # eval/
from evaluate import is_blind  # noqa: E402  (sets still blind are refused, as by evaluate.py)

from cx_audit.config import project_rulesets  # noqa: E402
from cx_audit.errors import InputError  # noqa: E402
from cx_audit.inputs import InputStats, LoadOptions, read_inputs  # noqa: E402
from cx_audit.pipeline import Scorer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="labelled development or retired set folders")
    parser.add_argument("-r", "--ruleset", action="append", default=[], help="ruleset name or file (default: es and en)")
    args = parser.parse_args()
    blind = [s for s in args.sets if is_blind(s)]
    if blind:
        parser.error(f"blind sets are not read: {', '.join(blind)}")
    scorer = Scorer(project_rulesets(args.ruleset or ["es", "en"], lang_auto=True), lang_auto=True)
    repeats, refusals = Counter(), Counter()
    for folder in args.sets:
        with open(os.path.join(folder, "labels.csv"), encoding="utf-8") as handle:
            labels = {row["conversation_id"]: row for row in csv.DictReader(handle)}
        for transcript in read_inputs([os.path.join(folder, "conversations")], LoadOptions(), InputStats()):
            if isinstance(transcript, InputError) or transcript.conversation_id not in labels:
                continue
            result = scorer.score(transcript)[0]
            failed = {(o.category, o.rule) for o in result.outcomes if o.status == "fail"}
            label = labels[transcript.conversation_id]
            if ("listening", "customer-repeats") in failed and result.categories["empathy"].passed:
                repeats[label.get("empathy") or "blank"] += 1
            ownership = {rule for category, rule in failed if category == "ownership"}
            if ownership == {"commit-to-help"} and ("saying-no", "flat-refusal") in failed:
                refusals[label.get("ownership") or "blank"] += 1
    print(f"customer-repeats fails, tool passes empathy: empathy labels {dict(sorted(repeats.items()))}")
    print(f"commit-to-help alone beside flat-refusal: ownership labels {dict(sorted(refusals.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
