"""Twilio Conversations messages: `GET /v1/Conversations/CHxx/Messages` (`{"messages": [...]}`).

Messages are ordered by `index`. Text: `body`; media-only messages (empty body) are dropped.
Speaker: `author`. Twilio gives no role; the loader derives one only from what Twilio's model
says (role_source "vendor"): when the file also carries `participants`, an author who is a
participant with an `identity` (an SDK user: the agent in Flex) is the agent and one with a
`messaging_binding.address` is the customer; without participants, an author that is an address
(`whatsapp:+34...`, `+1...`, `sms:`, `messenger:`) is the customer and the author `system` is the
system. Other authors stay "unknown" for `roles.resolve_roles`. Times: `date_created` relative to
the first message. Conversation id: `conversation_sid`, else the file name.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import (
    VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, parse_iso, to_float, transcript, turn,
)
from cx_audit.model import AGENT, CUSTOMER, SYSTEM, UNKNOWN

_ADDRESS = re.compile(r"^(?:whatsapp:|sms:|messenger:|rcs:)?\+?\d[\d\s-]{5,}$|^(?:whatsapp|messenger|sms|rcs):", re.I)


def _roles(data: dict) -> dict[str, str]:
    table: dict[str, str] = {}
    for participant in data.get("participants") or []:
        if not isinstance(participant, dict):
            continue
        binding = participant.get("messaging_binding") or {}
        if participant.get("identity"):
            table[str(participant["identity"])] = AGENT
        if binding.get("address"):
            table[str(binding["address"])] = CUSTOMER
            if binding.get("proxy_address"):
                table.setdefault(str(binding["proxy_address"]), AGENT)
    return table


class TwilioLoader(VendorLoader):
    name = "twilio"
    description = "Twilio Conversations messages JSON (ordered by index; roles from participants or addresses)"
    example = '{"messages": [{"conversation_sid": "CH...", "index": 0, "author": "whatsapp:+34600000000", "body": "Hola"}]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if looks_json(head) and has_keys(head, "messages") and (has_keys(head, "conversation_sid") or has_keys(head, "author", "body", "index")):
            return 0.9
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict) or "messages" not in data:
            yield doc_error(doc, "no `messages` list: not a Twilio Conversations export")
            return
        roles = _roles(data)

        def build(index: int, message: dict):
            author = str(message.get("author") or "system")
            if author in roles:
                role = roles[author]
            elif author.lower() == "system":
                role = SYSTEM
            elif not roles and _ADDRESS.match(author):
                role = CUSTOMER
            else:
                role = UNKNOWN
            stamp = parse_iso(message.get("date_created"))
            order = to_float(message.get("index"))
            return (order if order is not None else float(index), index,
                    turn(role, clean_text(message.get("body"), html=False), speaker=author, start=stamp.timestamp() if stamp else None))

        made = list(items_of(doc, data["messages"], "messages", build))
        errors = [m for m in made if not isinstance(m, tuple)]
        rows = sorted((m for m in made if isinstance(m, tuple)), key=lambda r: (r[0], r[1]))
        yield from errors
        if errors and not rows:
            return
        turns = [r[2] for r in rows]
        starts = [t.start for t in turns if t.start is not None]
        for t in turns:
            if t.start is not None:
                t.start = round(t.start - min(starts), 3)
        sids = [m.get("conversation_sid") for m in data["messages"] if isinstance(m, dict) and m.get("conversation_sid")]
        first = min((parse_iso(m.get("date_created")) for m in data["messages"] if isinstance(m, dict) and parse_iso(m.get("date_created"))), default=None)
        yield transcript(doc, sids[0] if sids else None, turns, options, channel="chat",
                         metadata={"date": first.isoformat() if first else None})


register(TwilioLoader())
