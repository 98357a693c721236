"""ASAPP Action-Based Conversations Dataset (ABCD): a list of conversations, or `{split: [...]}`.

Each conversation has `convo_id` and `original: [[speaker, text], ...]` with speaker agent or
customer (role_source "vendor"). Rows of speaker `action` are the agent's button presses in the
tool, not speech: they are dropped. When `original` is missing, `delexed: [{speaker, text}]` is
read instead and its slot tokens (`<username>`, `<account_id>`) are removed. Each conversation's
source is `path#N` (`path#split[N]` for a split file); a bad conversation is a located error and
the others still load. Scenario `flow`/`subflow` go to metadata.
"""

from __future__ import annotations

from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import VendorLoader, clean_text, doc_error, has_keys, looks_json, record_error, transcript, turn
from cx_audit.model import AGENT, CUSTOMER, UNKNOWN

_ROLES = {"agent": AGENT, "customer": CUSTOMER}


def _rows(convo: dict) -> list[tuple[str, str]]:
    if isinstance(convo.get("original"), list):
        rows = []
        for row in convo["original"]:
            if not isinstance(row, (list, tuple)) or len(row) < 2:
                raise ValueError(f"`original` row {len(rows)} is not a [speaker, text] pair")
            rows.append((str(row[0]), str(row[1])))
        return rows
    if isinstance(convo.get("delexed"), list):
        return [(str(row["speaker"]), str(row["text"])) for row in convo["delexed"]]
    raise ValueError("no `original` or `delexed` list")


class AbcdLoader(VendorLoader):
    name = "abcd"
    description = "ASAPP ABCD dataset conversations (original: [[speaker, text], ...]; actions dropped)"
    example = '[{"convo_id": 3592, "original": [["agent", "How can I help you?"], ["customer", "I need to return an item"]]}]'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if looks_json(head) and has_keys(head, "convo_id") and (has_keys(head, "original") or has_keys(head, "delexed")):
            return 0.95
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        if isinstance(data, list):
            groups = [("", data)]
        elif isinstance(data, dict) and all(isinstance(v, list) for v in data.values()):
            groups = list(data.items())
        else:
            yield doc_error(doc, "expected a list of conversations or {split: [conversations]}")
            return
        for split, convos in groups:
            for index, convo in enumerate(convos):
                where = f"{split}[{index}]" if split else str(index)
                try:
                    if not isinstance(convo, dict):
                        raise ValueError(f"expected an object, found {type(convo).__name__}")
                    rows = _rows(convo)
                except (ValueError, KeyError, TypeError) as err:
                    yield record_error(doc, where, f"conversation skipped: {err}")
                    continue
                turns = [turn(_ROLES.get(speaker.lower(), UNKNOWN), clean_text(text), speaker=speaker)
                         for speaker, text in rows if speaker.lower() != "action"]
                scenario = convo.get("scenario") if isinstance(convo.get("scenario"), dict) else {}
                yield transcript(doc, convo.get("convo_id"), turns, options, source=f"{doc.name}#{where}", channel="chat",
                                 language_code="en", metadata={"flow": scenario.get("flow"), "subflow": scenario.get("subflow")})


register(AbcdLoader())
