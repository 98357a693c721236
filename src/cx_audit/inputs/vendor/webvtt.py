"""WebVTT subtitles (`WEBVTT` header), speakers from `<v Name>` voice tags or `Name: ` prefixes.

See `_subtitles` for cue parsing, speakers, and errors. Times are the cue timings in seconds.
"""

from __future__ import annotations

from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import VendorLoader
from cx_audit.inputs.vendor._subtitles import load_cues


class WebVttLoader(VendorLoader):
    name = "vtt"
    extensions = (".vtt",)
    description = "WebVTT subtitles with <v Name> voice tags (Teams) or Name: prefixes (Zoom)"
    example = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Laura (Agente)>Buenos días, ¿en qué puedo ayudarle?"
    is_json = False

    def sniff(self, doc: Document) -> float:
        return 0.95 if doc.head.lstrip("\ufeff \r\n").startswith("WEBVTT") else 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        yield from load_cues(doc, str(data), options, vtt=True)


register(WebVttLoader())
