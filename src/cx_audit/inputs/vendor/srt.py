"""SRT subtitles (numbered cues, `00:00:01,000 --> 00:00:04,000`), speakers from `Name: ` prefixes.

See `_subtitles` for cue parsing, speakers, dialogue dashes and errors.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import VendorLoader
from cx_audit.inputs.vendor._subtitles import load_cues

_FIRST_CUE = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2},\d{1,3}\s*-->")


class SrtLoader(VendorLoader):
    name = "srt"
    extensions = (".srt",)
    description = "SRT subtitles with a Name: prefix at the start of each cue"
    example = "1\n00:00:01,000 --> 00:00:04,000\nAgente: Buenos días, ¿en qué puedo ayudarle?"
    is_json = False

    def sniff(self, doc: Document) -> float:
        head = doc.head.lstrip("\ufeff \r\n").replace("\r\n", "\n")
        return 0.9 if _FIRST_CUE.match(head) else 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        yield from load_cues(doc, str(data), options, vtt=False)


register(SrtLoader())
