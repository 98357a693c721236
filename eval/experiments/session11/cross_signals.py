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

import os
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # eval/experiments/
from read_sets import labelled, read_sets_and_scorer  # noqa: E402


def main() -> int:
    sets, scorer = read_sets_and_scorer(__doc__)
    repeats, refusals = Counter(), Counter()
    for folder in sets:
        for transcript, label in labelled(folder):
            result = scorer.score(transcript)[0]
            failed = {(o.category, o.rule) for o in result.outcomes if o.status == "fail"}
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
