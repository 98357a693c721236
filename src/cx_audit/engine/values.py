"""The data values a turn gives: e-mail addresses, long numbers and codes.

What a `unit: value` repetition rule compares: a customer who gives the same account number,
card digits, document or e-mail twice was, most of the time, asked for it again. Values are
normalised so that the two mentions match however they are written ("600 123 456" and
"600-123-456", "48213377-K" and "48213377k").
"""

from __future__ import annotations

import re
from functools import lru_cache

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digits, allowing one space, dot or hyphen between groups ("600 123 456", "4.200", "12-34").
NUMBER = re.compile(r"(?<![\w.,])\d(?:\d|[ .-](?=\d))*\d(?!\w)")
# A word of letters and digits (an order, ticket or document code: "RC-774190", "48213377K").
CODE = re.compile(r"(?<![\w-])(?=[A-Za-z-]*\d)(?=[\d-]*[A-Za-z])[A-Za-z\d]+(?:-[A-Za-z\d]+)*(?![\w-])")

# Every value holds "@" or at least three digits: texts without either are skipped.
MAYBE = re.compile(r"@|\d\D*\d\D*\d")

MIN_DIGITS = 4  # shorter numbers are quantities, days, times and prices, not data
MIN_CODE = 5  # a code has at least this many letters and digits, three of them digits


NONE: frozenset[str] = frozenset()


@lru_cache(maxsize=4096)
def data_values(text: str) -> frozenset[str]:
    """The normalised values in a turn text: e-mails (lower case), numbers of at least
    MIN_DIGITS digits (digits only; a lone year 1900-2099 is left out) and codes (letters and
    digits, lower case, without hyphens)."""
    if MAYBE.search(text) is None:
        return NONE
    values = {m.group().lower() for m in EMAIL.finditer(text)}
    text = EMAIL.sub(" ", text)  # an e-mail's parts are not values of their own
    for m in NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) >= MIN_DIGITS and not (len(digits) == 4 and 1900 <= int(digits) <= 2099):
            values.add(digits)
    for m in CODE.finditer(text):
        code = m.group().replace("-", "").lower()
        if len(code) >= MIN_CODE and sum(c.isdigit() for c in code) >= 3:
            values.add(code)
    return frozenset(values)


# Digits spelled out, in Spanish and English ("oh four one two", "cero cuatro uno"), as customers
# read out a number or code on a call.
SPELLED_DIGITS = frozenset(
    "cero uno una dos tres cuatro cinco seis siete ocho nueve doble triple "
    "zero oh one two three four five six seven eight nine double triple".split()
)
MOSTLY = 0.6  # the share of a sentence's words that makes it a number read out


@lru_cache(maxsize=4096)
def mostly_number(folded: str) -> bool:
    """A folded sentence most of whose words are digits, spelled digits or single letters: a
    number or code read out ("it's E six six one, oh two four"), data and not a request. Two
    different numbers read out share most of their words, so comparing them as requests would
    find a repetition that is not one; a value given twice is `unit: value`'s to judge. Remembered,
    as `data_values` is: every `repetition` rule of a `unit: turn` asks again for the same turns."""
    words = folded.split()
    numeric = sum(1 for w in words if w.isdigit() or w in SPELLED_DIGITS or len(w) == 1)
    return bool(words) and numeric >= MOSTLY * len(words)
