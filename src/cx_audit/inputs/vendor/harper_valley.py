"""Gridspace-Stanford Harper Valley bank calls: `data/transcript/<sid>.json` and its metadata.

A transcript file has `sid` and `segments[]` with `speaker_role` (agent/caller, role_source
"vendor"), `human_transcript` (preferred: the corrected text) or `transcript` (the ASR text),
and times. Start is `offset_ms` (relative to the call on both channels) when present, else
`start_ms` (which, on the agent channel, is relative to that channel); end adds `duration_ms`.
Non-speech tags such as `[noise]` are removed; a segment left empty is dropped.

The metadata file (`data/metadata/<sid>.json`, or `<sid>.metadata.json` beside the transcript) is
read with its transcript: the agent's name becomes metadata "agent", the call start "date". A
metadata file read on its own yields no conversation and no error: it is not a transcript.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import (
    VendorLoader, clean_text, doc_error, has_keys, items_of, looks_json, ms, split_items, to_float, transcript, turn,
)
from cx_audit.model import AGENT, CUSTOMER, UNKNOWN

_ROLES = {"agent": AGENT, "caller": CUSTOMER, "customer": CUSTOMER}
_NON_SPEECH = re.compile(r"\[[a-z_ ]+\]|<unk>")


def _metadata_path(doc: Document, sid: str) -> str | None:
    if doc.name == "<stdin>":
        return None
    folder = os.path.dirname(doc.name)
    for candidate in (os.path.join(folder, f"{sid}.metadata.json"),
                      os.path.join(os.path.dirname(folder), "metadata", f"{sid}.json")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _metadata(doc: Document, sid: str) -> dict:
    path = _metadata_path(doc, sid)
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            meta = json.load(handle)
    except (OSError, ValueError):
        return {}
    out: dict[str, Any] = {}
    agent = meta.get("agent") if isinstance(meta, dict) else None
    if isinstance(agent, dict) and isinstance(agent.get("metadata"), dict):
        out["agent"] = agent["metadata"].get("agent_name")
    start = to_float(meta.get("start_time_ms")) if isinstance(meta, dict) else None
    if start is not None:
        out["date"] = datetime.fromtimestamp(start / 1000, tz=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    tasks = meta.get("tasks") if isinstance(meta, dict) else None
    if isinstance(tasks, list) and tasks and isinstance(tasks[0], dict) and tasks[0].get("task_type"):
        out["task_type"] = tasks[0]["task_type"]
    return out


class HarperValleyLoader(VendorLoader):
    name = "harper-valley"
    description = "Gridspace-Stanford Harper Valley call (segments with speaker_role agent/caller)"
    example = '{"sid": "0002f70f7386445b", "segments": [{"speaker_role": "agent", "offset_ms": 3720, "human_transcript": "hello"}]}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if not looks_json(head):
            return 0.0
        if has_keys(head, "segments", "speaker_role") and (has_keys(head, "human_transcript") or has_keys(head, "start_ms")):
            return 0.95
        if has_keys(head, "sid", "caller", "agent") and has_keys(head, "speaker_id"):
            return 0.9  # the metadata file
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if not isinstance(data, dict):
            yield doc_error(doc, "expected a JSON object: not a Harper Valley file")
            return
        if "segments" not in data:
            if "caller" in data and "agent" in data:
                return  # a metadata file: read together with its transcript
            yield doc_error(doc, "no `segments` list: not a Harper Valley transcript")
            return

        def build(index: int, segment: dict):
            text = segment.get("human_transcript")
            if text is None:
                text = segment.get("transcript")
            text = _NON_SPEECH.sub("", str(text or ""))
            start_ms = segment.get("offset_ms", segment.get("start_ms"))
            start = ms(start_ms)
            duration = to_float(segment.get("duration_ms"))
            end = None if start is None or duration is None else round(start + duration / 1000, 3)
            role_label = str(segment.get("speaker_role", ""))
            return turn(_ROLES.get(role_label.lower(), UNKNOWN), clean_text(text), speaker=role_label, start=start, end=end)

        turns, errors = split_items(list(items_of(doc, data["segments"], "segments", build)))
        yield from errors
        if errors and not turns:
            return  # nothing readable: the errors say why
        sid = str(data.get("sid") or doc.stem.split(".")[0])
        yield transcript(doc, sid, turns, options, channel="voice", language_code="en", metadata=_metadata(doc, sid))


register(HarperValleyLoader())
