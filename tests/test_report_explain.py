"""`cx-audit explain`: turn by turn, highlighted matches, tips, sources, score arithmetic."""

from __future__ import annotations

import io

from rich.console import Console

from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.pipeline import Scorer
from cx_audit.render.explain import explain, find_span
from cx_audit.ruleset import load_ruleset
from tests.conftest import CORE, CORE_RULESET

RULESET = "tests/data/core_ruleset.yaml"


def test_explain_shows_findings_tips_sources_and_arithmetic(cli):
    code, out, err = cli("explain", "tests/data/core/bad.txt", "-r", RULESET)
    assert code == 1, err
    assert "No se puede. Cálmese." in out
    assert "calm-down" in out and "Pidió al cliente que se calmara." in out
    assert "Reconozca el sentimiento en lugar de pedir calma." in out  # the tip
    assert "004_7b8446556cf0ced7.txt: no se iguale en actitud" in out  # the source article
    assert "passed 0 / counted 3 × 100 = 0" in out  # saying-no: weights 2 + 1, none passed
    assert "passed 1 / counted 2 × 100 = 50" in out
    assert "score = (0×2 + 0×1 + 0×1 + 50×1) / 5 = 10" in out
    assert "AUTO-FAIL" in out and "critical rule calm-down failed" in out


def test_explain_passing_conversation_and_na_rules_left_out(cli):
    code, out, _ = cli("explain", "tests/data/core/calls.csv", "-r", RULESET, "--id", "c-100")
    assert code == 0
    assert "left out (n/a" in out  # the acknowledge rule's trigger never appears
    assert "passed:" in out


def test_explain_unknown_id_is_a_usage_error(cli):
    code, _, err = cli("explain", "tests/data/core/calls.csv", "-r", RULESET, "--id", "nope")
    assert code == 2
    assert "no conversation 'nope'" in err and "c-100" in err


def _render(path, ruleset=CORE_RULESET, color=True):
    rs = load_ruleset(str(ruleset))
    transcript = next(t for t in read_inputs([str(path)], LoadOptions(), InputStats()) if hasattr(t, "turns"))
    result = Scorer([rs]).score(transcript)[0]
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, color_system="truecolor" if color else None, width=160, highlight=False)
    explain(console, transcript, result, rs)
    return buffer.getvalue(), console


def test_matched_words_are_highlighted_with_spans():
    rs = load_ruleset(str(CORE_RULESET))
    transcript = next(iter(read_inputs([str(CORE / "bad.txt")], LoadOptions(), InputStats())))
    result = Scorer([rs]).score(transcript)[0]
    console = Console(file=io.StringIO(), force_terminal=True, width=160, record=True)
    explain(console, transcript, result, rs)
    html = console.export_html(inline_styles=True)
    # Only the matched words carry the highlight style: "Cálmese" is red and underlined.
    assert "text-decoration: underline" in html
    import re

    underlined = re.findall(r'<span style="[^"]*underline[^"]*">([^<]*)</span>', html)
    assert "Cálmese" in underlined and "No se puede" in underlined
    assert not any("factura" in u for u in underlined)


def test_find_span():
    assert find_span("No se puede. Cálmese.", "Cálmese") == (13, 20)
    assert find_span("NO se puede", "no se") == (0, 5)
    assert find_span("abc", "≈ turn 2: x") is None
    assert find_span("abc", "") is None


def test_injection_is_shown_literally(tmp_path):
    evil = tmp_path / "evil.txt"
    evil.write_text(
        "# agent: [bold red]boss[/]\n"
        "Agente: [bold red]No se puede[/] \x1b[31m=cmd() <script>alert(1)</script>\n"
        "Cliente: Cálmese [link=http://x]y[/link]\n",
        encoding="utf-8",
    )
    out, _ = _render(evil, color=False)
    assert "[bold red]No se puede[/]" in out
    assert "[bold red]boss[/]" in out
    assert "=cmd() <script>alert(1)</script>" in out
    assert "[link=http://x]y[/link]" in out
    assert "\x1b" not in out  # the ESC of the transcript is replaced, and no colour was asked for
    colored, _ = _render(evil, color=True)
    assert "\x1b[31m=cmd()" not in colored
