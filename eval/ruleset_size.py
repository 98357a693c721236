"""How big rulesets are, as the README counts them: regex entries (a rule's `regex` and its
trigger's) and phrases (a rule's `phrases` and `unless`, and its trigger's `phrases`), a pattern
shared through a YAML anchor counted once per rule that uses it.

    .venv/bin/python eval/ruleset_size.py rulesets/es.yaml rulesets/en.yaml
    git show a502cfb:rulesets/es.yaml > es7.yaml   # an older version, to compare
"""

from __future__ import annotations

import sys

import yaml


def size(path: str) -> tuple[int, int]:
    with open(path, encoding="utf-8") as f:
        rules = yaml.safe_load(f)["rules"]
    regexes = phrases = 0
    for rule in rules:
        trigger = rule.get("trigger") or {}
        regexes += len(rule.get("regex") or []) + len(trigger.get("regex") or [])
        phrases += len(rule.get("phrases") or []) + len(rule.get("unless") or []) + len(trigger.get("phrases") or [])
    return regexes, phrases


def main() -> int:
    total = [0, 0]
    for path in sys.argv[1:]:
        regexes, phrases = size(path)
        total[0] += regexes
        total[1] += phrases
        print(f"{path}: {regexes} regex entries, {phrases} phrases")
    if len(sys.argv) > 2:
        print(f"total: {total[0]} regex entries, {total[1]} phrases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
