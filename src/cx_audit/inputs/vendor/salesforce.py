"""Salesforce legacy Live Agent chat transcript body (`LiveChatTranscript.Body`), as text or HTML.

HTML bodies are split into lines at `<br>` and `<p>` and reduced to text. Header lines:
`Chat Started: <date>` (metadata date), `Chat Origin: <button>` (metadata queue) and
`Agent <name>` (metadata agent). Message lines: `( 1m 20s ) Name: text` (elapsed time from the
start, which becomes the turn's start); a line without that prefix continues the message before.
Role: the header agent's name, and `Agent`/`Chatbot` style labels, are agent (role_source
"vendor"); `Visitor` is customer. Other names (the displayed agent name can differ from the header,
e.g. "Arlo Support" vs "Subashree S", and the visitor's own name) stay "unknown" for
`roles.resolve_roles`. A message line whose elapsed time cannot be read is a located error.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cx_audit.errors import InputError
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.labels import date_part
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import VendorLoader, clean_text, html_to_text, transcript, turn
from cx_audit.model import AGENT, CUSTOMER, UNKNOWN

MESSAGE = re.compile(r"^\(\s*(?:(\d+)h\s+)?(?:(\d+)m\s+)?(\d+)s\s*\)\s+([^:]{1,80}?):\s?(.*)$")
_LOOSE = re.compile(r"^\(\s*[^)]*\)\s+[^:]{1,80}:")
_BREAK = re.compile(r"<\s*br\s*/?\s*>|</?\s*p\b[^>]*>|</?\s*div\b[^>]*>", re.I)
_START = re.compile(r"^Chat Started:\s*(.*)$", re.I)
_ORIGIN = re.compile(r"^Chat Origin:\s*(.*)$", re.I)
_AGENT = re.compile(r"^Agent\s+(.+)$")


def _lines(text: str) -> list[str]:
    if re.search(r"<\s*(br|p|div)\b", text, re.I):
        text = "\n".join(html_to_text(part) for part in _BREAK.split(text))
    return text.splitlines()


class SalesforceLiveAgentLoader(VendorLoader):
    name = "salesforce-live-agent"
    extensions = (".txt", ".html", ".htm")
    description = "Salesforce Live Agent chat transcript body (Chat Started: ... / ( 1m 20s ) Name: text)"
    example = "Chat Started: Sunday, December 01, 2024, 07:09:55 (-0800)\nAgent Subashree S\n( 53s ) Arlo Support: Welcome!"
    is_json = False

    def sniff(self, doc: Document) -> float:
        lines = [x.strip() for x in _lines(doc.head[:20000]) if x.strip()][:30]
        if any(_START.match(x) for x in lines[:5]) and any(MESSAGE.match(x) for x in lines):
            return 0.95
        return 0.9 if sum(1 for x in lines if MESSAGE.match(x)) >= 2 else 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        meta: dict[str, Any] = {}
        rows: list[list] = []  # [name, seconds, parts]
        for number, raw in enumerate(_lines(str(data)), start=1):
            line = raw.strip()
            if not line:
                continue
            match = MESSAGE.match(line)
            if match:
                hours, minutes, seconds, name, text = match.groups()
                elapsed = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds)
                rows.append([name.strip(), float(elapsed), [text]])
            elif _LOOSE.match(line):
                yield InputError(doc.name, f"cannot read the elapsed time in {line[:40]!r}; message skipped", number)
                rows.append(None)  # continuation lines after it are skipped too
            elif not rows and (_START.match(line) or _ORIGIN.match(line) or _AGENT.match(line)):
                for pattern, key in ((_START, "date"), (_ORIGIN, "queue"), (_AGENT, "agent")):
                    found = pattern.match(line)
                    if found:
                        meta[key] = found.group(1).strip()
                        break
            elif rows and rows[-1] is not None:
                rows[-1][2].append(line)
        if "date" in meta:
            meta["date"] = date_part(re.sub(r"^[A-Za-z]+,\s*", "", meta["date"])) or _long_date(meta["date"])
        agent = meta.get("agent", "")
        turns = []
        for row in rows:
            if row is None:
                continue
            name, start, parts = row
            lowered = name.lower()
            if name == agent or lowered in ("agent", "chatbot", "bot"):
                role = AGENT
            elif lowered == "visitor":
                role = CUSTOMER
            else:
                role = UNKNOWN
            turns.append(turn(role, clean_text(" ".join(parts), html=False), speaker=name, start=start))
        if not turns:
            yield InputError(doc.name, "no Live Agent message lines (`( 1m 20s ) Name: text`) found")
            return
        yield transcript(doc, doc.stem, turns, options, channel="chat", metadata=meta)


def _long_date(value: str) -> str:
    """"Sunday, December 01, 2024, 07:09:55 (-0800)" -> "2024-12-01"."""
    from datetime import datetime

    found = re.search(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})", value)
    if not found:
        return value
    try:
        return datetime.strptime(" ".join(found.groups()), "%B %d %Y").date().isoformat()
    except ValueError:
        return value


register(SalesforceLiveAgentLoader())
