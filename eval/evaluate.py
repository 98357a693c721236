"""Measure the default rulesets against conversations labelled by reading, not by running the tool.

    .venv/bin/python eval/evaluate.py                      # every labelled set under eval/
    .venv/bin/python eval/evaluate.py eval/holdout -f json
    .venv/bin/python eval/evaluate.py eval/holdout3 --labels eval/holdout3/labels-second.csv
    .venv/bin/python eval/evaluate.py eval/holdout eval/holdout2 --pooled   # also one table over both

A set is a folder with `conversations/` (transcripts in any format cx-audit reads) and
`labels.csv` (`conversation_id` and one column per category id: pass, fail, or blank where the
category does not apply). Each conversation is scored with `--lang auto` over the built-in es and
en rulesets (or `-r`), and each labelled category is compared with the tool's verdict.
`--labels` (with one set) compares with another reading of the same conversations instead: a
second labeller's, or the consensus `agreement.py --consensus` writes.

"fail" is the positive class: precision is the share of the tool's fails a human also failed,
recall the share of the human fails the tool caught. A category the tool found nothing to judge
(n/a) counts as "not failed": a human fail there is a miss, never left out.

Blind sets (folders named `holdout*`) print figures only: neither the rules behind the
disagreements nor the conversations (`--list`) are shown for them, in markdown or JSON, since
reading either would make the set a development set. `--unblind` lifts that for a set that is
being retired into development data; once read, a set gets a `RETIRED.md` saying when and why,
and is shown in full from then on.

Target (issue 3): accuracy >= 0.90 in every category. The exit code is 0 when every category of
every set meets it, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from cx_audit.config import project_rulesets
from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.pipeline import Scorer
from cx_audit.render.records import result_record
from cx_audit.report.calibrate import calibrate, read_labels

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 0.90


def is_blind(folder: str) -> bool:
    """A `holdout*` folder, unless a RETIRED.md in it says it was read and is development data now."""
    return (os.path.basename(os.path.normpath(folder)).startswith("holdout")
            and not os.path.isfile(os.path.join(folder, "RETIRED.md")))


def find_sets(root: str) -> list[str]:
    return sorted(
        os.path.join(root, d) for d in os.listdir(root)
        if os.path.isfile(os.path.join(root, d, "labels.csv")) and os.path.isdir(os.path.join(root, d, "conversations"))
    ) + ([root] if os.path.isfile(os.path.join(root, "labels.csv")) else [])


def evaluate(folder: str, rulesets: list[str], labels_path: str | None = None) -> dict:
    scorer = Scorer(project_rulesets(rulesets, lang_auto=True), lang_auto=True)
    records = []
    errors = []
    for item in read_inputs([os.path.join(folder, "conversations")], LoadOptions(), InputStats()):
        if isinstance(item, InputError):
            errors.append(str(item))
            continue
        for result in scorer.score(item):
            record = result_record(result)
            for verdict in record["categories"].values():
                if verdict["passed"] is None:  # n/a: the tool raised nothing
                    verdict["passed"] = True
            records.append(record)
    labels, columns = read_labels(labels_path or os.path.join(folder, "labels.csv"))
    report = calibrate(records, labels, [c for c in columns if c != "overall"], top=8)
    report["disagreements"] = disagreements(records, labels, [c for c in columns if c != "overall"])
    report["set"] = os.path.relpath(folder) + (f" ({os.path.relpath(labels_path)})" if labels_path else "")
    report["input_errors"] = errors
    report["blind"] = is_blind(folder)
    return report


def figures_only(report: dict) -> dict:
    """A blind set's report without what would point at its conversations or rules."""
    return {k: v for k, v in report.items() if k not in ("rules", "disagreements")}


def disagreements(records: list[dict], labels: dict, columns: list[str]) -> dict[str, dict[str, list[str]]]:
    """{category: {"false_alarms": [ids], "misses": [ids]}}: which conversations to read when tuning
    on a development set (never on a blind one: reading them would make it a development set)."""
    by_id = {r["conversation_id"]: r for r in records}
    out: dict[str, dict[str, list[str]]] = {}
    for column in columns:
        fa, miss = [], []
        for cid, verdicts in labels.items():
            human = verdicts.get(column)
            verdict = (by_id.get(cid) or {}).get("categories", {}).get(column)
            if human is None or not verdict or verdict["passed"] is None:
                continue
            tool = not verdict["passed"]
            if tool and not human:
                fa.append(cid)
            elif human and not tool:
                miss.append(cid)
        out[column] = {"false_alarms": fa, "misses": miss}
    return out


def table(report: dict, list_ids: bool = False) -> str:
    lines = [
        f"**{report['set']}**: {report['matched']} of {report['labelled_conversations']} labelled conversations scored",
        "",
        "| category | labelled | accuracy | precision | recall | kappa |",
        "|---|---:|---:|---:|---:|---:|",
    ]

    def f(value):
        return "n/a" if value is None else f"{value:.3f}"

    for row in report["categories"]:
        mark = "" if row["agreement"] is None or row["agreement"] >= TARGET else " ✗"
        lines.append(f"| {row['category']} | {row['labelled']} | {f(row['agreement'])}{mark} | {f(row['precision'])} | {f(row['recall'])} | {f(row['kappa'])} |")
    a = report["all_categories"]
    lines.append(f"| **all** | {a['labelled']} | {f(a['agreement'])} | {f(a['precision'])} | {f(a['recall'])} | {f(a['kappa'])} |")
    if report.get("rules"):
        lines += ["", "Rules behind most disagreements: " + ", ".join(
            f"{r['rule']} ({r['false_alarms']} false alarms, {r['misses']} misses)" for r in report["rules"][:5])]
    if list_ids:  # never for a figures-only report: main() refuses --list for blind sets
        lines += ["", "Disagreements by conversation:"] + [
            f"- {category}: false alarms {', '.join(d['false_alarms']) or '-'}; misses {', '.join(d['misses']) or '-'}"
            for category, d in report["disagreements"].items() if d["false_alarms"] or d["misses"]]
    if report["not_in_results"] or report["input_errors"]:
        lines += ["", f"Not scored: {', '.join(report['not_in_results'])} {'; '.join(report['input_errors'])}"]
    return "\n".join(lines)


def wilson(right: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a share right/total (total > 0)."""
    share, spread = right / total, z * z / total
    centre = (share + spread / 2) / (1 + spread)
    half = z * ((share * (1 - share) + spread / 4) / total) ** 0.5 / (1 + spread)
    return max(0.0, centre - half), min(1.0, centre + half)


def pooled(reports: list[dict]) -> str:
    """One table over several sets: per category, the calls every set labelled and the share the
    tool got right, counted together (each set weighs by its labelled calls), with the 95% Wilson
    interval of that share. The interval treats calls as independent draws; calls of one
    conversation or one writer are not, so read it as the least uncertainty there is."""
    counts: dict[str, list[int]] = {}
    for report in reports:
        for row in report["categories"]:
            right_total = counts.setdefault(row["category"], [0, 0])
            right_total[0] += row["tp"] + row["tn"]
            right_total[1] += row["tp"] + row["tn"] + row["fp"] + row["fn"]
    counts["**all**"] = [sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())]
    lines = [f"**pooled over {len(reports)} sets**", "", "| category | labelled | accuracy | 95% interval |", "|---|---:|---:|---:|"]
    for category, (right, total) in counts.items():
        if total:
            low, high = wilson(right, total)
            lines.append(f"| {category} | {total} | {right / total:.3f} | {low:.3f}-{high:.3f} |")
        else:
            lines.append(f"| {category} | 0 | n/a | n/a |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="labelled set folders (default: every set under eval/)")
    parser.add_argument("-r", "--ruleset", action="append", default=[], help="ruleset name or file (default: es and en)")
    parser.add_argument("--labels", metavar="CSV", help="compare with these labels instead of the set's labels.csv (one set only)")
    parser.add_argument("--list", action="store_true", help="list the conversations behind each category's false alarms and misses (development sets only)")
    parser.add_argument("-f", "--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--unblind", action="store_true", help="show rules and conversations behind disagreements for blind (holdout*) sets too")
    parser.add_argument("--pooled", action="store_true", help="also print one table pooling the sets' labelled calls (markdown)")
    args = parser.parse_args()
    folders = args.sets or find_sets(HERE)
    if args.labels and len(folders) != 1:
        parser.error("--labels needs exactly one set")
    if args.list and not args.unblind and any(is_blind(f) for f in folders):
        parser.error("--list names the conversations behind disagreements; not for blind (holdout*) sets without --unblind")
    reports = [evaluate(folder, args.ruleset, args.labels) for folder in folders]
    if not args.unblind:
        reports = [figures_only(r) if r["blind"] else r for r in reports]
    if args.format == "json":
        print(json.dumps(reports, ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(table(r, args.list) for r in reports))
        if args.pooled:
            print("\n" + pooled(reports))
    below = [(r["set"], c["category"]) for r in reports for c in r["categories"] if c["agreement"] is not None and c["agreement"] < TARGET]
    if below:
        print(f"\nbelow the {TARGET:.2f} accuracy target: " + ", ".join(f"{s}:{c}" for s, c in below), file=sys.stderr)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
