"""Experiment, not part of cx-audit: what if a `respond` rule had to answer the *first* trigger?

    .venv/bin/python eval/experiments/session16/first_answer.py [--rule acknowledge-complaint] \
        [-r es.yaml -r en.yaml] SETS...

With `each: false` a respond rule passes once any trigger turn is answered, so a bare "Entiendo,
¿me da el DNI?" to the opening complaint is covered by an apology three exchanges later. This
patches the engine, for the named rules only, so that the first trigger turn must be answered
within `within` turns (or `before` turns earlier), and prints the rule's category, pooled over the
sets, with and without the patch. Figures only, so it may run on blind sets. README, "What version
19 changed": on the read and development sets it lost 3 empathy calls; it was not kept.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # eval/
from evaluate import evaluate  # noqa: E402

from cx_audit.engine import compiled as engine  # noqa: E402


def first_answer(rules: set[str]):
    """The engine's `respond` kind, failing a rule in `rules` whose first trigger went unanswered."""
    original = engine.KINDS["respond"]

    def respond(compiled, conv, per_rule):
        outcome = original(compiled, conv, per_rule)
        rule = compiled.rule
        if rule.id not in rules or outcome.status != engine.PASS or rule.expect != "present":
            return outcome
        turns = conv.select(compiled.trigger_scope, compiled.trigger_scope_key)
        triggers = engine._matches(compiled, conv, per_rule, engine.TRIGGER, turns or [], compiled.trigger_scope_key)
        excuses = per_rule.get((compiled.index, engine.TRIGGER_UNLESS), ())
        triggers = [m for m in triggers if not engine._excused(m, excuses)]
        if not triggers:
            return outcome
        answers = engine._matches(compiled, conv, per_rule, engine.MAIN, conv.select(rule.scope, compiled.scope_key), compiled.scope_key)
        unless = per_rule.get((compiled.index, engine.UNLESS), ())
        answers = [a for a in answers if not engine._excused(a, unless)]
        first = min(triggers, key=lambda m: m[0])
        if any(first[0] - rule.before <= a[0] <= first[0] + rule.within for a in answers):
            return outcome
        return engine._outcome(compiled, engine.FAIL, [engine._ev(conv, first)])

    return respond


def pooled(sets: list[str], rulesets: list[str], category: str) -> tuple[int, int]:
    right = total = 0
    for folder in sets:
        for row in evaluate(folder, rulesets)["categories"]:
            if row["category"] == category and row.get("labelled"):
                right, total = right + row["tp"] + row["tn"], total + row["labelled"]
    return right, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--rule", action="append", help="respond rules to patch (default: acknowledge-complaint)")
    parser.add_argument("--category", default="empathy")
    parser.add_argument("-r", "--ruleset", action="append", help="ruleset files (default: the built-in es and en)")
    args = parser.parse_args()
    rulesets = args.ruleset or ["es", "en"]
    before = pooled(args.sets, rulesets, args.category)
    engine.KINDS["respond"] = first_answer(set(args.rule or ["acknowledge-complaint"]))
    after = pooled(args.sets, rulesets, args.category)
    for name, (right, total) in (("as shipped", before), ("first trigger answered", after)):
        print(f"{args.category} {name}: {right}/{total} ({right / total:.3f})")
    print(f"difference: {after[0] - before[0]:+d} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
