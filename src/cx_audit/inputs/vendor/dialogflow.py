"""Dialogflow (Agent Assist / CCAI) conversation history: `{"messages": [...]}` from the API.

Each message has `content`, `participantRole` (HUMAN_AGENT -> agent, AUTOMATED_AGENT -> bot,
END_USER -> customer; vendor roles), `participant` (the speaker: the last part of its name) and
`sendTime`/`createTime` (ISO). The API lists messages newest first, so they are sorted by
`sendTime`, falling back to `createTime`, then file order. Conversation id: the conversation part
of the messages' `name` (`.../conversations/ID/messages/M`), else the file name.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import (
    VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, parse_iso, transcript, turn,
)
from cx_audit.inputs.vendor.ccai import ROLES
from cx_audit.model import UNKNOWN

_CONVERSATION = re.compile(r"/conversations/([^/]+)")


class DialogflowLoader(VendorLoader):
    name = "dialogflow"
    description = "Dialogflow / Agent Assist conversation messages ({\"messages\": [...participantRole...]})"
    example = '{"messages": [{"content": "¿En qué le puedo ayudar?", "participantRole": "HUMAN_AGENT", "sendTime": "2024-03-01T10:00:02Z"}]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        return 0.9 if looks_json(head) and has_keys(head, "messages", "participantRole") else 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict) or "messages" not in data:
            yield doc_error(doc, "no `messages` list: not a Dialogflow conversation")
            return

        def build(index: int, message: dict):
            stamp = parse_iso(message.get("sendTime")) or parse_iso(message.get("createTime"))
            speaker = str(message.get("participant", "")).rstrip("/").split("/")[-1]
            made = turn(ROLES.get(str(message.get("participantRole", "")).upper(), UNKNOWN), clean_text(message.get("content")),
                        speaker=speaker, start=stamp.timestamp() if stamp else None)
            return (made.start if made.start is not None else float("inf"), index, made)

        made = list(items_of(doc, data["messages"], "messages", build))
        rows = sorted((m for m in made if isinstance(m, tuple)), key=lambda r: (r[0], r[1]))
        errors = [m for m in made if not isinstance(m, tuple)]
        yield from errors
        if errors and not rows:
            return
        turns = [r[2] for r in rows]
        starts = [t.start for t in turns if t.start is not None]
        for t in turns:
            if t.start is not None:
                t.start = round(t.start - min(starts), 3)
        names = [str(m.get("name", "")) for m in data["messages"] if isinstance(m, dict)]
        found = next((_CONVERSATION.search(n).group(1) for n in names if _CONVERSATION.search(n)), "")
        first = min((parse_iso(m.get("sendTime")) or parse_iso(m.get("createTime")) for m in data["messages"]
                     if isinstance(m, dict) and (m.get("sendTime") or m.get("createTime"))), default=None)
        languages = [m.get("languageCode") for m in data["messages"] if isinstance(m, dict) and m.get("languageCode")]
        yield transcript(doc, found, turns, options, channel="chat", language_code=languages[0] if languages else "",
                         metadata={"date": first.isoformat() if first else None})


register(DialogflowLoader())
