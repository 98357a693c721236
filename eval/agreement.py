"""How far two human labellers agree on the same conversations, category by category.

    .venv/bin/python eval/agreement.py eval/holdout3/labels.csv eval/holdout3/labels-second.csv
    .venv/bin/python eval/agreement.py A.csv B.csv --consensus eval/holdout3/labels-consensus.csv

Both files have the layout of a set's `labels.csv` (`conversation_id`, one column per category:
pass, fail, or blank where the category does not apply). As in `evaluate.py`, "fail" is the
positive class and blank counts as "not failed": a category is compared wherever either labeller
labelled it, and a fail against a blank is a disagreement, a pass against a blank is not.

The agreement of two careful readers is the ceiling any tool's accuracy against one of them can
be trusted to: a tool at 0.90 against labels that a second reader shares at 0.85 is measured
within the readers' own noise. `--consensus OUT` writes the labels both readers share (blank
where they disagree on fail), for `evaluate.py SET --labels OUT`: the tool against the calls that
are not in dispute.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

from cx_audit.errors import CxAuditError
from cx_audit.report.calibrate import kappa, read_labels


def compare(first: dict, second: dict, columns: list[str]) -> dict:
    """Per-category agreement of two label sets ({id: {category: failed}}) on the ids both hold."""
    shared = [cid for cid in first if cid in second]
    rows = []
    total = {"both_fail": 0, "first_only": 0, "second_only": 0, "neither": 0}
    for column in columns:
        counts = dict.fromkeys(total, 0)
        disputed = []
        for cid in shared:
            a, b = first[cid].get(column), second[cid].get(column)
            if a is None and b is None:
                continue
            key = {(True, True): "both_fail", (True, False): "first_only",
                   (False, True): "second_only", (False, False): "neither"}[(bool(a), bool(b))]
            counts[key] += 1
            if key in ("first_only", "second_only"):
                disputed.append(cid)
        rows.append(_row(column, counts) | {"disputed": disputed})
        for key in total:
            total[key] += counts[key]
    return {
        "conversations": len(shared),
        "only_in_first": [cid for cid in first if cid not in second],
        "only_in_second": [cid for cid in second if cid not in first],
        "categories": rows,
        "all_categories": _row("all", total),
    }


def _row(column: str, c: dict) -> dict:
    n = sum(c.values())
    return {
        "category": column,
        "compared": n,
        "agreement": round((c["both_fail"] + c["neither"]) / n, 4) if n else None,
        "kappa": kappa(c["both_fail"], c["first_only"], c["second_only"], c["neither"]),
        **c,
    }


def consensus(first: dict, second: dict, columns: list[str]) -> list[dict[str, str]]:
    """Rows of a labels.csv holding the calls both readers share: fail where both failed, pass
    where neither did and one at least labelled, blank where they disagree or neither labelled."""
    rows = []
    for cid in first:
        if cid not in second:
            continue
        row = {"conversation_id": cid}
        for column in columns:
            a, b = first[cid].get(column), second[cid].get(column)
            if a is None and b is None or bool(a) != bool(b):
                row[column] = ""
            else:
                row[column] = "fail" if a else "pass"
        rows.append(row)
    return rows


def table(report: dict, names: tuple[str, str]) -> str:
    def f(value):
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"**{names[0]}** against **{names[1]}**: {report['conversations']} conversations in both",
        "",
        "| category | compared | agreement | kappa | both fail | first only | second only |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["categories"] + [report["all_categories"]]:
        name = "**all**" if r is report["all_categories"] else r["category"]
        lines.append(f"| {name} | {r['compared']} | {f(r['agreement'])} | {f(r['kappa'])} | {r['both_fail']} | {r['first_only']} | {r['second_only']} |")
    disputed = [f"{r['category']}: {', '.join(r['disputed'])}" for r in report["categories"] if r["disputed"]]
    if disputed:
        lines += ["", "Disputed (one reader failed, the other did not):", *(f"- {d}" for d in disputed)]
    for key, name in (("only_in_first", names[0]), ("only_in_second", names[1])):
        if report[key]:
            lines += ["", f"Only in {name}: {', '.join(report[key])}"]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", help="labels.csv of the first reader")
    parser.add_argument("second", help="labels.csv of the second reader")
    parser.add_argument("--consensus", metavar="OUT", help="write the labels both readers share to OUT")
    parser.add_argument("-f", "--format", choices=("markdown", "json"), default="markdown")
    args = parser.parse_args()
    try:
        first, first_columns = read_labels(args.first)
        second, second_columns = read_labels(args.second)
    except CxAuditError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    columns = [c for c in first_columns if c in second_columns and c != "overall"]
    missing = [c for c in first_columns + second_columns if c not in columns and c != "overall"]
    if missing:
        print(f"error: category columns in only one file: {', '.join(dict.fromkeys(missing))}", file=sys.stderr)
        return 2
    report = compare(first, second, columns)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(table(report, (args.first, args.second)))
    if args.consensus:
        with open(args.consensus, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["conversation_id", *columns], lineterminator="\n")
            writer.writeheader()
            writer.writerows(consensus(first, second, columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
