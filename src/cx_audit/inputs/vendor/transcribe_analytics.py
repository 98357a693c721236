"""Amazon Transcribe Call Analytics (post-call) output.

`Transcript[]` turns with `ParticipantRole` (AGENT/CUSTOMER, from the job's channel definitions),
`Content` and `BeginOffsetMillis`/`EndOffsetMillis`; sorted by begin offset (stable). The job name
is the conversation id. Per-turn sentiment, issues and loudness are not read. `[PII]` masks are
removed from the text (see `_common`).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._amazon import amazon_role, participant_roles
from cx_audit.inputs.vendor._common import VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, ms, transcript, turn

# Contact Lens files share the turn shape but carry a `Version` (CHAT-/VOICE-/1.1.0) or customer metadata.
CONTACT_LENS_MARK = re.compile(r'"(Version"\s*:\s*"(CHAT-|VOICE-|1\.1\.0|2019-08-26)|CustomerMetadata"|ChatTranscriptVersion")')


class TranscribeCallAnalyticsLoader(VendorLoader):
    name = "transcribe-call-analytics"
    description = "Amazon Transcribe Call Analytics output (Transcript[] with ParticipantRole)"
    example = '{"JobName": "call-1", "Transcript": [{"ParticipantRole": "AGENT", "Content": "Hello", "BeginOffsetMillis": 0}]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if not looks_json(head) or CONTACT_LENS_MARK.search(head) or not has_keys(head, "Transcript"):
            return 0.0
        if has_keys(head, "ParticipantRole", "Content") and (has_keys(head, "JobName") or has_keys(head, "BeginOffsetMillis")):
            return 0.9
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict) or "Transcript" not in data:
            yield doc_error(doc, "no `Transcript` list: not a Call Analytics output")
            return
        roles = participant_roles(data)

        def build(index: int, item: dict):
            raw_role = item.get("ParticipantRole") or roles.get(str(item.get("ParticipantId", "")), "")
            return (item.get("BeginOffsetMillis") or 0, index, turn(
                amazon_role(raw_role), clean_text(item.get("Content")), speaker="",
                start=ms(item.get("BeginOffsetMillis")), end=ms(item.get("EndOffsetMillis"))))

        made = list(items_of(doc, data["Transcript"], "Transcript", build))
        errors = [m for m in made if not isinstance(m, tuple)]
        rows = sorted((m for m in made if isinstance(m, tuple)), key=lambda r: (float(r[0]), r[1]))
        yield from errors
        if errors and not rows:
            return  # nothing readable: the errors say why
        channel = str(data.get("Channel") or "VOICE").lower()
        yield transcript(doc, data.get("JobName"), [r[2] for r in rows], options,
                         channel="voice" if channel == "voice" else channel, language_code=data.get("LanguageCode"))


register(TranscribeCallAnalyticsLoader())
