"""Aggregation by group (`score --group-by`, `summarize`) on a small hand-made result set."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cx_audit.report.aggregate import aggregate, source_file
from cx_audit.report.results_file import load_results
from cx_audit.errors import CxAuditError

RULESET = "tests/data/core_ruleset.yaml"
INPUTS = ["tests/data/core/good.txt", "tests/data/core/bad.txt", "tests/data/core/calls.csv"]


def rec(cid, agent, score, passed, auto=False, team="T1", date="2026-01-12", cats=None, failed=(), source="x.jsonl:1"):
    return {
        "conversation_id": cid,
        "source": source,
        "agent": agent,
        "score": score,
        "passed": passed,
        "auto_failed": auto,
        "categories": {k: {"score": v} for k, v in (cats or {}).items()},
        "failed_rules": list(failed),
        "metadata": {"team": team, "date": date},
    }


RECORDS = [
    rec("a1", "Ana", 100.0, True, cats={"empathy": 100.0, "courtesy": 100.0}),
    rec("a2", "Ana", 60.0, False, cats={"empathy": 50.0, "courtesy": None}, failed=["greeting", "calm"], date="2026-01-18"),
    rec("a3", "Ana", 80.0, True, cats={"empathy": 100.0, "courtesy": 60.0}, failed=["greeting"], date="2026-01-19"),
    rec("p1", "Pedro", 10.0, False, auto=True, team="T2", cats={"empathy": 0.0, "courtesy": 20.0}, failed=["calm", "greeting", "calm"]),
    rec("n1", None, None, True, team="", date="", cats={"empathy": None, "courtesy": None}),
]


def test_groups_by_agent():
    report = aggregate(RECORDS, ["agent"])
    groups = {g["group"]["agent"]: g for g in report["groups"]}
    assert list(groups) == ["(none)", "Ana", "Pedro"]
    ana = groups["Ana"]
    assert ana["count"] == 3
    assert ana["mean_score"] == 80.0 and ana["median_score"] == 80.0
    assert ana["pass_rate"] == round(2 / 3, 4) and ana["passed"] == 2 and ana["failed"] == 1
    assert ana["auto_failed"] == 0
    assert ana["categories"] == {"empathy": round(250 / 3, 2), "courtesy": 80.0}  # n/a left out of the mean
    assert ana["top_failed_rules"][0] == {"rule": "greeting", "conversations": 2}
    pedro = groups["Pedro"]
    assert pedro["auto_failed"] == 1 and pedro["pass_rate"] == 0.0
    # A rule failing twice in one conversation counts once; ties sorted by rule id.
    assert pedro["top_failed_rules"] == [{"rule": "calm", "conversations": 1}, {"rule": "greeting", "conversations": 1}]
    none = groups["(none)"]
    assert none["mean_score"] is None and none["categories"] == {"empathy": None, "courtesy": None}
    total = report["total"]
    assert total["count"] == 5 and total["mean_score"] == 62.5 and total["median_score"] == 70.0


def test_groups_by_iso_week_and_team():
    report = aggregate(RECORDS, ["week", "team"])
    keys = [(g["group"]["week"], g["group"]["team"], g["count"]) for g in report["groups"]]
    # 2026-01-12 is the Monday of ISO week 3; 2026-01-18 is its Sunday; 2026-01-19 starts week 4.
    assert keys == [("(none)", "(none)", 1), ("2026-W03", "T1", 2), ("2026-W03", "T2", 1), ("2026-W04", "T1", 1)]


def test_iso_week_across_new_year():
    report = aggregate([rec("x", "A", 50, False, date="2027-01-01T10:00:00"), rec("y", "A", 50, False, date="2026-12-28")], ["week", "date"])
    assert [(g["group"]["week"], g["group"]["date"]) for g in report["groups"]] == [("2026-W53", "2026-12-28"), ("2026-W53", "2027-01-01")]


def test_source_file():
    assert source_file("calls.jsonl:12") == "calls.jsonl"
    assert source_file("dump.json#3") == "dump.json"
    assert source_file("a/b.txt") == "a/b.txt"


def test_unknown_group_key():
    with pytest.raises(ValueError):
        aggregate(RECORDS, ["colour"])


def test_score_group_by_csv_and_json(cli):
    code, out, err = cli("score", *INPUTS, "-r", RULESET, "-g", "team", "-f", "csv")
    assert code == 1
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["team"] for r in rows] == ["Bogotá", "Lima", "Madrid"]
    assert rows[1]["auto_failed"] == "1" and rows[1]["mean_score"] == "10"
    assert "3 scored" in err
    code, out, _ = cli("score", *INPUTS, "-r", RULESET, "-g", "agent", "-g", "week", "-f", "json")
    doc = json.loads(out)
    assert doc["group_by"] == ["agent", "week"]
    assert {(g["group"]["agent"], g["group"]["week"]) for g in doc["groups"]} == {("Ana", "2026-W03"), ("Laura", "2026-W03"), ("Pedro", "2026-W04")}
    assert doc["total"]["count"] == 3 and doc["summary"]["scored"] == 3


def test_score_group_by_table_and_bad_format(cli):
    code, out, _ = cli("score", *INPUTS, "-r", RULESET, "--group-by", "agent")
    assert "Pedro" in out and "calm-down (1)" in out and "all" in out
    code, _, err = cli("score", *INPUTS, "-r", RULESET, "-g", "agent", "-f", "jsonl")
    assert code == 2 and "--group-by writes" in err


def test_csv_appends_metadata_columns(cli):
    _, out, _ = cli("score", *INPUTS, "-r", RULESET, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[-4:] == ["failed_rules", "team", "queue", "date"]
    by_id = {r["conversation_id"]: r for r in rows}
    assert by_id["c-100"]["queue"] == "facturas" and by_id["good"]["date"] == "2026-01-12"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_summarize_reads_every_saved_format(cli, tmp_path, fmt):
    saved = tmp_path / f"results.{fmt}"
    cli("score", *INPUTS, "-r", RULESET, "-f", fmt, "-o", str(saved))
    records = load_results(str(saved))
    assert {r["conversation_id"] for r in records} == {"good", "bad", "c-100"}
    code, out, _ = cli("summarize", str(saved), "-g", "week", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    weeks = {g["group"]["week"]: g for g in doc["groups"]}
    assert weeks["2026-W03"]["count"] == 2 and weeks["2026-W03"]["mean_score"] == 90.0
    assert weeks["2026-W04"]["top_failed_rules"][0]["rule"] == "acknowledge"
    assert weeks["2026-W03"]["categories"]["listening"] == 50.0


def test_summarize_rejects_other_files(cli, tmp_path):
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n")
    code, _, err = cli("summarize", str(other))
    assert code == 2 and "not a cx-audit result" in err
    with pytest.raises(CxAuditError):
        load_results(str(tmp_path / "missing.json"))
