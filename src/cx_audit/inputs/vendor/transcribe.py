"""Amazon Transcribe standard (batch) output, with speaker labels or channel identification.

Turns are built from `results.items`: each pronunciation item is a word, each punctuation item
is attached to the previous word without a space. Speaker labels: a word's speaker is its own
`speaker_label`, or (old outputs without one, like the 2018 sample) the segment whose items list
its `start_time`; a new turn starts at each `speaker_labels.segments` boundary. Channel
identification: each channel's words are built from `channel_labels.channels[].items` and cut into
phrases (at a sentence end or a pause over one second); phrases of all channels are ordered by
start time and consecutive phrases of one channel form a turn, so crosstalk does not shred a
sentence. Opening punctuation ("¿", "¡") is attached to the word after it. Without either,
the whole transcript is one turn of an unknown speaker.

Speakers are `spk_N` / `ch_N` with role "unknown": `roles.resolve_roles` (`--role-map spk_0=agent`
or the greeting heuristic) decides. Times are the words' `start_time`/`end_time` (seconds as strings).
"""

from __future__ import annotations

from typing import Any, Iterator

from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.registry import register
from cx_audit.inputs.vendor._common import VendorLoader, clean_text, doc_error, has_keys, looks_json, to_float, transcript, turn
from cx_audit.model import UNKNOWN


OPENING_PUNCTUATION = {"¿", "¡", "(", "\"", "«"}
PAUSE = 1.0  # seconds of silence that end a phrase on a channel


class _Word:
    __slots__ = ("text", "start", "end", "speaker", "segment")

    def __init__(self, text: str, start: float | None, end: float | None, speaker: str, segment: int) -> None:
        self.text, self.start, self.end, self.speaker, self.segment = text, start, end, speaker, segment


def _content(item: dict) -> str:
    alternatives = item.get("alternatives") or [{}]
    return str(alternatives[0].get("content", "")) if isinstance(alternatives[0], dict) else ""


def _words(items: list, speaker_of) -> list[_Word]:
    """Words with punctuation attached; `speaker_of(item)` gives (speaker, segment) of a word."""
    words: list[_Word] = []
    opening = ""  # "¿", "¡": opening punctuation goes before the next word
    for item in items:
        if not isinstance(item, dict):
            continue
        text = _content(item)
        if item.get("type") == "punctuation":
            if text in OPENING_PUNCTUATION:
                opening += text
            elif words:
                words[-1].text += text
            continue
        speaker, segment = speaker_of(item)
        words.append(_Word(opening + text, to_float(item.get("start_time")), to_float(item.get("end_time")), speaker, segment))
        opening = ""
    return words


def _phrases(words: list[_Word], segment: int) -> list[_Word]:
    """Split one channel's words into phrases (at a sentence end or a pause over PAUSE seconds),
    numbered from `segment`, so that crosstalk on the other channel does not cut a sentence into words."""
    previous: _Word | None = None
    for word in words:
        if previous is not None and (previous.text[-1:] in ".?!" or (
                word.start is not None and previous.end is not None and word.start - previous.end > PAUSE)):
            segment += 1
        word.segment = segment
        previous = word
    return words


def _turns(words: list[_Word]) -> list:
    turns = []
    for word in words:
        last = turns[-1] if turns else None
        if last is not None and last[0] == word.speaker and last[1] == word.segment:
            last[2].append(word)
        else:
            turns.append((word.speaker, word.segment, [word]))
    out = []
    for speaker, _segment, group in turns:
        text = clean_text(" ".join(w.text for w in group))
        out.append(turn(UNKNOWN, text, speaker=speaker, start=group[0].start, end=group[-1].end))
    return out


class TranscribeLoader(VendorLoader):
    name = "transcribe"
    description = "Amazon Transcribe batch output (results.items; speaker labels or channel identification)"
    example = '{"jobName": "call-1", "results": {"transcripts": [...], "speaker_labels": {...}, "items": [...]}}'

    def sniff(self, doc: Document) -> float:
        head = doc.head
        if looks_json(head) and has_keys(head, "results") and has_keys(head, "transcripts") and (
                has_keys(head, "items") or has_keys(head, "speaker_labels") or has_keys(head, "channel_labels")):
            return 0.9
        return 0.0

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, dict):
            yield doc_error(doc, "no `results` object: not a Transcribe output")
            return
        items = results.get("items") or []
        labels = results.get("speaker_labels")
        channels = results.get("channel_labels")
        if isinstance(channels, dict) and channels.get("channels"):
            phrases: list[list[_Word]] = []
            for number, channel in enumerate(channels["channels"]):
                label = str(channel.get("channel_label", ""))
                words = _phrases(_words(channel.get("items") or [], lambda item, label=label: (label, 0)), number * 1_000_000)
                for word in words:
                    if phrases and phrases[-1][0].segment == word.segment:
                        phrases[-1].append(word)
                    else:
                        phrases.append([word])
            phrases.sort(key=lambda p: (p[0].start is None, p[0].start or 0.0))
            # Phrases in time order; consecutive phrases of one channel then make one turn.
            ordered = [w for phrase in phrases for w in phrase]
            for word in ordered:
                word.segment = 0
            turns = _turns(ordered)
        elif isinstance(labels, dict) and labels.get("segments"):
            by_time: dict[str, tuple[str, int]] = {}
            for index, segment in enumerate(labels["segments"]):
                for item in segment.get("items") or []:
                    by_time.setdefault(str(item.get("start_time")), (str(item.get("speaker_label") or segment.get("speaker_label", "")), index))
                # Segments list their own items; an item without a match falls back on its own label.

            def speaker_of(item: dict) -> tuple[str, int]:
                found = by_time.get(str(item.get("start_time")))
                if found:
                    return (str(item.get("speaker_label") or found[0]), found[1])
                return (str(item.get("speaker_label", "")), -1)

            turns = _turns(_words(items, speaker_of))
        elif items:
            turns = _turns(_words(items, lambda item: ("", 0)))
        else:
            text = " ".join(str(t.get("transcript", "")) for t in results.get("transcripts") or [] if isinstance(t, dict))
            turns = [turn(UNKNOWN, clean_text(text))]
        yield transcript(doc, data.get("jobName"), turns, options, channel="voice",
                         language_code=results.get("language_code") or data.get("languageCode"))


register(TranscribeLoader())
