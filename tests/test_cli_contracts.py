"""The command line's contracts: output formats (golden files), exit codes, stdout vs stderr.

Regenerate the golden files after a deliberate contract change with
`CX_AUDIT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_cli_contracts.py`, then read the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORE, ROOT

GOLDEN = ROOT / "tests" / "golden"
RULESET = "tests/data/core_ruleset.yaml"
INPUTS = ["tests/data/core/good.txt", "tests/data/core/bad.txt", "tests/data/core/calls.csv"]


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CX_AUDIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; see the module docstring"


@pytest.mark.parametrize("fmt,name", [("csv", "core.csv"), ("json", "core.json"), ("jsonl", "core.jsonl")])
def test_golden_outputs(cli, fmt, name):
    code, out, err = cli("score", *INPUTS, "-r", RULESET, "-f", fmt)
    assert code == 1  # bad.txt fails
    check_golden(name, out)
    assert "3 conversations, 3 scored, 1 failed, 0 errors" in err


def test_golden_details_csv(cli):
    code, out, _ = cli("score", *INPUTS, "-r", RULESET, "-f", "csv", "--details")
    check_golden("core_details.csv", out)


def test_csv_columns_are_the_contract(cli):
    _, out, _ = cli("score", *INPUTS, "-r", RULESET, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [
        "conversation_id", "source", "agent", "language", "ruleset", "score", "passed", "auto_failed",
        "saying-no", "empathy", "courtesy", "listening", "failed_rules", "team", "queue", "date",
    ]
    by_id = {r["conversation_id"]: r for r in rows}
    assert by_id["good"]["passed"] == "true" and by_id["good"]["agent"] == "Laura"
    assert by_id["bad"]["auto_failed"] == "true"
    assert set(by_id["bad"]["failed_rules"].split()) >= {"flat-refusal", "calm-down", "greeting", "acknowledge"}
    assert by_id["c-100"]["ruleset"] == "core-test@3"


def test_json_shape(cli):
    _, out, _ = cli("score", *INPUTS, "-r", RULESET, "-f", "json")
    doc = json.loads(out)
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "cx-audit"
    assert doc["summary"] == {"inputs": 3, "conversations": 3, "scored": 3, "failed": 1, "errors": 0, "skipped": 0}
    result = doc["results"][0]
    for key in ("conversation_id", "source", "agent", "language", "ruleset", "score", "passed", "auto_failed", "categories", "findings"):
        assert key in result
    bad = next(r for r in doc["results"] if r["conversation_id"] == "bad")
    finding = next(f for f in bad["findings"] if f["rule"] == "calm-down")
    assert finding["status"] == "fail" and finding["turn"] == 3 and finding["match"] == "Cálmese"
    assert finding["tip"].startswith("Reconozca")


def test_formula_cells_are_neutralised(cli, tmp_path):
    calls = tmp_path / "calls.csv"
    calls.write_text('conversation_id,speaker,text,agent\n=cmd,agent,"=HYPERLINK(""http://x"") no podemos",@boss\n')
    _, out, _ = cli("score", str(calls), "-r", RULESET, "-f", "csv", "--details")
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)


def test_corrupt_file_is_reported_and_the_rest_still_score(cli):
    code, out, err = cli("score", "tests/data/core", "-r", RULESET, "-f", "json")
    doc = json.loads(out)
    assert code == 2
    assert sorted(r["conversation_id"] for r in doc["results"]) == ["bad", "c-100", "good"]
    (error,) = doc["errors"]
    assert error["source"] == "tests/data/core/corrupt.json" and error["line"] == 2
    assert doc["summary"]["errors"] == 1 and doc["summary"]["scored"] == 3
    assert "cx-audit: error: tests/data/core/corrupt.json:2:" in err
    # the counts add up: every input is read or reported
    assert doc["summary"]["inputs"] == 4


def test_exit_codes(cli, tmp_path):
    assert cli("score", "tests/data/core/good.txt", "-r", RULESET)[0] == 0
    assert cli("score", "tests/data/core/bad.txt", "-r", RULESET)[0] == 1
    assert cli("score", "tests/data/core/bad.txt", "-r", RULESET, "--exit-zero")[0] == 0
    assert cli("score", "tests/data/core/good.txt", "-r", RULESET, "--fail-under", "101")[0] == 2  # out of range: usage
    assert cli("score", "tests/data/core/good.txt", "tests/data/core/corrupt.json", "-r", RULESET, "--exit-zero")[0] == 2
    assert cli("score", "missing.txt", "-r", RULESET)[0] == 2
    assert cli("score", "tests/data/core/good.txt", "-r", "nonexistent")[0] == 2
    assert cli("score", "tests/data/core/good.txt", "-r", RULESET, "-f", "yaml")[0] == 2


def test_fail_under_turns_a_pass_into_exit_1(cli):
    code, out, _ = cli("score", "tests/data/core/calls.csv", "-r", RULESET, "-f", "csv", "--exit-zero")
    score = float(list(csv.DictReader(io.StringIO(out)))[0]["score"])
    assert cli("score", "tests/data/core/calls.csv", "-r", RULESET, "--fail-under", str(score + 1))[0] == 1
    assert cli("score", "tests/data/core/calls.csv", "-r", RULESET, "--fail-under", str(score - 1))[0] in (0, 1)


def test_bad_ruleset_gives_located_errors_and_exit_2(cli, tmp_path):
    bad = tmp_path / "team.yaml"
    bad.write_text(
        "id: t\nlanguage: es\ncategories: {saying-no: {}}\nrules:\n"
        "  - id: r\n    category: saying-no\n    kind: forbid\n    message: m\n    tip: t\n    source: s\n"
        "    phrases:\n      - no\n    unles: [x]\n    regex: ['(a']\n"
    )
    for command in (["rules", "validate", str(bad)], ["score", "tests/data/core/good.txt", "-r", str(bad)]):
        code, out, err = cli(*command)
        assert code == 2 and out == ""
        assert f"{bad}:12:9:" in err and f"{bad}:13:5:" in err and f"{bad}:14:14:" in err


def test_output_file_is_written_whole_and_inputs_are_never_overwritten(cli, tmp_path):
    target = tmp_path / "scores.csv"
    code, out, _ = cli("score", *INPUTS, "-r", RULESET, "-f", "csv", "-o", str(target))
    assert out == "" and target.read_text().startswith("conversation_id,")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cx-audit-")]
    code, _, err = cli("score", "tests/data/core/good.txt", "-r", RULESET, "-o", "tests/data/core/good.txt")
    assert code == 2 and "refusing to overwrite" in err


def test_lang_auto_routes_each_conversation(cli, tmp_path):
    (tmp_path / "en.txt").write_text("Agent: Good morning, thank you for calling. How can I help you?\nCustomer: My bill is wrong.\n")
    (tmp_path / "es.txt").write_text("Agente: Buenos días, ¿en qué puedo ayudarle?\nCliente: La factura está mal.\n")
    code, out, _ = cli("score", str(tmp_path), "--lang", "auto", "-f", "jsonl", "--exit-zero")
    langs = {json.loads(line)["conversation_id"]: (json.loads(line)["language"], json.loads(line)["ruleset"]) for line in out.splitlines()}
    assert langs["en"][0] == "en" and langs["en"][1].startswith("en@")
    assert langs["es"][0] == "es" and langs["es"][1].startswith("es@")


def test_stdout_is_data_only_and_a_closed_pipe_ends_quietly(tmp_path):
    many = tmp_path / "many.csv"
    lines = ["conversation_id,speaker,text"] + [f'c{i},agent,"Buenos días, no podemos."' for i in range(3000)]
    many.write_text("\n".join(lines) + "\n")
    command = f"{sys.executable} -m cx_audit score {many} -r {RULESET} -f csv | head -n 2"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.stdout.splitlines()[0].startswith("conversation_id,")
    assert len(done.stdout.splitlines()) == 2
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_table_report_prints_literally(cli, tmp_path):
    evil = tmp_path / "evil.txt"
    evil.write_text("# agent: [bold red]Eve[/bold red]\nAgente: \x1b[31mNo\x1b[0m podemos [link=http://x]aquí[/link]\nCliente: ok\n")
    code, out, _ = cli("score", str(evil), "-r", RULESET)
    assert "[bold red]Eve[/bold red]" in out
    assert "\x1b" not in out


def test_rules_commands(cli):
    code, out, _ = cli("rules", "list", "-r", RULESET)
    assert code == 0 and "flat-refusal" in out and "calm-down" in out
    code, out, _ = cli("rules", "show", "calm-down", "-r", RULESET)
    assert code == 0 and "Reconozca el sentimiento" in out and "004_7b8446556cf0ced7.txt" in out
    assert cli("rules", "show", "no-such-rule", "-r", RULESET)[0] == 2


def test_stdin_is_read_with_dash():
    text = "Agente: Buenos días. No podemos.\nCliente: Vale.\n"
    done = subprocess.run(
        [sys.executable, "-m", "cx_audit", "score", "-", "-r", RULESET, "-f", "jsonl"],
        input=text, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    result = json.loads(done.stdout)
    assert done.returncode == 1 and result["source"] == "<stdin>" and result["conversation_id"] == "stdin"
    assert "flat-refusal" in [f["rule"] for f in result["findings"] if f["status"] == "fail"]


def _wait_until_idle(pid: int, timeout: float = 60.0) -> None:
    """Block until the process sleeps with its CPU time unchanged for a second: started and
    blocked (on stdin, here), however slowly a loaded machine got it there. Without /proc, wait 2 s."""
    import time

    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        time.sleep(2.0)
        return
    deadline, last, still = time.monotonic() + timeout, None, 0
    while time.monotonic() < deadline:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        state, cpu = fields[0], int(fields[11]) + int(fields[12])  # utime + stime
        still = still + 1 if state == "S" and cpu == last else 0
        if still >= 5:
            return
        last = cpu
        time.sleep(0.2)
    raise AssertionError(f"process {pid} never went idle")


def test_ctrl_c_exits_130():
    import signal
    import time

    # A shell without job control starts background jobs with SIGINT ignored, and an ignored
    # signal is inherited: under `make test &` the child would never see the Ctrl-C. Give it the
    # default disposition a terminal's foreground job has (Python then installs its handler).
    proc = subprocess.Popen(
        [sys.executable, "-m", "cx_audit", "score", "-", "-r", RULESET],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    _wait_until_idle(proc.pid)  # it is now waiting for stdin, its handlers in place
    proc.send_signal(signal.SIGINT)
    # As at a terminal, stdin stays open after Ctrl-C (closing it at once, as communicate()
    # does, turned an ignored interrupt into "<stdin>: empty file", exit 2).
    try:
        proc.wait(timeout=30)
    finally:
        proc.stdin.close()
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == 130, err.decode(errors="replace")
    assert b"Traceback" not in err


def test_inspect_shows_how_a_file_was_read_without_scoring(cli):
    code, out, _ = cli("inspect", "tests/data/core/good.txt", "tests/data/core/corrupt.json", "-f", "json")
    doc = json.loads(out)
    assert code == 2 and doc["errors"][0]["source"] == "tests/data/core/corrupt.json"
    (conv,) = doc["conversations"]
    assert conv["conversation_id"] == "good" and conv["format"] == "text"
    assert conv["turns"][0] == {"role": "agent", "role_source": "label", "speaker": "Laura", "text": "Buenos días, le atiende Laura.", "start": 1.0, "end": None}


def test_formats_lists_every_loader_with_an_example(cli):
    from cx_audit.inputs import loaders

    code, out, _ = cli("formats")
    assert code == 0
    flat = " ".join(out.split())  # the terminal expands the TSV example's tabs
    for name, loader in loaders().items():
        assert name in out and " ".join(loader.example.strip().splitlines()[0].split()) in flat


def test_output_file_gets_ordinary_permissions(cli, tmp_path):
    target = tmp_path / "scores.csv"
    old = os.umask(0o022)
    try:
        cli("score", *INPUTS, "-r", RULESET, "-f", "csv", "-o", str(target))
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644  # readable by the team, not only its owner


def test_rules_show_names_trigger_unless_and_each(cli):
    code, out, _ = cli("rules", "show", "decline-with-alternative", "-r", "es")
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    assert any(line.startswith("unless") and "no le puedo ofrecer" in line for line in lines)  # the answer's
    assert any(line.startswith("unless") and "no se preocupe" in line for line in lines)  # the trigger's
    code, out, _ = cli("rules", "show", "acknowledge-complaint", "-r", "en")
    assert code == 0 and "one answered trigger is enough" in out
    assert "in the trigger turn or the next 3 turns" in " ".join(out.split())


def test_rules_show_names_a_regex_only_trigger_and_the_window(cli):
    # constraint-restated's trigger has regexes and no phrases: the trigger must not show empty.
    code, out, _ = cli("rules", "show", "constraint-restated", "-r", "en")
    flat = " ".join(out.split())
    assert code == 0 and "work for me" in flat.split("window")[0].split("trigger")[-1]
    assert "none of it in the next 2 turns after the trigger" in flat


def test_rules_show_says_what_a_repetition_rule_compares(cli):
    # threshold, min_words, unit and times decide when a repetition rule fires; show them.
    code, out, _ = cli("rules", "show", "stock-apology-repeated", "-r", "es")
    flat = " ".join(out.split())
    assert code == 0 and "sentences of 3 words or more, similarity 90 or more; fails when one is said 3 times" in flat
    code, out, _ = cli("rules", "show", "data-given-again", "-r", "en")
    assert code == 0 and "fails when one is given 2 times" in " ".join(out.split())


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "table"])
def test_scoring_does_not_load_pandas(fmt):
    # pandas 3 with pyarrow costs ~110 MB and ~0.3 s in every process that imports it (the main
    # process and each worker); only the report formats (xlsx, html, --group-by, summarize) need it.
    code = (
        "import sys\n"
        "from cx_audit.cli import main\n"
        f"sys.argv = ['cx-audit', 'score', *{INPUTS!r}, '-r', {RULESET!r}, '-f', {fmt!r}, '--exit-zero']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
        "print('pandas' in sys.modules, 'pyarrow' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "False False"
