"""Amazon Connect Contact Lens analysis files, chat and voice (and the raw Connect chat transcript).

Chat (`Version: CHAT-...`, or a raw `2019-08-26` chat transcript): `Transcript[]` rows of `Type`
MESSAGE, EVENT or ATTACHMENT. Only MESSAGE rows with `Content` become turns; EVENT rows (joined,
left, chat ended) and attachments are dropped, never scored. Role is the row's `ParticipantRole`
(AGENT, CUSTOMER, SYSTEM, CUSTOM_BOT; SUPERVISOR counts as agent), else looked up by
`ParticipantId` in `Participants`; speaker is `DisplayName`. Markdown content is reduced to text;
interactive (JSON) messages give their title. Times: `AbsoluteTime`, made relative to the first row.

Voice (`Version: VOICE-...` or `1.1.0`): turns carry `ParticipantId`, not a role; the role comes
from `Participants[].ParticipantRole`. Times: `BeginOffsetMillis`/`EndOffsetMillis`.

Quirks survived: `Id` is not assumed unique (the voice example repeats one placeholder on every
turn); vendor labels are kept as given (the chat example gives a customer-sounding complaint the
role AGENT; `roles.resolve_roles` may warn about such contradictions); `[PII]` masks are removed.
Conversation id: `CustomerMetadata.ContactId`, else `ContactId`, else the file name before
`_analysis` (the S3 key is `<contactId>_analysis_<timestamp>.json`).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._amazon import amazon_role, participant_roles
from cx_audit.inputs.vendor._common import (
    VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, markdown_to_text, ms, parse_iso, split_items, transcript, turn,
)
from cx_audit.inputs.vendor.transcribe_analytics import CONTACT_LENS_MARK


def _interactive_text(content: str) -> str:
    """The visible title of an interactive message (a JSON payload), or "" when none."""
    try:
        payload = json.loads(content)
    except (TypeError, ValueError):
        return ""
    data = payload.get("data", {}) if isinstance(payload, dict) else {}
    inner = data.get("content", {}) if isinstance(data, dict) else {}
    return str(inner.get("title", "")) if isinstance(inner, dict) else ""


class ContactLensLoader(VendorLoader):
    name = "contact-lens"
    description = "Amazon Connect Contact Lens analysis file, chat or voice (and raw Connect chat transcripts)"
    example = '{"Version": "CHAT-2022-11-30", "Transcript": [{"Type": "MESSAGE", "ParticipantRole": "AGENT", "Content": "Hello"}]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if looks_json(head) and CONTACT_LENS_MARK.search(head) and has_keys(head, "Transcript"):
            return 0.95
        if looks_json(head) and has_keys(head, "Transcript", "ParticipantId") and not has_keys(head, "JobName"):
            return 0.85
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict) or "Transcript" not in data:
            yield doc_error(doc, "no `Transcript` list: not a Contact Lens file")
            return
        roles = participant_roles(data)
        rows = data["Transcript"]
        version = str(data.get("Version", ""))
        is_chat = str(data.get("Channel", "")).upper() == "CHAT" or version.startswith("CHAT") or version == "2019-08-26" or (
            isinstance(rows, list) and any(isinstance(r, dict) and "Type" in r for r in rows))
        build = self._chat_turn if is_chat else self._voice_turn
        made = list(items_of(doc, rows, "Transcript", lambda i, r: build(r, roles)))
        turns, errors = split_items(made)
        yield from errors
        if errors and not turns:
            return  # nothing readable: the errors say why
        if is_chat:
            # Chat times are absolute: relative to the first timestamped row, events included.
            stamps = [parse_iso(r.get("AbsoluteTime")) if isinstance(r, dict) else None for r in rows]
            origin = [s.timestamp() for s in stamps if s is not None]
            start0 = min(origin) if origin else None
            for t in turns:
                if t.start is not None and start0 is not None:
                    t.start = round(t.start - start0, 3)
        meta = data.get("CustomerMetadata") if isinstance(data.get("CustomerMetadata"), dict) else {}
        cid = meta.get("ContactId") or data.get("ContactId") or re.split(r"_analysis", doc.stem)[0]
        first = min((s for s in stamps if s is not None), default=None) if is_chat else None
        yield transcript(doc, cid, turns, options, channel="chat" if is_chat else "voice",
                         language_code=data.get("LanguageCode"), metadata={"date": first.isoformat() if first else None})

    @staticmethod
    def _chat_turn(row: dict, roles: dict[str, str]):
        if str(row.get("Type", "MESSAGE")).upper() != "MESSAGE" or not row.get("Content"):
            return None  # EVENT / ATTACHMENT rows are never scored
        content = str(row["Content"])
        content_type = str(row.get("ContentType", "text/plain"))
        if "interactive" in content_type:
            content = _interactive_text(content)
        elif "markdown" in content_type:
            content = markdown_to_text(content)
        raw_role = row.get("ParticipantRole") or roles.get(str(row.get("ParticipantId", "")), "")
        stamp = parse_iso(row.get("AbsoluteTime"))
        return turn(amazon_role(raw_role), clean_text(content), speaker=clean_text(row.get("DisplayName")),
                    start=stamp.timestamp() if stamp else None)

    @staticmethod
    def _voice_turn(row: dict, roles: dict[str, str]):
        pid = str(row.get("ParticipantId", ""))
        raw_role = row.get("ParticipantRole") or roles.get(pid, "") or pid
        return turn(amazon_role(raw_role), clean_text(row.get("Content")), speaker=pid,
                    start=ms(row.get("BeginOffsetMillis")), end=ms(row.get("EndOffsetMillis")))


register(ContactLensLoader())
