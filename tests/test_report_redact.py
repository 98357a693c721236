"""--redact masks personal data in every output format; the progress bar stays off non-terminals."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from cx_audit.redact import luhn_ok, redact_text

RULESET = "tests/data/core_ruleset.yaml"

SECRETS = ["612 345 678", "ana@example.com", "4111 1111 1111 1111", "ES91 2100", "12345678Z", "12.345.678", "GODE561231HDFRRN09"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("escríbame a juan.perez+x@mail.example.com ya", "escríbame a [email] ya"),
        ("mi tarjeta es 4111 1111 1111 1111 gracias", "mi tarjeta es [card] gracias"),
        ("tarjeta 4111-1111-1111-1111", "tarjeta [card]"),
        ("IBAN ES91 2100 0418 4502 0005 1332", "IBAN [iban]"),
        ("DNI 12345678Z", "DNI [id]"),
        ("mi dni es 12.345.678-Z", "mi dni es [id]"),
        ("NIE X1234567L", "NIE [id]"),
        ("RUT 12.345.678-5", "RUT [id]"),
        ("rut 9876543-k", "rut [id]"),
        ("CURP GODE561231HDFRRN09", "CURP [id]"),
        ("cédula V-12.345.678", "cédula [id]"),
        ("cedula 1.234.567-8", "cedula [id]"),
        ("cédula 1-1234-5678", "cédula [id]"),
        ("mi cédula es 1.020.304.050", "mi cédula es [id]"),
        ("C.C. 79845123", "C.C. [id]"),
        ("llámeme al +34 612 345 678", "llámeme al [phone]"),
        ("o al (55) 1234-5678", "o al [phone]"),
        ("tel 612345678", "tel [phone]"),
    ],
)
def test_masks(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", ["el 2026-01-12 a las 10:30", "pagué 1.234.567 pesos", "pedido 12345", "son 3 cuotas de 1500", "No se puede"])
def test_leaves_ordinary_text(text):
    assert redact_text(text) == text


def test_card_needs_luhn():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert "4111 1111 1111 1112" in redact_text("tarjeta 4111 1111 1111 1112")


@pytest.fixture
def pii(tmp_path):
    path = tmp_path / "pii.txt"
    path.write_text(
        "# agent: Ana\n"
        "Agente: Buenos días. No se puede sin su cédula V-12.345.678, escriba a ana@example.com o al +34 612 345 678\n"
        "Cliente: mi tarjeta 4111 1111 1111 1111 y el IBAN ES91 2100 0418 4502 0005 1332, CURP GODE561231HDFRRN09. Estoy harto\n"
        "Agente: No podemos, DNI 12345678Z\n",
        encoding="utf-8",
    )
    return str(path)


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl", "markdown", "html"])
def test_every_text_format_is_redacted(cli, pii, fmt):
    args = ["score", pii, "-r", RULESET, "-f", fmt]
    _, plain, _ = cli(*args, "--details") if fmt == "csv" else cli(*args)
    if fmt in ("csv", "json", "jsonl", "html"):
        assert any(s in plain for s in SECRETS)  # without --redact the evidence carries them
    code, out, _ = cli(*args, "--redact", *(["--details"] if fmt == "csv" else []))
    assert code == 1
    assert not [s for s in SECRETS if s in out]
    if fmt == "json":
        doc = json.loads(out)
        texts = [f["text"] for f in doc["results"][0]["findings"] if f["text"]]
        assert any("[phone]" in t and "[email]" in t and "[id]" in t for t in texts)
        assert any("[card]" in t and "[iban]" in t for t in texts)


def test_xlsx_is_redacted(cli, pii, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "r.xlsx"
    cli("score", pii, "-r", RULESET, "-f", "xlsx", "-o", str(target), "--redact")
    wb = openpyxl.load_workbook(target)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [s for s in SECRETS if any(s in t for t in texts)]
    assert any("[card]" in t for t in texts)


def test_explain_is_redacted(cli, pii):
    _, out, _ = cli("explain", pii, "-r", RULESET, "--redact")
    assert not [s for s in SECRETS if s in out]
    assert "[email]" in out and "No se puede" in out


def test_no_progress_bar_when_stderr_is_not_a_terminal(cli):
    _, _, err = cli("score", "tests/data/core/good.txt", "tests/data/core/bad.txt", "-r", RULESET, "-f", "csv")
    assert "scoring" not in err and "\x1b" not in err
    assert err.strip().endswith("s") and "2 inputs, 2 conversations, 2 scored, 1 failed, 0 errors in" in err


def test_progress_renderer_passes_results_through():
    from cx_audit.inputs import InputStats, LoadOptions, read_inputs
    from cx_audit.pipeline import Scorer
    from cx_audit.progress import ProgressRenderer
    from cx_audit.render.csvout import CsvRenderer
    from cx_audit.ruleset import load_ruleset

    rs = load_ruleset(RULESET)
    scorer = Scorer([rs])
    transcripts = list(read_inputs(["tests/data/core/good.txt", "tests/data/core/bad.txt"], LoadOptions(), InputStats()))
    bar = io.StringIO()
    out = io.StringIO()
    renderer = ProgressRenderer(CsvRenderer(), files=2, console=Console(file=bar, force_terminal=True, width=100))
    renderer.REFRESH = 0
    renderer.start(out, [rs])
    for t in transcripts:
        for r in scorer.score(t):
            renderer.result(r)
    renderer.finish([], {})
    assert out.getvalue().count("\n") == 3  # header + two rows, untouched by the bar
    assert "scoring" in bar.getvalue() and "1/2 files" in bar.getvalue()
