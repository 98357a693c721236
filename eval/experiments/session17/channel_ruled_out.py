"""Experiment, not part of cx-audit: "I can't use that channel, that's why I'm calling" as a listening fail.

    .venv/bin/python eval/experiments/session17/channel_ruled_out.py eval eval/holdout … (read sets)

A customer who says they cannot use something ("no tengo computadora", "I don't have a
smartphone") and that this is why they called or wrote ("por eso llamo", "that's why I'm
ringing") has usually just been sent to that channel by the agent. For every labelled call with a
customer turn after an agent turn matching PATTERNS, prints the call's listening label and the
tool's listening verdict, then counts what adding the patterns to a forbid rule such as
`customer-repeats` would change: a call the tool passes becomes a fail, a gain if labelled fail,
a loss if labelled pass (README, "What version 21 changed": 16 read calls, all labelled fail;
+5, none lost). It was left out because the same words open many calls ("no tengo internet, por
eso llamo"), and a rule could not skip the customer's first turn. Version 22 added that scope
(`skip_first_turns`) and tried the patterns again, then took them out: a call that opens with a
bare greeting gives its reason in the customer's second turn, so they need a rule that sees the
agent's suggestion first (README, "What version 22 changed").
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # eval/experiments/
from read_sets import labelled, read_sets_and_scorer  # noqa: E402

from cx_audit.normalize import fold_keep_punct  # noqa: E402

_CALLED = r"(?:le |la |lo |te |les |os )?(?:estoy )?(?:llamo|llamando|escribo|escribiendo|hablo|hablando|marco|contacto)\b"
PATTERNS = [
    re.compile(  # es: "no manejo la computadora … por eso llamo", "sin internet, por eso te escribo"
        r"\bno (?:\w++ ){0,2}(?:puedo|tengo|manejo|se|uso|consigo|me abre|abre|funciona|llego|alcanzo|me deja|entiendo)\b"
        r"[^?!]{0,120}?\bpor eso " + _CALLED
        + r"|\bsin (?:internet|datos|computadora|computador|ordenador|celular|telefono|smartphone|wifi|luz)\b[^?!]{0,60}?\bpor eso " + _CALLED
    ),
    re.compile(  # en: "I don't have a smartphone, that's why I'm calling"
        r"\b(?:don[’']?t|do not|can[’']?t|cannot|haven[’']?t got|have no|without)\b[^?!]{0,120}?"
        r"\b(?:that[’']?s|that is|which is|this is) (?:why|the reason|exactly why) (?:i[’']?m|i am|i|we[’']?re|we) "
        r"(?:calling|ringing|phoning|writing|messaging|chatting|contacting you|on the phone|called|rang|phoned|wrote|messaged)\b"
    ),
]


def main() -> int:
    sets, scorer = read_sets_and_scorer(__doc__)
    labels: Counter = Counter()
    change: Counter = Counter()
    for folder in sets:
        for transcript, row in labelled(folder):
            agent_spoke = False
            for i, turn in enumerate(transcript.turns):
                agent_spoke = agent_spoke or turn.role == "agent"
                text = fold_keep_punct(turn.text)
                if turn.role != "customer" or not agent_spoke or not any(p.search(text) for p in PATTERNS):
                    continue
                label = row.get("listening") or "-"
                verdict = scorer.score(transcript)[0].categories.get("listening")
                tool = "fail" if verdict is not None and verdict.passed is False else "pass"
                labels[label] += 1
                if tool == "pass" and label in ("pass", "fail"):
                    change["gained" if label == "fail" else "lost"] += 1
                print(f"{folder} {transcript.conversation_id} turn {i + 1}: label {label}, tool {tool} | {turn.text[:100]}")
                break
    print(f"labels: {dict(labels)}; adding the patterns: +{change['gained']}, -{change['lost']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
