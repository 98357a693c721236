"""Plain-text transcripts: one conversation per file, one turn per `Speaker: text` line.

    # agent: Laura
    # channel: voice
    [00:00:03] Agente (Laura): Buenas tardes, le atiende Laura.
    [00:00:07] Cliente: Hola, llamo por una factura.
    que me llegó duplicada.            <- continuation of the customer's turn

A timestamp may precede the label (`[hh:mm:ss]`, `hh:mm:ss`, `[mm:ss]`, `(mm:ss)`, optionally
followed by `-`). Inside brackets or parentheses it may be a range, the turn's start and end
(`[00:00:03 - 00:00:09]`, `(00:03–00:09)`), which interruption metrics need. A label that is not a known role word (say, a person's name) counts as a
speaker only when it starts at least two lines, so a stray "Nota: ..." inside a turn stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from cx_audit.errors import InputError
from cx_audit.inputs import registry
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.labels import (
    agent_from_turns,
    finish_turns,
    is_known_label,
    new_metadata,
    normalize_channel,
    normalize_label,
    normalize_language,
    parse_seconds,
    role_for_label,
)
from cx_audit.model import UNKNOWN, Transcript, Turn

_CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d+)?"


def _range_end(group: str) -> str:
    return r"(?:\s*[-–—]\s*(?P<" + group + ">" + _CLOCK + r"))?"


_TURN_LINE = re.compile(
    r"^\s*(?:(?:\[(?P<ts1>" + _CLOCK + r")" + _range_end("te1") + r"\]"
    r"|\((?P<ts2>" + _CLOCK + r")" + _range_end("te2") + r"\)"
    r"|(?P<ts3>\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?|\d{1,2}:\d{2}(?=\s)))\s*(?:[-–—]\s*)?)?"
    r"(?P<label>[^\W\d_][\w.'’ -]{0,39}?)\s*(?:\((?P<name>[^()]{1,60})\))?\s*:(?P<text>.*)$"
)
_META_LINE = re.compile(r"^#\s*(?P<key>[^\W\d][\w .-]{0,30}?)\s*:\s*(?P<value>.*)$")
_META_KEYS = {
    "agent": "agent", "agente": "agent", "asesor": "agent",
    "team": "team", "equipo": "team",
    "queue": "queue", "cola": "queue",
    "date": "date", "fecha": "date",
    "channel": "channel", "canal": "channel",
    "language": "language", "lang": "language", "idioma": "language",
    "id": "id", "conversation id": "id", "conversation_id": "id", "call id": "id", "call_id": "id",
    "chat id": "id", "chat_id": "id", "conversacion": "id",
}
MAX_LABEL_WORDS = 4


@dataclass(slots=True)
class _Candidate:
    start: float | None
    end: float | None
    label: str
    name: str
    text: str


def _candidate(line: str) -> _Candidate | None:
    """The parts of a line that looks like `[ts] Label (Name): text`, or None."""
    match = _TURN_LINE.match(line)
    if not match:
        return None
    label = match.group("label").strip()
    text = match.group("text")
    if len(label.split()) > MAX_LABEL_WORDS or text.startswith("//"):
        return None  # a sentence with a colon in it, or a URL
    if label[-1].isdigit() and text[:1].isdigit():
        return None  # "a las 10:30" is a time, not a label
    clock = match.group("ts1") or match.group("ts2") or match.group("ts3")
    until = match.group("te1") or match.group("te2")
    return _Candidate(
        start=parse_seconds(clock) if clock else None,
        end=parse_seconds(until) if until else None,
        label=label,
        name=(match.group("name") or "").strip(),
        text=text.strip(),
    )


class TextLoader:
    name = "text"
    extensions = (".txt", ".log")
    description = "Plain text, one conversation per file: `Speaker: text` lines (Spanish or English labels)."
    example = "[00:00:03] Agente (Laura): Buenas tardes, le atiende Laura.\n[00:00:07] Cliente: Hola, llamo por una factura."

    def sniff(self, doc: Document) -> float:
        if not doc.head.strip():
            return 0.0
        checked = 0
        for line in doc.head.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            candidate = _candidate(line)
            if candidate is not None and (
                is_known_label(candidate.label) or (candidate.name and is_known_label(candidate.name))
            ):
                return 0.6
            checked += 1
            if checked >= 20:
                break
        return 0.05

    def load(self, doc: Document, options: LoadOptions) -> Iterator[LoadItem]:
        with doc.open() as stream:
            lines = stream.read().splitlines()

        # Pass 1: which labels are speakers. Known role words always; other labels only when
        # they start two or more lines (or name a known role in parentheses, "Laura (agente):").
        candidates: list[_Candidate | None] = [_candidate(line) for line in lines]
        counts: dict[str, int] = {}
        for cand in candidates:
            if cand is not None:
                key = normalize_label(cand.label)
                counts[key] = counts.get(key, 0) + 1

        def is_speaker(cand: _Candidate) -> bool:
            return (
                is_known_label(cand.label, options)
                or counts.get(normalize_label(cand.label), 0) >= 2
                or (bool(cand.name) and is_known_label(cand.name, options))
            )

        # Pass 2: turns, continuation lines, header comments.
        conversation_id = doc.stem
        metadata = new_metadata()
        channel = language = ""
        turns: list[Turn] = []
        errors: list[InputError] = []
        for number, (line, cand) in enumerate(zip(lines, candidates), start=1):
            if not line.strip():
                continue
            if cand is not None and is_speaker(cand):
                if cand.end is not None and cand.start is not None and cand.end < cand.start:
                    errors.append(InputError(doc.name, f"the turn ends before it starts ({_clip(line.strip(), 30)!r}); end time ignored", number))
                    cand.end = None
                turns.append(self._turn(cand, options))
                continue
            if turns:
                last = turns[-1]
                last.text = f"{last.text} {line.strip()}" if last.text else line.strip()
                continue
            stripped = line.strip()
            if stripped.startswith("#"):
                meta = _META_LINE.match(stripped)
                if meta:
                    key = normalize_label(meta.group("key"))
                    value = meta.group("value").strip()
                    canonical = _META_KEYS.get(key)
                    if canonical == "id":
                        conversation_id = value or conversation_id
                    elif canonical == "channel":
                        channel = normalize_channel(value)
                        if not channel:
                            metadata["channel"] = value
                    elif canonical == "language":
                        language = normalize_language(value)
                    elif canonical:
                        metadata[canonical] = value
                    elif value:
                        metadata.setdefault(key.replace(" ", "_"), value)
                continue
            errors.append(InputError(doc.name, f"text before the first speaker label ignored: {_clip(stripped)!r}", number))

        if not turns:
            yield InputError(doc.name, "no speaker labels found (expected lines like 'Agente: ...')")
            return
        yield from errors
        turns = [turn for turn in turns if turn.text]
        if not metadata.get("agent"):
            metadata["agent"] = agent_from_turns(turns)
        yield Transcript(
            conversation_id=conversation_id,
            source=doc.name,
            turns=finish_turns(turns, options),
            channel=channel,
            language=language,
            metadata=metadata,
        )

    @staticmethod
    def _turn(cand: _Candidate, options: LoadOptions) -> Turn:
        role, source = role_for_label(cand.label, options, name=cand.name)
        speaker = cand.name or cand.label
        if role == UNKNOWN and cand.name:
            # "Laura (agente):" names the person first and the role in parentheses.
            role, source = role_for_label(cand.name, options, name=cand.label)
            if role != UNKNOWN:
                speaker = cand.label
        return Turn(role=role, text=cand.text, speaker=speaker, start=cand.start, end=cand.end, role_source=source)


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


registry.register(TextLoader())
