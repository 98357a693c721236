"""Calibration: the tool's category verdicts against a human QA team's labels.

LABELS is a CSV with `conversation_id` and one column per category id holding `pass` or `fail`
(blank: not labelled); an optional `overall` column is compared with the conversation verdict.
"fail" is the positive class: precision is the share of the tool's fails that the humans also
failed, recall the share of the humans' fails that the tool caught. Cohen's kappa corrects the
agreement for chance.

A disagreement is blamed on rules: a false alarm (tool fail, human pass) on the category's rules
that failed; a miss (tool pass, human fail) on the category's rules that passed (JSON results
only: a CSV result lists failed rules, not passed ones).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from cx_audit.errors import CxAuditError

PASS_WORDS = {"pass", "passed", "ok", "yes", "y", "1", "true", "si", "sí", "cumple"}
FAIL_WORDS = {"fail", "failed", "no", "n", "0", "false", "ko", "no cumple"}
OVERALL = "overall"


def read_labels(path: str) -> tuple[dict[str, dict[str, bool]], list[str]]:
    """{conversation_id: {category: human_failed}} and the label columns, from LABELS.csv."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except OSError as err:
        raise CxAuditError(f"--labels {path}: cannot read: {err.strerror or err}") from err
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or "conversation_id" not in reader.fieldnames:
        raise CxAuditError(f"--labels {path}: needs a conversation_id column and one column per category")
    columns = [c for c in reader.fieldnames if c and c != "conversation_id"]
    labels: dict[str, dict[str, bool]] = {}
    for number, row in enumerate(reader, start=2):
        cid = (row.get("conversation_id") or "").strip()
        if not cid:
            continue
        verdicts = {}
        for column in columns:
            value = (row.get(column) or "").strip().lower()
            if not value:
                continue
            if value in FAIL_WORDS:
                verdicts[column] = True
            elif value in PASS_WORDS:
                verdicts[column] = False
            else:
                raise CxAuditError(f"--labels {path}:{number}: column {column}: '{row.get(column)}' is neither pass nor fail")
        labels[cid] = verdicts
    return labels, columns


def kappa(tp: int, fp: int, fn: int, tn: int) -> float | None:
    n = tp + fp + fn + tn
    if not n:
        return None
    observed = (tp + tn) / n
    expected = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
    if expected >= 1:
        return 1.0 if observed == 1 else None
    return round((observed - expected) / (1 - expected), 4)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _tool_failed(record: dict[str, Any], column: str, pass_mark: float, category_marks: dict[str, float]) -> bool | None:
    if column == OVERALL:
        return not record.get("passed")
    cat = (record.get("categories") or {}).get(column)
    if not isinstance(cat, dict):
        return None
    if cat.get("passed") is not None:
        return not cat["passed"]
    if cat.get("score") is None:
        return None
    return cat["score"] < category_marks.get(column, pass_mark)


def _rules_by_status(record: dict[str, Any], column: str, status: str, rule_category: dict[str, str]) -> list[str]:
    findings = record.get("findings")
    if findings is not None:
        return list(dict.fromkeys(f["rule"] for f in findings if f.get("status") == status and (column == OVERALL or f.get("category") == column)))
    if status != "fail":
        return []
    return [r for r in record.get("failed_rules") or [] if column == OVERALL or rule_category.get(r) == column]


def calibrate(
    records: list[dict[str, Any]],
    labels: dict[str, dict[str, bool]],
    columns: list[str],
    pass_mark: float = 70.0,
    top: int = 10,
    rule_categories: dict[str, str] | None = None,
    category_marks: dict[str, float] | None = None,
) -> dict[str, Any]:
    """`rule_categories` (rule id -> category) lets a CSV result blame its failed rules;
    `category_marks` (category id -> its own pass mark) judge its category scores in place of
    `pass_mark`, as scoring did."""
    marks = dict(category_marks or {})
    by_id: dict[str, dict[str, Any]] = {}
    duplicates = 0
    for r in records:
        if r["conversation_id"] in by_id:
            duplicates += 1
            continue
        by_id[r["conversation_id"]] = r
    rule_category: dict[str, str] = dict(rule_categories or {})
    for r in records:
        for f in r.get("findings") or []:
            rule_category.setdefault(f["rule"], f.get("category"))
    matched = [cid for cid in labels if cid in by_id]
    missing = [cid for cid in labels if cid not in by_id]
    per_category = []
    blame: dict[str, Counter] = {"false_alarm": Counter(), "miss": Counter()}
    rule_cat: dict[str, str] = {}
    total = Counter()
    for column in columns:
        counts = Counter()
        for cid in matched:
            human = labels[cid].get(column)
            if human is None:
                continue
            tool = _tool_failed(by_id[cid], column, pass_mark, marks)
            if tool is None:
                counts["tool_na"] += 1
                continue
            key = {(True, True): "tp", (True, False): "fp", (False, True): "fn", (False, False): "tn"}[(tool, human)]
            counts[key] += 1
            if key == "fp":
                for rule in _rules_by_status(by_id[cid], column, "fail", rule_category):
                    blame["false_alarm"][rule] += 1
                    rule_cat.setdefault(rule, rule_category.get(rule) or column)
            elif key == "fn":
                for rule in _rules_by_status(by_id[cid], column, "pass", rule_category):
                    blame["miss"][rule] += 1
                    rule_cat.setdefault(rule, rule_category.get(rule) or column)
        tp, fp, fn, tn = (counts[k] for k in ("tp", "fp", "fn", "tn"))
        if column != OVERALL:
            total.update({"tp": tp, "fp": fp, "fn": fn, "tn": tn})
        n = tp + fp + fn + tn
        per_category.append({
            "category": column,
            "labelled": n,
            "tool_na": counts["tool_na"],
            "agreement": _ratio(tp + tn, n),
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
            "kappa": kappa(tp, fp, fn, tn),
            "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        })
    rules = []
    for rule in set(blame["false_alarm"]) | set(blame["miss"]):
        fa, miss = blame["false_alarm"][rule], blame["miss"][rule]
        rules.append({"rule": rule, "category": rule_cat.get(rule), "false_alarms": fa, "misses": miss, "disagreements": fa + miss})
    rules.sort(key=lambda r: (-r["disagreements"], r["rule"]))
    tp, fp, fn, tn = (total[k] for k in ("tp", "fp", "fn", "tn"))
    n = tp + fp + fn + tn
    return {
        "labelled_conversations": len(labels),
        "matched": len(matched),
        "not_in_results": missing,
        "duplicate_results": duplicates,
        "categories": per_category,
        "all_categories": {
            "labelled": n, "agreement": _ratio(tp + tn, n), "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn), "kappa": kappa(tp, fp, fn, tn), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        },
        "rules": rules[:top],
    }
