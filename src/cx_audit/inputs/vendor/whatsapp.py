"""WhatsApp chat exports (.txt), iOS and Android, Spanish and English locales.

Message lines:
- iOS:     `[20/06/2021, 14:30:00] Name: text` (brackets, seconds; 12-hour "2:30:00 PM" too)
- Android: `20/06/21, 14:30 - Name: text` (" - " separator; "9:05 p. m." in Spanish locales)
Invisible marks (U+200E/U+200F, U+202A-U+202E, U+2066-U+2069, U+FEFF) are removed and narrow or
no-break spaces (U+202F, U+00A0) read as spaces before matching. A line that does not start with
a timestamp continues the message before it (joined with a space). A timestamped line without a
`Name: ` part is a system line (encryption notice, "X added Y", "X left") and is dropped, as are
media placeholders (`<Media omitted>`, `<Multimedia omitido>`, "imagen omitida", `<attached: ...>`)
and deleted-message notices; an "edited" suffix is removed.

Day and month order is decided per file: a first field over 12 means day first, a second field
over 12 means month first; otherwise day first, unless the times use a bare English "AM"/"PM"
(US exports put the month first). Start times are seconds from the first message; its date is
metadata "date". Speakers are the names, with role "unknown": `roles.resolve_roles` maps the
business name (`--role-map "Soporte Acme=agent"`) or finds the agent by the greeting heuristic.

Located errors (`file:line`): text before the first message, and a timestamp that is no date
(e.g. 31/31/23); that message is skipped and the rest of the chat still loads.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Iterator

from cx_audit.errors import InputError
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import VendorLoader, clean_text, transcript, turn
from cx_audit.model import UNKNOWN

_INVISIBLE = dict.fromkeys([0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF])
_SPACES = {0x202F: " ", 0x00A0: " ", 0x2007: " "}
_TABLE = {**_INVISIBLE, **_SPACES}

_DATE = r"(?P<d1>\d{1,2})[/.-](?P<d2>\d{1,2})[/.-](?P<y>\d{2,4}),?\s+"
_TIME = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?(?:\s*(?P<ap>[ap]\.?\s?m\.?))?"
IOS = re.compile(r"^\[" + _DATE + _TIME + r"\]\s?(?P<rest>.*)$", re.I)
ANDROID = re.compile(r"^" + _DATE + _TIME + r"\s+[-–]\s+(?P<rest>.*)$", re.I)
_SENDER = re.compile(r"^(?P<name>[^:\n]{1,80}?):(?:\s(?P<text>.*))?$")

_MEDIA = re.compile(
    r"^(?:<?(?:media omitted|multimedia omitido|archivo omitido)>?"
    r"|(?:imagen|image|video|vídeo|audio|sticker|gif|documento|document|contact card|tarjeta de contacto|ubicación|location)\s+(?:omitid[oa]|omitted)"
    r"|<(?:attached|adjunto):[^>]*>"
    r"|.+\((?:archivo adjunto|file attached)\)"
    r"|this message was deleted|you deleted this message|se eliminó este mensaje\.?|eliminaste este mensaje\.?"
    r"|null)$",
    re.I,
)
_EDITED = re.compile(r"\s*<(?:this message was edited|se editó este mensaje\.?)>$", re.I)


def _normal(line: str) -> str:
    return line.translate(_TABLE).rstrip("\r\n")


def _header(line: str) -> re.Match | None:
    return IOS.match(line) or ANDROID.match(line)


class _Message:
    __slots__ = ("line", "match", "name", "parts", "system")

    def __init__(self, line: int, match: re.Match) -> None:
        self.line, self.match = line, match
        sender = _SENDER.match(match.group("rest"))
        self.system = sender is None
        self.name = sender.group("name").strip() if sender else ""
        self.parts = [(sender.group("text") or "") if sender else match.group("rest")]


def _day_first(messages: list[_Message]) -> bool:
    firsts = [int(m.match.group("d1")) for m in messages]
    seconds = [int(m.match.group("d2")) for m in messages]
    if any(v > 12 for v in firsts):
        return True
    if any(v > 12 for v in seconds):
        return False
    markers = [m.match.group("ap") for m in messages if m.match.group("ap")]
    return not (markers and all(re.fullmatch(r"[AP]M", x) for x in markers))


def _moment(match: re.Match, day_first: bool) -> datetime:
    d1, d2 = int(match.group("d1")), int(match.group("d2"))
    day, month = (d1, d2) if day_first else (d2, d1)
    year = int(match.group("y"))
    year += 2000 if year < 100 else 0
    hour = int(match.group("h"))
    marker = (match.group("ap") or "").lower().replace(".", "").replace(" ", "")
    if marker == "pm" and hour < 12:
        hour += 12
    elif marker == "am" and hour == 12:
        hour = 0
    return datetime(year, month, day, hour, int(match.group("mi")), int(match.group("s") or 0))


class WhatsAppLoader(VendorLoader):
    name = "whatsapp"
    extensions = (".txt",)
    description = "WhatsApp chat export (iOS [dd/mm/yy, hh:mm:ss] or Android dd/mm/yy, hh:mm - ; es/en)"
    example = "[20/06/2021, 14:30:00] Soporte Acme: Hola Ana, ¿en qué te ayudo?\n20/06/21, 14:31 - Ana López: Mi pedido no llegó"
    is_json = False

    def sniff(self, doc: Document) -> float:
        lines = [_normal(x) for x in doc.head.splitlines() if x.strip()][:30]
        if not lines:
            return 0.0
        if _header(lines[0]):
            return 0.9
        return 0.7 if sum(1 for x in lines if _header(x)) >= 2 else 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        messages: list[_Message] = []
        stray: int | None = None
        for number, raw in enumerate(str(data).splitlines(), start=1):
            line = _normal(raw)
            match = _header(line)
            if match:
                messages.append(_Message(number, match))
            elif messages:
                messages[-1].parts.append(line)
            elif line.strip() and stray is None:
                stray = number
        if stray is not None:
            yield InputError(doc.name, "text before the first WhatsApp message; skipped", stray)
        if not messages:
            yield InputError(doc.name, "no WhatsApp message lines found")
            return
        day_first = _day_first(messages)
        turns = []
        times: list[datetime] = []
        for message in messages:
            try:
                moment = _moment(message.match, day_first)
            except ValueError as err:
                yield InputError(doc.name, f"not a date: {message.match.group(0)[:40]!r} ({err}); message skipped", message.line)
                continue
            if message.system:
                continue
            text = _EDITED.sub("", " ".join(p.strip() for p in message.parts if p.strip()))
            if not text or _MEDIA.match(text.strip()):
                continue
            times.append(moment)
            turns.append(turn(UNKNOWN, clean_text(text, html=False), speaker=message.name,
                              start=moment.replace(tzinfo=timezone.utc).timestamp()))
        if not turns:
            return
        origin = min(t.start for t in turns)
        for t in turns:
            t.start = round(t.start - origin, 3)
        yield transcript(doc, doc.stem, turns, options, channel="chat", metadata={"date": min(times).date().isoformat()})


register(WhatsAppLoader())
