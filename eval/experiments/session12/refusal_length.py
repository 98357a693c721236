"""Experiment, not part of cx-audit: saying-no labels by the length of a refusal with no known reason.

    .venv/bin/python eval/experiments/session12/refusal_length.py -r es13.yaml -r en13.yaml \
        eval eval/holdout … eval/holdout7 eval/holdout18 eval/holdout20 eval/holdout25 \
        eval/holdout27 eval/holdout28 eval/holdout30 eval/holdout31 eval/holdout32 eval/holdout36

(es13.yaml and en13.yaml from `git show 9f07f3a:rulesets/es.yaml`, and en; without `-r`, the
built-in rulesets, under which version 14's long-refusal regex already holds.) For each labelled
conversation where `decline-with-reason` fails, it takes the shortest failing refusal turn and
counts the saying-no labels by its length in words. Version 14's 30-word threshold comes from
this table. Sets still blind are refused.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # eval/experiments/
from read_sets import labelled, read_sets_and_scorer  # noqa: E402

BANDS = ((0, 10), (10, 20), (20, 30), (30, 45), (45, None))


def main() -> int:
    sets, scorer = read_sets_and_scorer(__doc__)
    counts: Counter = Counter()
    for folder in sets:
        for transcript, row in labelled(folder):
            label = row.get("saying-no")
            if label not in ("pass", "fail"):
                continue
            result = scorer.score(transcript)[0]
            turns = [e.turn for o in result.outcomes if o.rule == "decline-with-reason" and o.status == "fail"
                     for e in (o.evidence or []) if e.turn]
            if not turns:
                continue
            words = min(len(transcript.turns[t - 1].text.split()) for t in turns)
            band = next(b for b in BANDS if words >= b[0] and (b[1] is None or words < b[1]))
            counts[(band, label)] += 1
    print("| refusal turn | labels pass | labels fail |")
    print("|---|---:|---:|")
    for low, high in BANDS:
        name = f"{low} words or more" if high is None else f"{low}-{high - 1} words"
        print(f"| {name} | {counts[((low, high), 'pass')]} | {counts[((low, high), 'fail')]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
