"""Injection-safe output, a guard on ruleset regexes, determinism (issue 7)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
import time

import pytest

from conftest import CORE_RULESET, ROOT

HOSTILE_TEXT = (
    "Buenas tardes. No se puede [bold red]GRITO[/bold red] \x1b[31mROJO\x1b[0m \x1b]0;title\x07 "
    "<script>alert(1)</script> =1+2 @SUM(A1)"
)
EVIL = (
    '# agent: =HYPERLINK("http://evil","x")\n'
    "# id: [link=http://evil]c1[/link]\n"
    f"Agente: {HOSTILE_TEXT}\n"
    "Cliente: Hola <img src=x onerror=alert(1)> +cmd|calc\n"
    "Agente: no.\n"
)


@pytest.fixture
def evil(tmp_path):
    path = tmp_path / "evil.txt"
    path.write_text(EVIL, encoding="utf-8")
    return path


def _run(cli, fmt, path, *extra):
    code, out, err = cli("score", "-r", str(CORE_RULESET), "-f", fmt, "--no-progress", "-q", *extra, str(path))
    assert code in (0, 1), err
    return out


def _no_terminal_escapes(out: str) -> None:
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_reports_show_markup_literally(cli, evil, fmt):
    out = _run(cli, fmt, evil)
    _no_terminal_escapes(out)
    assert "link=http://evil" in out  # shown, not turned into a hyperlink
    if fmt == "table":
        assert "[link=http://evil]c1[/link]" in out


def test_table_details_show_markup_literally(cli, evil):
    code, out, err = cli("explain", "-r", str(CORE_RULESET), str(evil)) if _has_command(cli, "explain") else (0, "", "")
    _no_terminal_escapes(out)
    if out:
        assert "[bold red]GRITO[/bold red]" in out


def _has_command(cli, name):
    code, out, err = cli("--help")
    return f" {name} " in out


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_keeps_text_exact_and_escaped(cli, evil, fmt):
    out = _run(cli, fmt, evil)
    _no_terminal_escapes(out)  # control characters are \\u escapes in JSON
    records = [json.loads(out)] if fmt == "json" else [json.loads(line) for line in out.splitlines() if line.strip()]
    results = records[0]["results"] if fmt == "json" else [r for r in records if "conversation_id" in r]
    texts = [f["text"] for r in results for f in r["findings"] if f.get("text")]
    assert HOSTILE_TEXT in texts  # exact round trip: nothing lost, nothing interpreted
    assert results[0]["conversation_id"] == "[link=http://evil]c1[/link]"


@pytest.mark.parametrize("details", [False, True])
def test_csv_defuses_formulas(cli, evil, details):
    out = _run(cli, "csv", evil, *(["--details"] if details else []))
    _no_terminal_escapes(out)
    rows = list(csv.reader(io.StringIO(out)))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:2].isdigit())]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in cells


def test_html_escapes_script(cli, evil):
    out = _run(cli, "html", evil)
    _no_terminal_escapes(out)
    assert "<script>alert(1)</script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<img src=x" not in out


def test_xlsx_has_no_formulas(cli, evil, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "out.xlsx"
    code, out, err = cli("score", "-r", str(CORE_RULESET), "-f", "xlsx", "-o", str(target), "--no-progress", "-q", str(evil))
    assert code in (0, 1), err
    book = openpyxl.load_workbook(target)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert "\x1b" not in cell.value


# --- Ruleset regexes are untrusted ------------------------------------------------------------

RULESET = """\
id: evil
name: Evil
language: es
pass_mark: 70
categories:
  c: {weight: 1}
rules:
  - id: r1
    category: c
    kind: forbid
    message: m
    tip: t
    source: s
    regex: ["ok", "%s"]
"""


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\\w+\\s?)+x", r"(?:a*)*b", r"((ab)*c)+"])
def test_catastrophic_regex_gets_a_located_error(pattern):
    from cx_audit.errors import RulesetError
    from cx_audit.ruleset import parse_ruleset

    began = time.perf_counter()
    with pytest.raises(RulesetError) as info:
        parse_ruleset(RULESET % pattern, "evil.yaml")
    assert time.perf_counter() - began < 2
    problems = [p for p in info.value.problems if "repeats a group" in p]
    assert len(problems) == 1 and problems[0].startswith("evil.yaml:14:"), info.value.problems


@pytest.mark.parametrize("pattern", [r"\\b(no)+\\b", r"(a|b)*c", r"a{2,5}(b+)", r"(hola\\s+)++", r"\\d{3}-\\d{4}"])
def test_safe_regexes_still_load(pattern):
    from cx_audit.ruleset import parse_ruleset

    ruleset = parse_ruleset(RULESET % pattern, "ok.yaml")
    assert ruleset.rules[0].regex[-1] == pattern.replace("\\\\", "\\")


def test_builtin_rulesets_pass_the_guard():
    from cx_audit.ruleset.loader import builtin_names, load_ruleset

    for name in builtin_names():
        load_ruleset(name)


# --- Determinism -----------------------------------------------------------------------------


def test_expand_paths_sorts_whatever_the_order(tmp_path):
    from cx_audit.inputs.files import expand_paths

    for name in ("b.txt", "a.txt", "sub/c.txt", "sub/A.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("Agente: hola\n")
    names = [str(tmp_path / n) for n in ("sub/c.txt", "b.txt", "a.txt", "sub/A.txt")]
    forward, _ = expand_paths(names)
    backward, _ = expand_paths(list(reversed(names)))
    folder, _ = expand_paths([str(tmp_path)])
    assert forward == backward == folder == sorted(names)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_byte_identical_across_runs_and_argument_order(cli, tmp_path, fmt):
    core = ROOT / "tests" / "data" / "core"
    files = sorted(str(p) for p in core.iterdir())
    outputs = set()
    for order in (files, list(reversed(files)), files[1:] + files[:1], files):
        code, out, err = cli("score", "-r", str(CORE_RULESET), "-f", fmt, "--no-progress", "-q", *order)
        outputs.add(out)
    assert len(outputs) == 1
    assert outputs.pop().strip()
