"""Experiment, not part of cx-audit: what a rule matched in the calls where it disagrees with the labels.

    .venv/bin/python eval/experiments/session15/rule_hits.py RULE LABEL [--verdict fail|pass] \
        [-r es.yaml -r en.yaml] SETS...

For every conversation whose label in RULE's category is LABEL ("pass" or "fail") and where RULE
fails, prints the set, the conversation id, the turn, the words the rule matched and the start of
the turn. `--verdict fail` keeps only the calls where the whole category fails too (the ones that
cost accuracy). With LABEL "pass" this lists a rule's false alarms; version 18's precision fixes
were found this way (README, "What version 18 changed").

Blind sets are refused: listing their conversations would make them development sets.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # eval/
from evaluate import is_blind  # noqa: E402

from cx_audit.config import project_rulesets  # noqa: E402
from cx_audit.errors import InputError  # noqa: E402
from cx_audit.inputs import InputStats, LoadOptions, read_inputs  # noqa: E402
from cx_audit.pipeline import Scorer  # noqa: E402
from cx_audit.report.calibrate import read_labels  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rule")
    parser.add_argument("label", choices=("pass", "fail"))
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--verdict", choices=("pass", "fail"), help="keep only calls where the category has this verdict")
    parser.add_argument("-r", "--ruleset", action="append", help="ruleset files (default: the built-in es and en)")
    args = parser.parse_args()
    blind = [s for s in args.sets if is_blind(s)]
    if blind:
        print(f"rule_hits: refusing blind sets (reading them would retire them): {', '.join(blind)}", file=sys.stderr)
        return 2
    scorer = Scorer(project_rulesets(args.ruleset or ["es", "en"], lang_auto=True), lang_auto=True)
    for folder in args.sets:
        labels, _ = read_labels(os.path.join(folder, "labels.csv"))  # {id: {category: labelled fail}}
        for item in read_inputs([os.path.join(folder, "conversations")], LoadOptions(), InputStats()):
            if isinstance(item, InputError) or item.conversation_id not in labels:
                continue
            result = scorer.score(item)[0]
            for outcome in result.outcomes:
                if outcome.rule != args.rule or outcome.status != "fail":
                    continue
                if labels[item.conversation_id].get(outcome.category) != (args.label == "fail"):
                    continue
                category = result.categories.get(outcome.category)
                if args.verdict and category is not None and category.passed != (args.verdict == "pass"):
                    continue
                for evidence in outcome.evidence:
                    print(f"{folder} {item.conversation_id} turn {evidence.turn}: [{evidence.match}] {evidence.text[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
