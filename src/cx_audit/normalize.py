"""Text folding shared by rules and transcripts, so that a phrase and a turn fold the same way.

`fold(text)`: lower case, accents removed (á→a, ñ→n, ç→c, ß→ss), every character that is not a
letter or digit turned into a space, runs of spaces collapsed, no leading or trailing space.
`fold_keep_punct(text)`: lower case and accents removed, punctuation kept (what `regex` rules see).

Both are one `str.translate` with a table built once (for the Basic Multilingual Plane), plus a
whitespace collapse: no per-character Python loop and no `unicodedata` call per turn. Latin-1
text (most Spanish and English) takes the same tables as a `bytes.translate`, four times faster. Letters of
scripts without case or accents (CJK) pass through; symbols in the plane become spaces in `fold`;
characters beyond it (most emoji) pass through both unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import islice

_TABLE_LIMIT = 0x10000  # the Basic Multilingual Plane: fullwidth letters, ligatures, U+3000 included


def _base_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.lower() if kept else ""


def _build_tables() -> tuple[dict[int, str], dict[int, str]]:
    keep_punct: dict[int, str] = {}
    words_only: dict[int, str] = {}
    for code in range(_TABLE_LIMIT):
        ch = chr(code)
        cat = unicodedata.category(ch)
        base = _base_char(ch) if cat[0] in "LN" else ch
        if ch in "ßẞ":
            base = "ss"
        if cat == "Mn":
            base = ""  # a combining accent typed separately ("a" + U+0301) folds away with it
        elif cat[0] in "Z" or ch in "\t\n\r\x0b\x0c":
            base = " "
        elif cat[0] == "C":
            base = " "  # control characters (ANSI escapes' ESC among them) never reach matching
        if base != ch:
            keep_punct[code] = base
        if cat == "Mn":
            words_only[code] = ""
        elif cat[0] in "LN":
            if base != ch:
                words_only[code] = base if base.isalnum() else " "
        else:
            words_only[code] = " "
    return keep_punct, words_only


_KEEP_PUNCT, _WORDS_ONLY = _build_tables()


def _byte_table(table: dict[int, str]) -> tuple[bytes, re.Pattern[bytes]]:
    """`table` for Latin-1 text as a bytes.translate table, and the bytes it cannot map one to
    one ("ß" -> "ss", "µ" -> "μ"): a text holding one of those takes the general way."""
    mapped = bytearray(range(256))
    special = []
    for code in range(256):
        value = table.get(code, chr(code))
        if len(value) == 1 and ord(value) < 256:
            mapped[code] = ord(value)
        else:
            special.append(code)
    return bytes(mapped), re.compile(b"[" + b"".join(re.escape(bytes([c])) for c in special) + b"]")


# Most transcripts are Latin-1 (Spanish, English): one bytes.translate is four times faster than
# str.translate. Both tables map every space and control character to " ", so splitting the
# bytes on ASCII whitespace splits where str.split would.
_KEEP_PUNCT_BYTES, _KEEP_PUNCT_SPECIAL = _byte_table(_KEEP_PUNCT)
_WORDS_ONLY_BYTES, _WORDS_ONLY_SPECIAL = _byte_table(_WORDS_ONLY)


def fold(text: str) -> str:
    """Fold for phrase matching: 'Lo que SÍ puedo, ¡señor!' -> 'lo que si puedo senor'."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return " ".join(text.translate(_WORDS_ONLY).split())
    if _WORDS_ONLY_SPECIAL.search(raw) is not None:
        return " ".join(text.translate(_WORDS_ONLY).split())
    return b" ".join(raw.translate(_WORDS_ONLY_BYTES).split()).decode("latin-1")


def fold_keep_punct(text: str) -> str:
    """Fold for regex matching: 'Lo que SÍ puedo, ¡señor!' -> 'lo que si puedo, ¡senor!'."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return " ".join(text.translate(_KEEP_PUNCT).split())
    if _KEEP_PUNCT_SPECIAL.search(raw) is not None:
        return " ".join(text.translate(_KEEP_PUNCT).split())
    return b" ".join(raw.translate(_KEEP_PUNCT_BYTES).split()).decode("latin-1")


# Characters `fold` turns into spaces: word runs in the original text are the maximal runs of
# any other character, so the k-th word of `fold(text)` is the k-th run of `text`.
_SEPARATORS = "".join(chr(c) for c, v in _WORDS_ONLY.items() if v == " ")
_WORD_RUN = re.compile("[^" + re.escape(_SEPARATORS) + "]+")


# A run folds to nothing only if it is made of combining marks (and ideographic spaces, which
# the table does not reach but `split` removes): without those, every run is a word.
_FOLDS_AWAY = re.compile("[" + re.escape("".join(chr(c) for c, v in _WORDS_ONLY.items() if v == "") + "\u3000") + "]")


def word_spans(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """Character spans in `text` of the words that `fold(text)` keeps, in order; only the first
    `limit` when given (the words after them are then not looked at)."""
    runs = _WORD_RUN.finditer(text)
    if _FOLDS_AWAY.search(text) is not None:
        runs = (m for m in runs if fold(m.group()))
    return [m.span() for m in islice(runs, limit)]


def original_words(text: str, folded: str, start: int, end: int) -> str:
    """The words of `text` behind the folded span `folded[start:end]` (evidence for a match)."""
    first = folded.count(" ", 0, start)
    last = first + folded.count(" ", start, end)
    spans = word_spans(text, last + 1)  # only up to the last word of the span
    if not spans:
        return folded[start:end]
    first = min(first, len(spans) - 1)
    last = min(max(last, first), len(spans) - 1)
    return text[spans[first][0] : spans[last][1]]
