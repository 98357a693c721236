"""Google CCAI Insights conversations: the import JSON (`entries`) and the API resource (`transcript`).

Import format: `entries[]` with `role` (AGENT, HUMAN_AGENT, AUTOMATED_AGENT, CUSTOMER, END_USER),
`text`, `start_timestamp_usec` (µs epoch, made relative to the first entry, whose time is
metadata "date") and `user_id` (the speaker). API resource: `transcript.transcriptSegments[]`
with `text`, `segmentParticipant.role`, and `messageTime` (ISO) or the first word's `startOffset` ("1.300s");
a segment without a role takes it from `channelTag` against `callMetadata.agentChannel` /
`customerChannel`. Conversation id: the last part of `name`, else the file name. `agentId` is
metadata "agent". Roles are vendor roles; AUTOMATED_AGENT is the bot.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import (
    VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, parse_iso, split_items, to_float, transcript, turn,
)
from cx_audit.model import AGENT, BOT, CUSTOMER, UNKNOWN

ROLES = {"AGENT": AGENT, "HUMAN_AGENT": AGENT, "ANY_AGENT": AGENT, "AUTOMATED_AGENT": BOT,
         "CUSTOMER": CUSTOMER, "END_USER": CUSTOMER}


def _duration(value: Any) -> float | None:
    if isinstance(value, str) and value.endswith("s"):
        return to_float(value[:-1])
    return to_float(value)


class CcaiInsightsLoader(VendorLoader):
    name = "ccai-insights"
    description = "Google CCAI Insights conversation (import JSON `entries`, or the API `transcriptSegments`)"
    example = '{"entries": [{"start_timestamp_usec": 1675230581000000, "text": "Hi, how can I help?", "role": "AGENT", "user_id": 2}]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if not looks_json(head):
            return 0.0
        if has_keys(head, "entries") and (has_keys(head, "start_timestamp_usec") or has_keys(head, "role", "text", "user_id")):
            return 0.9
        if has_keys(head, "transcriptSegments"):
            return 0.9
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict):
            yield doc_error(doc, "expected a JSON object: not a CCAI Insights conversation")
            return
        if "entries" in data:
            def build(index: int, entry: dict):
                usec = to_float(entry.get("start_timestamp_usec"))
                return turn(ROLES.get(str(entry.get("role", "")).upper(), UNKNOWN), clean_text(entry.get("text")),
                            speaker=str(entry.get("user_id", "")), start=None if usec is None else usec / 1e6)

            turns, errors = split_items(list(items_of(doc, data["entries"], "entries", build)))
            starts = [t.start for t in turns if t.start is not None]
            for t in turns:
                if t.start is not None:
                    t.start = round(t.start - min(starts), 3)
            channel = "chat"
            if starts and not data.get("startTime"):
                data = {**data, "startTime": datetime.fromtimestamp(min(starts), tz=timezone.utc).isoformat()}
        elif isinstance(data.get("transcript"), dict):
            call = data.get("callMetadata") or {}
            channels = {call.get("agentChannel"): AGENT, call.get("customerChannel"): CUSTOMER}

            def build(index: int, segment: dict):
                participant = segment.get("segmentParticipant") or {}
                role = ROLES.get(str(participant.get("role", "")).upper()) or channels.get(segment.get("channelTag"), UNKNOWN)
                stamp = parse_iso(segment.get("messageTime"))
                words = segment.get("words") or [{}]
                start = stamp.timestamp() if stamp else _duration(words[0].get("startOffset"))
                end = _duration(words[-1].get("endOffset")) if not stamp else None
                return turn(role, clean_text(segment.get("text")), speaker=str(participant.get("userId", "")), start=start, end=end)

            turns, errors = split_items(list(items_of(doc, data["transcript"].get("transcriptSegments"), "transcript.transcriptSegments", build)))
            if any(isinstance(s, dict) and s.get("messageTime") for s in data["transcript"].get("transcriptSegments") or []):
                starts = [t.start for t in turns if t.start is not None]
                for t in turns:
                    if t.start is not None:
                        t.start = round(t.start - min(starts), 3)
            channel = "voice" if data.get("medium") == "PHONE_CALL" else "chat"
        else:
            yield doc_error(doc, "no `entries` or `transcript`: not a CCAI Insights conversation")
            return
        yield from errors
        if errors and not turns:
            return
        name = str(data.get("name") or "").rstrip("/").split("/")[-1]
        yield transcript(doc, name, turns, options, channel=channel, language_code=data.get("languageCode"),
                         metadata={"agent": data.get("agentId"), "date": data.get("startTime")})


register(CcaiInsightsLoader())
