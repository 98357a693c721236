"""Cue parsing shared by the WebVTT and SRT loaders.

A file is blocks separated by blank lines. A cue block has an optional id line, a timing line
`start --> end [settings]` and payload lines. The speaker of a cue is its `<v Name>` voice tag
(WebVTT; classes such as `<v.loud Name>` allowed, `</v>` optional), else a `Name: ` prefix on its
first line (Zoom and most SRT exports), else the speaker of the cue before (a sentence split over
cues). SRT dialogue dashes (`- Hi` / `- Hello`) make one turn per dash: in a file with exactly two
named speakers they alternate, starting with the one who did not speak last; otherwise they have
no speaker. Other tags
(`<i>`, `<c.x>`, `<00:00:01.000>`) are removed and entities decoded. The speaker name goes through
the speaker-label table (`Agent`, `Agente`, `Cliente`... give a role with role_source "label");
other names stay "unknown" for `roles.resolve_roles`.

A block whose timing line cannot be read is a located error (`file:line`); the others still load.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Iterator

from cx_audit.errors import InputError
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.labels import role_for_label
from cx_audit.inputs.vendor._common import clean_text, transcript, turn
from cx_audit.model import UNKNOWN

_CLOCK = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
TIMING = re.compile(r"^\s*" + _CLOCK + r"\s*-->\s*" + _CLOCK + r"(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d{1,2}:\d{2}(?::\d{2})?[.,]\d{1,3}>")
_PREFIX = re.compile(r"^(?:>>\s*)?([^\s:][^:]{0,40}?):\s+(.*)$")


def _seconds(h: str | None, m: str, s: str, frac: str) -> float:
    return round(int(h or 0) * 3600 + int(m) * 60 + int(s) + int(frac.ljust(3, "0")) / 1000, 3)


def blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each blank-line separated block."""
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            yield start, current
            current = []
    if current:
        yield start, current


def load_cues(doc: Document, text: str, options: LoadOptions, *, vtt: bool) -> Iterator[LoadItem]:
    entries: list[list] = []  # [speaker, text, begin, end, dash position (0 = not a dash line)]
    speaker = ""
    for start_line, lines in blocks(text.lstrip("\ufeff")):
        first = lines[0].strip()
        if vtt and (first.startswith("WEBVTT") or first.split(" ")[0] in ("NOTE", "STYLE", "REGION")):
            continue
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_at is None:
            yield InputError(doc.name, "no timing line (`start --> end`) in this cue; skipped", start_line)
            continue
        timing = TIMING.match(lines[timing_at])
        if timing is None:
            yield InputError(doc.name, f"cannot read the timing {lines[timing_at].strip()!r}; cue skipped", start_line + timing_at)
            continue
        begin = _seconds(*timing.groups()[:4])
        end = _seconds(*timing.groups()[4:])
        payload = lines[timing_at + 1:]
        if not payload:
            continue
        dashes = not vtt and len(payload) > 1 and all(line.lstrip().startswith("- ") for line in payload)
        pieces = [line.lstrip()[2:] for line in payload] if dashes else [" ".join(payload)]
        for position, piece in enumerate(pieces, start=1):
            voice = _VOICE.search(piece)
            if voice:
                speaker = voice.group(1).strip()
            plain = unescape(_TAG.sub("", piece)).strip()
            prefix = None if voice or dashes else _PREFIX.match(plain)
            if prefix:
                speaker, plain = prefix.group(1).strip(), prefix.group(2)
            entries.append(["" if dashes else speaker, plain, begin, end, position if dashes else 0])
    _dash_speakers(entries)
    turns = []
    for name, plain, begin, end, _dash in entries:
        role, source = role_for_label(name, options) if name else (UNKNOWN, "unknown")
        turns.append(turn(role, clean_text(plain, html=False), speaker=name, start=begin, end=end, role_source=source))
    if turns:
        yield transcript(doc, doc.stem, turns, options, channel="")
    else:
        yield InputError(doc.name, "no cues with text found")


def _dash_speakers(entries: list[list]) -> None:
    """Dialogue dashes in a two-speaker file alternate, starting with the speaker who did not
    speak last; with any other number of named speakers they stay without a speaker."""
    named: list[str] = []
    for entry in entries:
        if entry[0] and entry[0] not in named:
            named.append(entry[0])
    if len(named) != 2:
        return
    last = ""
    for entry in entries:
        if entry[4] == 0:
            last = entry[0] or last
            continue
        if entry[4] == 1 and not last:
            continue  # nobody spoke before: cannot tell
        if last:
            entry[0] = named[1] if last == named[0] else named[0]
            last = entry[0]
