"""Zendesk ticket comments: `GET /api/v2/tickets/{id}/comments.json?include=users`.

Only public comments are read: `public: false` comments are internal notes and are dropped.
Text: `plain_body`, else `html_body` or `body` reduced to text. Role: the author's `role` in the
sideloaded `users` (end-user -> customer, agent/admin -> agent; vendor roles); an author missing
from `users` stays "unknown". Speaker: the user's name, else the author id. Times: `created_at`
relative to the first comment. Conversation id: `ticket.id` when the file has the ticket, else the
file name (Zendesk puts the ticket id in the URL, not in the comments). Channel from the first
comment's `via.channel` (email/web -> email, chat/native_messaging -> chat, voice -> voice).
"""

from __future__ import annotations

from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import (
    VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, parse_iso, split_items, transcript, turn,
)
from cx_audit.model import AGENT, CUSTOMER, UNKNOWN

_ROLES = {"end-user": CUSTOMER, "agent": AGENT, "admin": AGENT}
_CHANNELS = {"email": "email", "web": "email", "mail": "email", "chat": "chat", "native_messaging": "chat",
             "whatsapp": "chat", "voice": "voice", "twitter": "social", "facebook": "social"}


class ZendeskLoader(VendorLoader):
    name = "zendesk"
    description = "Zendesk ticket comments JSON (public comments only; roles from the users sideload)"
    example = '{"comments": [{"author_id": 1, "public": true, "plain_body": "Hola"}], "users": [{"id": 1, "role": "end-user"}]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        return 0.9 if looks_json(head) and has_keys(head, "comments", "author_id") else 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict) or "comments" not in data:
            yield doc_error(doc, "no `comments` list: not a Zendesk comments export")
            return
        users = {str(u.get("id")): u for u in data.get("users") or [] if isinstance(u, dict)}

        def build(index: int, comment: dict):
            if comment.get("public") is False:
                return None  # internal note
            user = users.get(str(comment.get("author_id")), {})
            if comment.get("plain_body") is not None:
                text = clean_text(comment["plain_body"], html=False)
            else:
                text = clean_text(comment.get("html_body") or comment.get("body"), html=None)
            stamp = parse_iso(comment.get("created_at"))
            return turn(_ROLES.get(str(user.get("role", "")).lower(), UNKNOWN), text,
                        speaker=str(user.get("name") or comment.get("author_id", "")), start=stamp.timestamp() if stamp else None)

        turns, errors = split_items(list(items_of(doc, data["comments"], "comments", build)))
        yield from errors
        if errors and not turns:
            return
        starts = [t.start for t in turns if t.start is not None]
        for t in turns:
            if t.start is not None:
                t.start = round(t.start - min(starts), 3)
        comments = [c for c in data["comments"] if isinstance(c, dict)]
        via = (comments[0].get("via") or {}) if comments else {}
        ticket = data.get("ticket") if isinstance(data.get("ticket"), dict) else {}
        first = min((parse_iso(c.get("created_at")) for c in comments if parse_iso(c.get("created_at"))), default=None)
        yield transcript(doc, ticket.get("id"), turns, options, channel=_CHANNELS.get(str(via.get("channel", "")), ""),
                         metadata={"date": first.isoformat() if first else None, "agent": ticket.get("assignee_id"),
                                   "queue": ticket.get("group_id")})


register(ZendeskLoader())
