"""`cx-audit calibrate` (against human labels) and `cx-audit compare` (two runs)."""

from __future__ import annotations

import json

import pytest

from cx_audit.report.calibrate import calibrate, kappa
from cx_audit.report.compare import compare

RULESET = "tests/data/core_ruleset.yaml"
INPUTS = ["tests/data/core/good.txt", "tests/data/core/bad.txt", "tests/data/core/calls.csv"]


def test_kappa_known_values():
    assert kappa(1, 0, 1, 1) == 0.4
    assert kappa(5, 0, 0, 5) == 1.0
    assert kappa(0, 5, 5, 0) == -1.0
    # 20 both fail, 5 tool only, 10 human only, 15 both pass: po = .7, pe = .5 -> .4
    assert kappa(20, 5, 10, 15) == 0.4
    assert kappa(0, 0, 0, 0) is None


def rec(cid, cats, passed=True, findings=()):
    return {
        "conversation_id": cid, "source": "x", "agent": "A", "ruleset": "r@1", "score": 50.0, "passed": passed,
        "auto_failed": False, "categories": {k: {"score": None if v is None else (100.0 if v else 0.0), "passed": v} for k, v in cats.items()},
        "findings": [{"rule": r, "category": c, "status": s} for r, c, s in findings], "metadata": {},
    }


def test_calibrate_counts_and_blame():
    records = [
        rec("1", {"emp": False}, findings=[("calm", "emp", "fail"), ("ack", "emp", "pass")]),  # tool fail, human fail
        rec("2", {"emp": False}, findings=[("calm", "emp", "fail")]),  # tool fail, human pass: false alarm
        rec("3", {"emp": True}, findings=[("ack", "emp", "pass"), ("calm", "emp", "pass")]),  # tool pass, human fail: miss
        rec("4", {"emp": True}),  # both pass
        rec("5", {"emp": None}),  # tool n/a: not counted
    ]
    labels = {"1": {"emp": True}, "2": {"emp": False}, "3": {"emp": True}, "4": {"emp": False}, "5": {"emp": True}, "6": {"emp": True}}
    report = calibrate(records, labels, ["emp"])
    emp = report["categories"][0]
    assert (emp["tp"], emp["fp"], emp["fn"], emp["tn"], emp["tool_na"]) == (1, 1, 1, 1, 1)
    assert emp["agreement"] == 0.5 and emp["precision"] == 0.5 and emp["recall"] == 0.5 and emp["kappa"] == 0.0
    assert report["not_in_results"] == ["6"] and report["matched"] == 5
    rules = {r["rule"]: r for r in report["rules"]}
    assert rules["calm"] == {"rule": "calm", "category": "emp", "false_alarms": 1, "misses": 1, "disagreements": 2}
    assert rules["ack"]["misses"] == 1 and rules["ack"]["false_alarms"] == 0
    assert report["rules"][0]["rule"] == "calm"


def test_calibrate_cli_on_saved_csv_and_json(cli, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "conversation_id,saying-no,empathy,courtesy,listening,overall\n"
        "bad,fail,fail,pass,fail,fail\ngood,pass,pass,pass,,pass\nc-100,pass,fail,pass,pass,pass\nnot-there,pass,,,,\n",
        encoding="utf-8",
    )
    for fmt in ("json", "csv"):
        saved = tmp_path / f"r.{fmt}"
        cli("score", *INPUTS, "-r", RULESET, "-f", fmt, "-o", str(saved))
        code, out, err = cli("calibrate", str(saved), "--labels", str(labels), "-f", "json", "-r", RULESET)
        assert code == 0, err
        doc = json.loads(out)
        cats = {c["category"]: c for c in doc["categories"]}
        assert cats["empathy"]["kappa"] == 0.4 and cats["empathy"]["recall"] == 0.5
        assert cats["saying-no"]["agreement"] == 1.0 and cats["overall"]["kappa"] == 1.0
        assert cats["listening"]["labelled"] == 2
        assert "1 labelled conversations are not in the results" in err
        rules = {r["rule"] for r in doc["rules"]}
        assert {"greeting", "interruptions"} <= rules
    code, out, _ = cli("calibrate", str(tmp_path / "r.json"), "-l", str(labels))
    assert "Tool vs human QA" in out and "Rules behind the disagreements" in out and "0.40" in out


def test_calibrate_rejects_bad_labels(cli, tmp_path):
    saved = tmp_path / "r.json"
    cli("score", *INPUTS, "-r", RULESET, "-f", "json", "-o", str(saved))
    bad = tmp_path / "labels.csv"
    bad.write_text("conversation_id,empathy\nbad,maybe\n")
    code, _, err = cli("calibrate", str(saved), "-l", str(bad))
    assert code == 2 and "labels.csv:2" in err and "neither pass nor fail" in err
    bad.write_text("id,empathy\nbad,pass\n")
    code, _, err = cli("calibrate", str(saved), "-l", str(bad))
    assert code == 2 and "conversation_id" in err


def crec(cid, agent, score, passed, cats, failed=(), ruleset="r@1"):
    return {
        "conversation_id": cid, "source": "x", "agent": agent, "ruleset": ruleset, "score": score, "passed": passed,
        "auto_failed": False, "categories": {k: {"score": v} for k, v in cats.items()}, "failed_rules": list(failed), "metadata": {},
    }


def test_compare_moves():
    old = [
        crec("1", "Ana", 80.0, True, {"emp": 80.0, "court": 100.0}),
        crec("2", "Ana", 60.0, False, {"emp": 40.0, "court": 100.0}, ["calm"]),
        crec("3", "Pedro", 90.0, True, {"emp": 100.0, "court": 80.0}),
        crec("gone", "Pedro", 10.0, False, {"emp": 0.0}),
    ]
    new = [
        crec("1", "Ana", 80.0, True, {"emp": 80.0, "court": 100.0}, ruleset="r@2"),
        crec("2", "Ana", 75.0, True, {"emp": 70.0, "court": 100.0}, ruleset="r@2"),
        crec("3", "Pedro", 50.0, False, {"emp": 100.0, "court": 0.0}, ["greet"], ruleset="r@2"),
        crec("new", "Luz", 100.0, True, {"emp": 100.0}, ruleset="r@2"),
    ]
    report = compare(old, new)
    assert report["in_both"] == 3 and report["only_in_old"] == 1 and report["only_in_new"] == 1
    assert report["score_changed"] == 2 and report["now_failing"] == 1 and report["now_passing"] == 1
    assert report["mean_delta"] == round((0 + 15 - 40) / 3, 2)
    first, second = report["conversations"]
    assert first["conversation_id"] == "3" and first["delta"] == -40.0 and first["now_failing"] == ["greet"]
    assert second["conversation_id"] == "2" and second["delta"] == 15.0 and second["no_longer_failing"] == ["calm"]
    agents = {a["agent"]: a for a in report["agents"]}
    assert agents["Pedro"]["delta"] == -40.0 and agents["Ana"]["delta"] == 7.5 and agents["Ana"]["new_pass_rate"] == 1.0
    cats = {c["category"]: c for c in report["categories"]}
    assert cats["court"]["delta"] == round((100 + 100 + 0) / 3 - (100 + 100 + 80) / 3, 2) and cats["emp"]["delta"] == 10.0


def test_compare_cli(cli, tmp_path):
    old, new = tmp_path / "old.jsonl", tmp_path / "new.csv"
    cli("score", *INPUTS, "-r", RULESET, "-f", "jsonl", "-o", str(old))
    ruleset = tmp_path / "rs.yaml"
    text = open(RULESET, encoding="utf-8").read().replace("version: 3", "version: 4")
    ruleset.write_text(text.replace("severity: minor\n", "severity: minor\n    enabled: false\n"), encoding="utf-8")  # drop greeting
    code, _, err = cli("score", *INPUTS, "-r", str(ruleset), "-f", "csv", "-o", str(new))
    assert code == 1, err
    code, out, _ = cli("compare", str(old), str(new), "-f", "json")
    assert code == 0
    doc = json.loads(out)
    moved = {c["conversation_id"]: c for c in doc["conversations"]}
    assert moved["bad"]["no_longer_failing"] == ["greeting"] and moved["bad"]["delta"] > 0
    assert {c["category"]: c["new"] for c in doc["categories"]}["courtesy"] is None
    code, out, _ = cli("compare", str(old), str(new))
    assert "Conversations that moved most" in out and "Pedro" in out


@pytest.mark.parametrize("cmd", ["summarize", "calibrate", "compare"])
def test_saved_results_with_hostile_text_show_literally(cli, tmp_path, cmd):
    hostile = "[bold red]x[/] \x1b[31m <script>"
    record = crec("c1", hostile, 50.0, False, {"emp": 50.0}, ["calm"])
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    labels = tmp_path / "l.csv"
    labels.write_text("conversation_id,emp\nc1,pass\n")
    args = {"summarize": [str(path)], "calibrate": [str(path), "-l", str(labels)], "compare": [str(path), str(path)]}[cmd]
    code, out, _ = cli(cmd, *args)
    assert code == 0
    assert "\x1b" not in out
    if cmd != "calibrate":
        assert "[bold red]x[/]" in out and "<script>" in out


def test_csv_category_scores_are_judged_by_the_category_pass_mark():
    """A CSV result carries category scores, not verdicts: a category with its own pass mark (the
    built-in listening passes at 90) is judged by it, as scoring did, not by --pass-mark."""
    records = [{"conversation_id": "1", "passed": True, "categories": {"listening": {"score": 85.0, "passed": None}, "empathy": {"score": 85.0, "passed": None}}}]
    labels = {"1": {"listening": True, "empathy": False}}
    plain = calibrate(records, labels, ["listening", "empathy"])
    assert [(c["category"], c["tp"], c["fn"], c["tn"]) for c in plain["categories"]] == [("listening", 0, 1, 0), ("empathy", 0, 0, 1)]
    marked = calibrate(records, labels, ["listening", "empathy"], category_marks={"listening": 90.0})
    assert [(c["category"], c["tp"], c["fn"], c["tn"]) for c in marked["categories"]] == [("listening", 1, 0, 0), ("empathy", 0, 0, 1)]
