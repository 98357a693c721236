"""The evaluation scripts under eval/: the figures the README's quality tables come from."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "conversation_id,empathy,ownership,saying-no,listening,promises,escalation\n"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, check=False)


def write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_agreement_counts_a_fail_against_a_blank_as_a_dispute_and_a_pass_against_a_blank_as_agreement(tmp_path):
    first = write(tmp_path / "a.csv", [
        "c1,fail,pass,,pass,,",
        "c2,pass,pass,fail,fail,,",
        "c3,pass,,,pass,pass,fail",
        "c4,fail,fail,,pass,,",
    ])
    second = write(tmp_path / "b.csv", [
        "c1,fail,,,pass,,",          # ownership pass against blank: agreement
        "c2,pass,pass,,pass,,",      # saying-no fail against blank, listening fail against pass: disputes
        "c3,pass,,,pass,pass,fail",
        "c4,pass,fail,,pass,,",      # empathy: dispute
        "c5,pass,pass,,pass,,",      # only in the second file
    ])
    out = tmp_path / "consensus.csv"
    done = run("eval/agreement.py", str(first), str(second), "-f", "json", "--consensus", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    cats = {r["category"]: r for r in report["categories"]}
    assert report["conversations"] == 4 and report["only_in_second"] == ["c5"]
    assert (cats["empathy"]["compared"], cats["empathy"]["agreement"], cats["empathy"]["disputed"]) == (4, 0.75, ["c4"])
    assert (cats["ownership"]["compared"], cats["ownership"]["agreement"]) == (3, 1.0)
    assert (cats["saying-no"]["first_only"], cats["saying-no"]["disputed"]) == (1, ["c2"])
    assert cats["listening"]["first_only"] == 1 and cats["listening"]["agreement"] == 0.75
    assert cats["promises"]["compared"] == 1 and cats["escalation"]["both_fail"] == 1
    assert report["all_categories"]["compared"] == 4 + 3 + 1 + 4 + 1 + 1
    rows = {r["conversation_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert list(rows) == ["c1", "c2", "c3", "c4"]
    assert rows["c4"]["empathy"] == "" and rows["c4"]["ownership"] == "fail"   # disputed -> blank
    assert rows["c2"]["saying-no"] == "" and rows["c2"]["listening"] == ""
    assert rows["c1"]["ownership"] == "pass" and rows["c1"]["empathy"] == "fail"
    assert rows["c3"]["saying-no"] == ""                                       # neither labelled


def test_agreement_rejects_a_bad_label_naming_file_and_line(tmp_path):
    first = write(tmp_path / "a.csv", ["c1,fail,pass,,pass,,"])
    second = write(tmp_path / "b.csv", ["c1,maybe,pass,,pass,,"])
    done = run("eval/agreement.py", str(first), str(second))
    assert done.returncode == 2 and f"{second}:2" in done.stderr and "maybe" in done.stderr


def test_evaluate_compares_the_tool_with_other_labels_when_given(tmp_path):
    conversations = tmp_path / "set" / "conversations"
    conversations.mkdir(parents=True)
    (conversations / "x1.txt").write_text(
        "Agente: Buenos días, le atiende Laura.\n"
        "Cliente: Quiero devolver el pedido.\n"
        "Agente: No se puede. Es lo que hay.\n", encoding="utf-8")
    write(tmp_path / "set" / "labels.csv", ["x1,,,fail,,,"])
    other = write(tmp_path / "other.csv", ["x1,,,pass,,,"])
    own = run("eval/evaluate.py", str(tmp_path / "set"), "-f", "json")
    against_other = run("eval/evaluate.py", str(tmp_path / "set"), "--labels", str(other), "-f", "json")
    saying_no = next(c for c in json.loads(own.stdout)[0]["categories"] if c["category"] == "saying-no")
    assert (saying_no["tp"], saying_no["agreement"]) == (1, 1.0) and own.returncode == 0
    saying_no = next(c for c in json.loads(against_other.stdout)[0]["categories"] if c["category"] == "saying-no")
    assert (saying_no["fp"], saying_no["agreement"]) == (1, 0.0) and against_other.returncode == 1
    assert json.loads(against_other.stdout)[0]["disagreements"]["saying-no"] == {"false_alarms": ["x1"], "misses": []}
    listed = run("eval/evaluate.py", str(tmp_path / "set"), "--labels", str(other), "--list")
    assert "- saying-no: false alarms x1; misses -" in listed.stdout
    two_sets = run("eval/evaluate.py", str(tmp_path / "set"), str(tmp_path / "set"), "--labels", str(other))
    assert two_sets.returncode == 2 and "exactly one set" in two_sets.stderr



def test_evaluate_pools_the_labelled_calls_of_several_sets(tmp_path):
    for name, text, label in (("a", "Agente: No se puede. Es lo que hay.\n", "fail"), ("b", "Agente: Le ayudo ahora mismo.\n", "fail")):
        conversations = tmp_path / name / "conversations"
        conversations.mkdir(parents=True)
        (conversations / f"{name}1.txt").write_text("Cliente: Quiero devolver el pedido.\n" + text, encoding="utf-8")
        write(tmp_path / name / "labels.csv", [f"{name}1,,,{label},,,"])
    done = run("eval/evaluate.py", str(tmp_path / "a"), str(tmp_path / "b"), "--pooled")
    pooled = done.stdout.split("**pooled over 2 sets**")[1]
    # the tool fails saying-no in a (right) and not in b (a miss): one of two calls right
    assert "| saying-no | 2 | 0.500 | 0.095-0.905 |" in pooled and "| **all** | 2 | 0.500 | 0.095-0.905 |" in pooled


def test_evaluate_gives_the_wilson_interval_of_an_accuracy():
    sys.path.insert(0, str(ROOT / "eval"))
    try:
        from evaluate import wilson
    finally:
        sys.path.pop(0)
    # textbook values: 90 of 100 right is 0.826-0.945; all or none right stays inside 0-1
    assert [round(x, 3) for x in wilson(90, 100)] == [0.826, 0.945]
    assert [round(x, 3) for x in wilson(0, 10)] == [0.0, 0.278]
    assert [round(x, 3) for x in wilson(10, 10)] == [0.722, 1.0]


def test_evaluate_shows_only_figures_for_a_blind_set(tmp_path):
    conversations = tmp_path / "holdout99" / "conversations"
    conversations.mkdir(parents=True)
    (conversations / "h1.txt").write_text("Cliente: Quiero devolver el pedido.\nAgente: No se puede. Es lo que hay.\n", encoding="utf-8")
    write(tmp_path / "holdout99" / "labels.csv", ["h1,,,pass,,,"])   # a false alarm the table must not explain
    blind = run("eval/evaluate.py", str(tmp_path / "holdout99"))
    assert "| saying-no | 1 | 0.000 ✗" in blind.stdout and "flat-refusal" not in blind.stdout
    as_json = json.loads(run("eval/evaluate.py", str(tmp_path / "holdout99"), "-f", "json").stdout)[0]
    assert as_json["blind"] is True and "rules" not in as_json and "disagreements" not in as_json
    listed = run("eval/evaluate.py", str(tmp_path / "holdout99"), "--list")
    assert listed.returncode == 2 and "blind" in listed.stderr
    unblinded = run("eval/evaluate.py", str(tmp_path / "holdout99"), "--list", "--unblind")
    assert "flat-refusal" in unblinded.stdout and "- saying-no: false alarms h1" in unblinded.stdout
    (tmp_path / "holdout99" / "RETIRED.md").write_text("Read while version 9 was made.\n", encoding="utf-8")
    retired = run("eval/evaluate.py", str(tmp_path / "holdout99"), "--list")  # read once: development data since
    assert retired.returncode == 1 and "flat-refusal" in retired.stdout and "- saying-no: false alarms h1" in retired.stdout


def test_lexicon_scores_each_reply_against_its_behaviour_and_keeps_the_test_half_unread(tmp_path):
    lexicon = tmp_path / "es-t.tsv"
    lexicon.write_text(
        "t1\trefusal\tbreach\tQuiero devolver el pedido.\tNo se puede. Es lo que hay.\n"
        "t2\trefusal\tfine\tQuiero devolver el pedido.\tNo se preocupe, lo devuelvo yo ahora mismo.\n"
        "t3\tblame\tbreach\tNo me ha llegado el pedido.\tEso le pasa por no leer las condiciones.\n"
        "t4\trefusal\tfine\tQuiero devolver el pedido.\tNo podemos devolverlo porque pasaron 60 días, pero lo que sí puedo hacer es cambiárselo por otro.\n"
        "t5\trefusal\tfine\tQuiero devolver el pedido.\tNo se puede.\n"       # labelled fine, the tool fails it
        "t6\tbogus\tfine\ta\tb\n"
        "t7\trefusal\tbreach\tonly four fields\n", encoding="utf-8")
    done = run("eval/lexicon.py", str(lexicon), "-f", "json")
    assert done.returncode == 1
    assert "es-t.tsv:6: unknown behaviour 'bogus'" in done.stderr
    assert "es-t.tsv:7: expected 5 tab-separated fields, found 4" in done.stderr
    assert "5 entries measured, 2 lines rejected" in done.stderr
    rows = {(s["language"], s["behaviour"]): s for s in json.loads(done.stdout)["summary"]}
    assert (rows["es", "refusal"]["caught"], rows["es", "refusal"]["breaches"]) == (1, 1)
    assert (rows["es", "refusal"]["held"], rows["es", "refusal"]["fines"]) == (2, 3)   # t4: the category passes on the credit it earns
    assert rows["es", "blame"]["caught"] == 1 and rows["es", "all"]["entries"] == 5
    dev = json.loads(run("eval/lexicon.py", str(lexicon), "--half", "dev", "-f", "json").stdout)
    assert dev["summary"][-1]["entries"] == 3                         # t1, t3, t5: odd ids
    listed = run("eval/lexicon.py", str(lexicon), "--half", "dev", "--list")
    assert "t5 refusal: false alarm (" in listed.stdout and "t2" not in listed.stdout
    refused = run("eval/lexicon.py", str(lexicon), "--list")
    assert refused.returncode == 2 and "only the dev half" in refused.stderr


def test_twitter_probe_writes_one_transcript_per_conversation_and_names_a_bad_record(tmp_path):
    records = [
        {"dialogHeader": {"company": "AcmeCare"},
         "dialogContent": [{"client": "ann", "message": "@AcmeCare my parcel never came\nplease help"},
                           {"agent": "AcmeCare", "message": "@ann Sorry to hear that! Which order?"}],
         "agentURL": {"url_utterance": "@ann Here's how to claim: https://acme.example/claim"}},
        {"dialogContent": []},                                    # no header: not a conversation record
    ]
    source = tmp_path / "dev.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    done = run("eval/twitter_probe.py", str(source), "-o", str(tmp_path / "out"))
    assert done.returncode == 0 and f"{source}#1: not a conversation record" in done.stderr
    assert "1 transcripts written" in done.stderr
    assert (tmp_path / "out" / "dev-0000-AcmeCare.txt").read_text(encoding="utf-8") == (
        "# channel: chat\n# language: en\n"
        "Customer: my parcel never came please help\n"
        "Agent: Sorry to hear that! Which order?\n"
        "Agent: Here's how to claim: https://acme.example/claim\n")


def test_ruleset_size_counts_regexes_and_phrases_once_per_rule_that_uses_them(tmp_path):
    ruleset = tmp_path / "r.yaml"
    ruleset.write_text(
        "rules:\n"
        "  - {id: a, regex: &shared ['x', 'y'], phrases: [p1], unless: [u1]}\n"
        "  - {id: b, trigger: {regex: *shared, phrases: [t1], unless: [not-counted]}, phrases: [p2, p3]}\n",
        encoding="utf-8")
    done = run("eval/ruleset_size.py", str(ruleset))
    assert done.returncode == 0 and f"{ruleset}: 4 regex entries, 5 phrases" in done.stdout
