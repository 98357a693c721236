"""Genesys Cloud speech and text analytics transcript (the JSON behind `.../transcripturl`).

`transcripts[].phrases[]` with `decoratedText` (preferred) or `text`, `participantPurpose`
(internal -> agent, external/customer -> customer, acd/ivr/bot -> bot; vendor roles),
`startTimeMs` (epoch ms, made relative to `conversationStartTime`, else to the first phrase) and
`duration.milliseconds`. Phrases of all transcripts are ordered by start time. Conversation id:
`conversationId`. Metadata: the internal participant's `userId` as agent, its `queueId` as queue.
Channel from `mediaType` (call -> voice, chat/message -> chat, email -> email).
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

_ROLES = {"internal": AGENT, "agent": AGENT, "external": CUSTOMER, "customer": CUSTOMER, "acd": BOT, "ivr": BOT, "bot": BOT}
_CHANNELS = {"call": "voice", "callback": "voice", "chat": "chat", "message": "chat", "email": "email"}


class GenesysLoader(VendorLoader):
    name = "genesys"
    description = "Genesys Cloud speech & text analytics transcript (transcripts[].phrases[])"
    example = '{"conversationId": "c1", "transcripts": [{"phrases": [{"text": "hola", "participantPurpose": "internal", "startTimeMs": 1614889894500}]}]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        return 0.9 if looks_json(head) and has_keys(head, "transcripts", "phrases") and has_keys(head, "participantPurpose") else 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict) or not isinstance(data.get("transcripts"), list):
            yield doc_error(doc, "no `transcripts` list: not a Genesys transcript")
            return
        rows, errors = [], []
        for number, part in enumerate(data["transcripts"]):
            def build(index: int, phrase: dict, number=number):
                start = to_float(phrase.get("startTimeMs"))
                length = to_float((phrase.get("duration") or {}).get("milliseconds"))
                text = phrase.get("decoratedText") or phrase.get("text")
                purpose = str(phrase.get("participantPurpose", ""))
                return (start if start is not None else float("inf"), number, index,
                        turn(_ROLES.get(purpose.lower(), UNKNOWN), clean_text(text), speaker=purpose,
                             start=start, end=None if start is None or length is None else start + length))

            phrases = part.get("phrases") if isinstance(part, dict) else None
            for made in items_of(doc, phrases, f"transcripts[{number}].phrases", build):
                (rows if isinstance(made, tuple) else errors).append(made)
        yield from errors
        if errors and not rows:
            return
        rows.sort(key=lambda r: r[:3])
        origin = to_float(data.get("conversationStartTime"))
        if origin is None:
            origin = min((r[3].start for r in rows if r[3].start is not None), default=None)
        turns = []
        for *_, made in rows:
            if origin is not None and made.start is not None:
                made.start = round((made.start - origin) / 1000, 3)
                made.end = None if made.end is None else round((made.end - origin) / 1000, 3)
            turns.append(made)
        internal = next((p for p in data.get("participants") or [] if isinstance(p, dict) and p.get("participantPurpose") == "internal"), {})
        languages = [p.get("language") for p in data["transcripts"] if isinstance(p, dict) and p.get("language")]
        date = datetime.fromtimestamp(origin / 1000, tz=timezone.utc).isoformat() if origin is not None else None
        yield transcript(doc, data.get("conversationId"), turns, options, channel=_CHANNELS.get(str(data.get("mediaType", "")).lower(), ""),
                         language_code=languages[0] if languages else "",
                         metadata={"agent": internal.get("userId"), "queue": internal.get("queueId"), "date": date})


register(GenesysLoader())
