"""AWS Post-Call Analytics (PCA solution) parsed output: `ConversationAnalytics` + `SpeechSegments`.

Role: `SegmentSpeaker` (spk_N) looked up in `ConversationAnalytics.SpeakerLabels[].DisplayText`
("Agent"/"Customer"), role_source "vendor". These labels come from a deployment parameter and can
be backwards: the shared sample labels as customer the speaker who says "Thank you for calling ...
technical support". The loader keeps the label; `roles.resolve_roles` warns about it and
`--role-map spk_1=agent` fixes it. Text: `DisplayText` (human-edited), else `OriginalText`; `[PII]`
removed. Times: `SegmentStartTime`/`SegmentEndTime` (float seconds). Conversation id: `GUID`, else
the Transcribe job name, else the file name ("None" counts as missing). Metadata: `Agent` as agent,
`ConversationTime` as date.
"""

from __future__ import annotations

from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import (
    VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, split_items, to_float, transcript, turn,
)
from cx_audit.model import AGENT, BOT, CUSTOMER, SYSTEM, UNKNOWN

_ROLES = {"agent": AGENT, "customer": CUSTOMER, "caller": CUSTOMER, "bot": BOT, "system": SYSTEM}


class PcaLoader(VendorLoader):
    name = "pca"
    description = "AWS Post-Call Analytics parsed output (ConversationAnalytics + SpeechSegments)"
    example = '{"ConversationAnalytics": {"SpeakerLabels": [{"Speaker": "spk_0", "DisplayText": "Agent"}]}, "SpeechSegments": [...]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if looks_json(head) and (has_keys(head, "ConversationAnalytics") or has_keys(head, "SpeechSegments")):
            return 0.95 if has_keys(head, "ConversationAnalytics") else 0.9
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict) or "SpeechSegments" not in data:
            yield doc_error(doc, "no `SpeechSegments` list: not a PCA output")
            return
        analytics = data.get("ConversationAnalytics") or {}
        labels = {str(s.get("Speaker")): str(s.get("DisplayText", "")) for s in analytics.get("SpeakerLabels") or [] if isinstance(s, dict)}

        def build(index: int, segment: dict):
            speaker = str(segment.get("SegmentSpeaker", ""))
            role = _ROLES.get(labels.get(speaker, "").strip().lower(), UNKNOWN)
            text = segment.get("DisplayText") or segment.get("OriginalText")
            return turn(role, clean_text(text), speaker=speaker,
                        start=to_float(segment.get("SegmentStartTime")), end=to_float(segment.get("SegmentEndTime")))

        turns, errors = split_items(list(items_of(doc, data["SpeechSegments"], "SpeechSegments", build)))
        yield from errors
        if errors and not turns:
            return  # nothing readable: the errors say why
        job = ""
        for source in analytics.get("SourceInformation") or []:
            info = source.get("TranscribeJobInfo") if isinstance(source, dict) else None
            if isinstance(info, dict) and info.get("TranscriptionJobName"):
                job = info["TranscriptionJobName"]
        guid = analytics.get("GUID")
        cid = guid if guid not in (None, "", "None") else job
        yield transcript(doc, cid, turns, options, channel="voice", language_code=analytics.get("LanguageCode"),
                         metadata={"agent": analytics.get("Agent"), "date": analytics.get("ConversationTime")})


register(PcaLoader())
