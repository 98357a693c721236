"""`--redact`: mask personal data in the evidence of every output format.

Masked, each as a bracketed tag: e-mail addresses `[email]`; IBANs `[iban]`; card numbers that
pass the Luhn check `[card]`; Spanish DNI/NIE, Chilean RUT, Mexican CURP and cédulas (the
Venezuelan, Uruguayan and Costa Rican formats, and any number written after "cédula", "C.C.",
"documento", "DNI", "RUT", "CI" or "identificación") `[id]`; phone numbers of 9 to 15 digits
`[phone]`. Patterns run in that order, so a card number is never half-masked as a phone.

`redact_result` is the one function every format goes through (via `RedactingRenderer`).
"""

from __future__ import annotations

import re
from typing import IO, Callable

from cx_audit.errors import InputError
from cx_audit.model import Transcript
from cx_audit.render.base import Renderer
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}\b", re.IGNORECASE)
CARD = re.compile(r"(?<![\w.])(?:\d[ -]?){12,18}\d(?![\w])")
CURP = re.compile(r"\b[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d\b", re.IGNORECASE)
NIE = re.compile(r"\b[XYZ][ -]?\d{7}[ -]?[A-Z]\b", re.IGNORECASE)
DNI = re.compile(r"\b\d{2}\.?\d{3}\.?\d{3}[ -]?[A-Z]\b", re.IGNORECASE)
RUT = re.compile(r"\b\d{1,2}\.?\d{3}\.?\d{3}-[\dK]\b", re.IGNORECASE)
CEDULA_FORMATS = re.compile(
    r"\b[VE]-?\d{1,2}\.?\d{3}\.?\d{3}\b"  # Venezuela: V-12.345.678
    r"|\b\d\.\d{3}\.\d{3}-\d\b"  # Uruguay: 1.234.567-8
    r"|\b\d-\d{4}-\d{4}\b",  # Costa Rica: 1-1234-5678
    re.IGNORECASE,
)
# A number written right after a word that names an identity document.
ID_CONTEXT = re.compile(
    r"(?P<word>(?:\b(?:c[ée]dula|cc|ci|documento|dni|nie|rut|run|curp|identificaci[óo]n|pasaporte)\b|\bc\.\s?[ci]\.)"
    r"[^\d\n]{0,25}?)(?P<number>\d[\d.\- ]{4,}\d[A-Z]?)\b",
    re.IGNORECASE,
)
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{7,22}\d(?![\w])")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _iban(m: re.Match) -> str:
    value = m.group()
    return "[iban]" if len(_digits(value)) >= 10 else value


def _card(m: re.Match) -> str:
    digits = _digits(m.group())
    return "[card]" if 13 <= len(digits) <= 19 and luhn_ok(digits) else m.group()


def _phone(m: re.Match) -> str:
    value = m.group()
    digits = _digits(value)
    if not 9 <= len(digits) <= 15:
        return value
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):  # a date
        return value
    return "[phone]"


STEPS: list[tuple[re.Pattern, Callable[[re.Match], str] | str]] = [
    (EMAIL, "[email]"),
    (IBAN, _iban),
    (CARD, _card),
    (CURP, "[id]"),
    (NIE, "[id]"),
    (DNI, "[id]"),
    (RUT, "[id]"),
    (CEDULA_FORMATS, "[id]"),
    (ID_CONTEXT, lambda m: m.group("word") + "[id]"),
    (PHONE, _phone),
]
_QUICK = re.compile(r"@|\d")


def redact_text(text: str) -> str:
    """`text` with personal data masked (text without a digit or @ is returned as is)."""
    if not text or not _QUICK.search(text):
        return text
    for pattern, replacement in STEPS:
        text = pattern.sub(replacement, text)
    return text


def redact_result(result: ConversationResult) -> ConversationResult:
    """Mask the evidence (turn text and match) of every outcome, in place; returns the result."""
    for outcome in result.outcomes:
        for ev in outcome.evidence:
            ev.text = redact_text(ev.text)
            ev.match = redact_text(ev.match)
        if outcome.note:
            outcome.note = redact_text(outcome.note)
    return result


def redact_transcript(transcript: Transcript) -> Transcript:
    for turn in transcript.turns:
        turn.text = redact_text(turn.text)
    return transcript


class RedactingRenderer:
    """Pass each result through `redact_result` before the real renderer sees it."""

    def __init__(self, inner: Renderer):
        self.inner = inner

    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.inner.start(out, rulesets)

    def result(self, r: ConversationResult) -> None:
        self.inner.result(redact_result(r))

    def finish(self, errors: list[InputError], summary: dict) -> None:
        self.inner.finish(errors, summary)
