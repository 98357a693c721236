"""Intercom conversation with its parts (`GET /conversations/{id}`).

The first message is `source` (its `author` and `body`); then `conversation_parts` in
`created_at` order. Parts of type `note` (internal notes) are dropped, and so are parts without a
body (assignment, open, close, snoozed and other state changes). Bodies are HTML, reduced to text.
Role from `author.type`: user/lead/contact -> customer, admin/team -> agent, bot -> bot, and
`from_ai_agent`/`is_ai_answer` -> bot (vendor roles). Speaker: the author's name. Times: epoch
seconds, relative to the conversation's `created_at`. Conversation id: `id`. Metadata:
`admin_assignee_id` as agent, `team_assignee_id` as queue.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import (
    VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, to_float, transcript, turn,
)
from cx_audit.model import AGENT, BOT, CUSTOMER, UNKNOWN

_ROLES = {"user": CUSTOMER, "lead": CUSTOMER, "contact": CUSTOMER, "admin": AGENT, "team": AGENT, "bot": BOT}


def _author_role(author: dict, part: dict) -> str:
    if author.get("from_ai_agent") or part.get("is_ai_answer"):
        return BOT
    return _ROLES.get(str(author.get("type", "")).lower(), UNKNOWN)


class IntercomLoader(VendorLoader):
    name = "intercom"
    description = "Intercom conversation JSON (first message in `source`, then `conversation_parts`; notes skipped)"
    example = '{"type": "conversation", "id": "1911149811", "source": {"author": {"type": "user"}, "body": "<p>Hola</p>"}, "conversation_parts": {...}}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if looks_json(head) and (has_keys(head, "conversation_parts") or (has_keys(head, "source") and '"conversation"' in head and has_keys(head, "author"))):
            return 0.9
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict) or not ("source" in data or "conversation_parts" in data):
            yield doc_error(doc, "no `source` or `conversation_parts`: not an Intercom conversation")
            return
        origin = to_float(data.get("created_at"))
        turns = []
        source = data.get("source")
        if isinstance(source, dict) and source.get("body"):
            author = source.get("author") or {}
            turns.append(turn(_author_role(author, source), clean_text(source["body"], html=True),
                              speaker=str(author.get("name") or author.get("id") or ""), start=0.0 if origin is not None else None))
        parts = data.get("conversation_parts")
        if isinstance(parts, dict):
            parts = parts.get("conversation_parts")

        def build(index: int, part: dict):
            if str(part.get("part_type", "")).startswith("note") or not part.get("body"):
                return None
            author = part.get("author") or {}
            created = to_float(part.get("created_at"))
            start = None if created is None or origin is None else round(created - origin, 3)
            return (created if created is not None else float("inf"), index,
                    turn(_author_role(author, part), clean_text(part["body"], html=True),
                         speaker=str(author.get("name") or author.get("id") or ""), start=start))

        made = list(items_of(doc, parts if parts is not None else [], "conversation_parts", build))
        errors = [m for m in made if not isinstance(m, tuple)]
        yield from errors
        turns.extend(r[2] for r in sorted((m for m in made if isinstance(m, tuple)), key=lambda r: (r[0], r[1])))
        if errors and not turns:
            return
        date = datetime.fromtimestamp(origin, tz=timezone.utc).isoformat() if origin is not None else None
        yield transcript(doc, data.get("id"), turns, options, channel="chat",
                         metadata={"date": date, "agent": data.get("admin_assignee_id"), "queue": data.get("team_assignee_id")})


register(IntercomLoader())
