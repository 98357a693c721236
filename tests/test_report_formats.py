"""-f xlsx, -f markdown, -f html: real files, typed cells, escaping of hostile transcript text."""

from __future__ import annotations

import re

import pytest

RULESET = "tests/data/core_ruleset.yaml"
INPUTS = ["tests/data/core/good.txt", "tests/data/core/bad.txt", "tests/data/core/calls.csv"]

EVIL_AGENT = "[bold red]boss[/] <b>x</b>"
EVIL_TEXT = "[bold red]No se puede[/] =cmd() <script>alert(1)</script> | *x* [a](http://e.x)"


@pytest.fixture
def evil(tmp_path):
    path = tmp_path / "evil.txt"
    path.write_text(
        f"# agent: {EVIL_AGENT}\n# team: =cmd()\n# date: 2026-01-14\n"
        f"Agente: {EVIL_TEXT} \x1b[31mrojo\n"
        "Cliente: vale\n",
        encoding="utf-8",
    )
    return str(path)


# ---- xlsx ---------------------------------------------------------------------------------


def test_xlsx_three_sheets_typed_cells_frozen_headers_bands(cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "report.xlsx"
    code, out, err = cli("score", *INPUTS, "-r", RULESET, "-f", "xlsx", "-o", str(target))
    assert code == 1 and out == "", err
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["summary", "conversations", "findings"]
    conv = wb["conversations"]
    assert conv.freeze_panes == "B2" and wb["findings"].freeze_panes == "B2" and wb["summary"].freeze_panes == "B2"
    header = [c.value for c in conv[1]]
    assert header[:8] == ["conversation_id", "source", "agent", "language", "ruleset", "score", "passed", "auto_failed"]
    rows = {r[0].value: {h: c for h, c in zip(header, r)} for r in conv.iter_rows(min_row=2)}
    bad = rows["bad"]
    assert bad["score"].value == 10 and bad["score"].data_type == "n"
    assert bad["auto_failed"].value is True and bad["auto_failed"].data_type == "b"
    assert bad["saying-no"].value == 0 and bad["saying-no"].data_type == "n"
    assert rows["c-100"]["queue"].value == "facturas"
    # Score cells are filled by band: red under pass_mark - 20, green at or above the pass mark.
    assert bad["score"].fill.fgColor.rgb.endswith("FFC7CE")
    assert rows["good"]["score"].fill.fgColor.rgb.endswith("C6EFCE")
    summary = wb["summary"]
    assert summary["A2"].value == "(all)" and summary["B2"].value == 3 and summary["B2"].data_type == "n"
    assert isinstance(summary["C2"].value, float)
    findings = wb["findings"]
    fheader = [c.value for c in findings[1]]
    calm = [
        r for r in findings.iter_rows(min_row=2, values_only=True)
        if r[fheader.index("rule")] == "calm-down" and r[fheader.index("conversation_id")] == "bad"
    ]
    assert calm[0][fheader.index("turn")] == 3 and calm[0][fheader.index("match")] == "Cálmese"


def test_xlsx_neutralises_formulas_and_control_characters(cli, tmp_path, evil):
    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "evil.xlsx"
    cli("score", evil, "tests/data/core/calls.csv", "-r", RULESET, "-f", "xlsx", "-o", str(target))
    wb = openpyxl.load_workbook(target)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "=cmd()" in texts  # the team, kept as text
    assert any(EVIL_TEXT in t for t in texts)
    assert not any("\x1b" in t for t in texts)


def test_xlsx_to_a_terminal_is_refused(cli, monkeypatch):
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = cli("score", *INPUTS, "-r", RULESET, "-f", "xlsx")
    assert code == 2 and "-o FILE.xlsx" in err and out == ""


# ---- markdown -----------------------------------------------------------------------------


def test_markdown_report(cli):
    code, out, _ = cli("score", *INPUTS, "-r", RULESET, "-f", "markdown")
    assert code == 1
    assert out.startswith("## cx-audit: Core test ruleset (core-test@3)")
    assert "| conversation | agent | score | result |" in out
    assert "| bad | Pedro | 10.0 | **AUTO-FAIL** |" in out
    assert "### Failed conversations (1)" in out
    assert "«Cálmese»" in out and "tip: Reconozca el sentimiento" in out


def test_markdown_escapes_hostile_text(cli, evil):
    _, out, _ = cli("score", evil, "-r", RULESET, "-f", "markdown")
    assert r"\[bold red\]No se puede\[/\]" in out
    assert r"\<script\>alert(1)\</script\>" in out and "<script>" not in out
    assert r"\| \*x\*" in out and r"\[a\](http://e.x)" in out
    assert "=cmd()" in out and "\x1b" not in out
    for line in out.splitlines():
        if line.startswith("| evil"):
            assert len(re.findall(r"(?<!\\)\|", line)) == len(re.findall(r"(?<!\\)\|", out.splitlines()[4]))


# ---- html ---------------------------------------------------------------------------------


def test_html_is_self_contained_with_charts_and_evidence(cli, tmp_path):
    target = tmp_path / "report.html"
    code, _, _ = cli("score", *INPUTS, "-r", RULESET, "-f", "html", "-o", str(target))
    assert code == 1
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in page  # nothing may load, no script may run
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page and "@import" not in page and "url(" not in page
    for chart in ("chart-distribution", "chart-agents", "chart-categories"):
        assert f'id="{chart}"><svg' in page
    assert page.count('class="bar"') >= 10 + 3 + 4  # 10 bins, 3 agents, 4 categories
    assert "Failed conversations (1)" in page
    assert "No se puede. <mark>Cálmese</mark>" in page or "<mark>Cálmese</mark>" in page
    assert "tip: Reconozca el sentimiento en lugar de pedir calma." in page


def test_html_escapes_hostile_text(cli, tmp_path, evil):
    target = tmp_path / "evil.html"
    cli("score", evil, "-r", RULESET, "-f", "html", "-o", str(target))
    page = target.read_text(encoding="utf-8")
    assert "<script" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "[bold red]boss[/] &lt;b&gt;x&lt;/b&gt;" in page
    assert "=cmd()" in page and "\x1b" not in page


def test_table_shows_hostile_text_literally(cli, evil):
    _, out, _ = cli("score", evil, "-r", RULESET)
    assert "[bold red]boss[/]" in out and "\x1b" not in out
