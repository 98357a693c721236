"""Measure the default rulesets one agent reply at a time, on wordings nobody tuned them on.

    .venv/bin/python eval/lexicon.py                          # every eval/lexicon/*.tsv, both halves
    .venv/bin/python eval/lexicon.py --half test              # the half nobody reads
    .venv/bin/python eval/lexicon.py --half dev --list        # the dev half's mistakes, to tune on

A lexicon file is UTF-8, tab-separated, no header, one entry per line:

    id <TAB> behaviour <TAB> breach|fine <TAB> customer line <TAB> agent line

Its name starts with the language (`es-a.tsv`, `en.tsv`). Each entry becomes a two-turn
conversation (the customer line, then the agent's reply) scored with the built-in rulesets (or
`-r`). A `breach` is caught when its behaviour fails on it; a `fine` entry holds when it does not. What
stands for a behaviour is BEHAVIOURS below: a whole category's verdict where no rule in it needs
more than one reply (saying-no, promises, escalation), named rules elsewhere.

Entries are split in two halves by the parity of the number in their id: odd ids are the dev
half (read and tuned on), even ids the test half (never read; only its figures are looked at).
`--list` prints the dev half's mistakes and refuses the test half.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from dataclasses import dataclass

from cx_audit.config import project_rulesets
from cx_audit.model import AGENT, CUSTOMER, Transcript, Turn
from cx_audit.pipeline import Scorer
from cx_audit.render.records import result_record

HERE = os.path.dirname(os.path.abspath(__file__))

LISTENING = ("customer-repeats", "asks-again", "already-told", "repeated-request", "agent-cuts-in",
             "customer-cut-off", "suggestion-after-constraint", "suggested-again", "manager-asked-again")
# behaviour -> ("category", id) or ("rules", ids): what must fail on a breach and stay quiet on a fine reply.
BEHAVIOURS: dict[str, tuple[str, object]] = {
    "refusal": ("category", "saying-no"),
    "wrong": ("category", "saying-no"),
    "blame": ("rules", ("blame-customer", "calm-down")),
    "dismiss": ("rules", ("calm-down", "blame-customer")),
    "ack": ("rules", ("acknowledge-complaint", "calm-down", "blame-customer")),
    "disown": ("rules", ("not-my-job", "sent-elsewhere")),
    "commit": ("rules", ("commit-to-help",)),
    "guarantee": ("category", "promises"),
    "manager": ("category", "escalation"),
    "legal": ("category", "escalation"),
    "repeat": ("rules", LISTENING),
    "interrupt": ("rules", LISTENING),
}


@dataclass
class Entry:
    id: str
    behaviour: str
    breach: bool
    customer: str
    agent: str
    language: str
    where: str

    @property
    def half(self) -> str:
        digits = re.findall(r"\d+", self.id)
        return "dev" if digits and int(digits[-1]) % 2 else "test"


def read_lexicon(path: str) -> tuple[list[Entry], list[str]]:
    """Entries, and one located error per line that is not an entry (nothing is dropped silently)."""
    language = os.path.basename(path).split("-")[0].split(".")[0]
    entries, errors, seen = [], [], set()
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            fields = [f.strip() for f in line.rstrip("\n").split("\t")]
            where = f"{os.path.relpath(path)}:{number}"
            if len(fields) != 5:
                errors.append(f"{where}: expected 5 tab-separated fields, found {len(fields)}")
            elif fields[1] not in BEHAVIOURS:
                errors.append(f"{where}: unknown behaviour {fields[1]!r}")
            elif fields[2] not in ("breach", "fine"):
                errors.append(f"{where}: verdict must be breach or fine, not {fields[2]!r}")
            elif fields[0] in seen:
                errors.append(f"{where}: duplicate id {fields[0]!r}")
            elif not fields[3] or not fields[4]:
                errors.append(f"{where}: empty customer or agent line")
            else:
                seen.add(fields[0])
                entries.append(Entry(fields[0], fields[1], fields[2] == "breach", fields[3], fields[4], language, where))
    return entries, errors


def flagged(entry: Entry, record: dict) -> list[str]:
    """The rules of the entry's behaviour that failed on it. For a whole category, only when the
    category itself failed, as a report reads it: a refusal made well (why, then what the agent
    can do) fails `flat-refusal` but passes saying-no on the credit it earns."""
    kind, target = BEHAVIOURS[entry.behaviour]
    if kind == "category" and (record["categories"].get(target) or {}).get("passed") is not False:
        return []
    return sorted({f["rule"] for f in record["findings"] if f["status"] == "fail" and (
        f["category"] == target if kind == "category" else f["rule"] in target)})


def measure(entries: list[Entry], rulesets: list[str]) -> list[dict]:
    scorer = Scorer(project_rulesets(rulesets, lang_auto=True), lang_auto=True)
    rows = []
    for e in entries:
        transcript = Transcript(e.id, e.where, [Turn(CUSTOMER, e.customer), Turn(AGENT, e.agent)], language=e.language)
        (result,) = scorer.score(transcript)
        rules = flagged(e, result_record(result))
        rows.append({"id": e.id, "where": e.where, "language": e.language, "behaviour": e.behaviour,
                     "half": e.half, "breach": e.breach, "rules": rules, "right": bool(rules) == e.breach,
                     "customer": e.customer, "agent": e.agent})
    return rows


def summary(rows: list[dict]) -> list[dict]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["language"], r["behaviour"]), []).append(r)
    groups.update({(lang, "all"): [r for r in rows if r["language"] == lang] for lang in sorted({r["language"] for r in rows})})
    out = []
    for (lang, behaviour), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] == "all", list(BEHAVIOURS).index(kv[0][1]) if kv[0][1] in BEHAVIOURS else 0)):
        breaches = [r for r in group if r["breach"]]
        fines = [r for r in group if not r["breach"]]
        out.append({"language": lang, "behaviour": behaviour, "entries": len(group),
                    "caught": sum(r["right"] for r in breaches), "breaches": len(breaches),
                    "held": sum(r["right"] for r in fines), "fines": len(fines),
                    "accuracy": sum(r["right"] for r in group) / len(group)})
    return out


def table(rows: list[dict], half: str) -> str:
    lines = [f"**lexicon ({'both halves' if half == 'both' else half + ' half'})**: {len(rows)} entries", "",
             "| language | behaviour | entries | breaches caught | fine replies left alone | accuracy |",
             "|---|---|---:|---:|---:|---:|"]
    for s in summary(rows):
        name = f"**{s['behaviour']}**" if s["behaviour"] == "all" else s["behaviour"]
        lines.append(f"| {s['language']} | {name} | {s['entries']} | {s['caught']}/{s['breaches']} | {s['held']}/{s['fines']} | {s['accuracy']:.3f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="lexicon files (default: eval/lexicon/*.tsv)")
    parser.add_argument("-r", "--ruleset", action="append", default=[], help="ruleset name or file (default: es and en)")
    parser.add_argument("--half", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--list", action="store_true", help="print the dev half's mistakes (refused for the test half)")
    parser.add_argument("-f", "--format", choices=("markdown", "json"), default="markdown")
    args = parser.parse_args()
    if args.list and args.half != "dev":
        parser.error("--list reads mistakes, and only the dev half may be read: add --half dev")
    files = args.files or sorted(glob.glob(os.path.join(HERE, "lexicon", "*.tsv")))
    entries, errors = [], []
    for path in files:
        got, bad = read_lexicon(path)
        entries += got
        errors += bad
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    entries = [e for e in entries if args.half in ("both", e.half)]
    if not entries:
        print("error: no lexicon entries to measure", file=sys.stderr)
        return 2
    rows = measure(entries, args.ruleset)
    if args.format == "json":
        print(json.dumps({"half": args.half, "summary": summary(rows), "entries": rows if args.list else [],
                          "errors": errors}, ensure_ascii=False, indent=1))
    else:
        print(table(rows, args.half))
        if args.list:
            for r in rows:
                if not r["right"]:
                    what = "missed" if r["breach"] else f"false alarm ({', '.join(r['rules'])})"
                    print(f"\n{r['where']} {r['id']} {r['behaviour']}: {what}\n  C: {r['customer']}\n  A: {r['agent']}")
    print(f"{len(entries)} entries measured, {len(errors)} lines rejected", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
