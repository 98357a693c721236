"""Experiment, not part of cx-audit: what a category's misses and false alarms look like, in counts.

    .venv/bin/python eval/experiments/session15/miss_kinds.py CATEGORY [-r es.yaml -r en.yaml] SETS...

For every call labelled in CATEGORY where the tool disagrees, counts the pattern of the
category's rule statuses: for a miss (labelled fail, the tool passed it), which rules did not
apply (n/a: a respond rule whose trigger never fired, say); for a false alarm (labelled pass, the tool failed it), which rules
failed. Counts only, never a conversation id or a matched word, so it may run on blind sets as
`flips.py` does. README, "What version 18 changed": most empathy misses on the blind sets are calls
where no complaint or hardship trigger fired at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

from cx_audit.config import project_rulesets
from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.pipeline import Scorer
from cx_audit.report.calibrate import read_labels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("category")
    parser.add_argument("sets", nargs="+")
    parser.add_argument("-r", "--ruleset", action="append", help="ruleset files (default: the built-in es and en)")
    args = parser.parse_args()
    scorer = Scorer(project_rulesets(args.ruleset or ["es", "en"], lang_auto=True), lang_auto=True)
    kinds: Counter = Counter()
    for folder in args.sets:
        labels, _ = read_labels(os.path.join(folder, "labels.csv"))  # {id: {category: labelled fail}}
        for item in read_inputs([os.path.join(folder, "conversations")], LoadOptions(), InputStats()):
            if isinstance(item, InputError):
                continue
            labelled_fail = labels.get(item.conversation_id, {}).get(args.category)
            if labelled_fail is None:
                continue
            result = scorer.score(item)[0]
            category = result.categories.get(args.category)
            if category is None:
                continue
            statuses = {o.rule: o.status for o in result.outcomes if o.category == args.category}
            if labelled_fail and category.passed:
                idle = sorted(r for r, s in statuses.items() if s == "n/a")
                kinds[("miss", "did not apply: " + (", ".join(idle) or "none"))] += 1
            elif not labelled_fail and not category.passed:
                failed = sorted(r for r, s in statuses.items() if s == "fail")
                kinds[("false alarm", "failed: " + ", ".join(failed))] += 1
    for (kind, pattern), count in sorted(kinds.items(), key=lambda kv: (kv[0][0], -kv[1])):
        print(f"{count}\t{kind}\t{pattern}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
