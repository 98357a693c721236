"""JSON and JSON Lines transcripts.

JSON: one transcript object, a list of them, or {"conversations": [...]}:

    {"id": "c-001", "agent": "Laura", "channel": "chat",
     "turns": [{"speaker": "agent", "text": "Hola, soy Laura."}, {"speaker": "customer", "text": "Hola"}]}

JSONL: one JSON object per line, either a whole transcript (it has a "turns"-like list) or one
turn row with a conversation id (rows are grouped by id, in order of first appearance).
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from cx_audit.errors import InputError
from cx_audit.inputs import registry
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.labels import (
    RowGroup,
    RowStream,
    agent_from_turns,
    finish_turns,
    new_metadata,
    normalize_channel,
    normalize_language,
    parse_seconds,
    role_for_label,
)
from cx_audit.model import UNKNOWN, Transcript, Turn

try:  # orjson is a dependency, but the loader must not depend on a compiled wheel being there.
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

ID_KEYS = ("id", "conversation_id", "conversationId", "call_id", "callId", "chat_id", "chatId")
TURNS_KEYS = ("turns", "messages", "utterances", "transcript")
ROLE_KEYS = ("role", "speaker_role", "participant_role", "participantRole")
SPEAKER_KEYS = ("speaker", "participant", "author", "from", "sender")
TEXT_KEYS = ("text", "content", "message", "utterance", "body")
NAME_KEYS = ("speaker_name", "speakerName", "name", "author_name")
START_KEYS = (("start", 1.0), ("start_time", 1.0), ("begin", 1.0), ("offset", 1.0),
              ("start_ms", 0.001), ("start_time_ms", 0.001), ("begin_ms", 0.001), ("offset_ms", 0.001),
              ("startTime", 1.0), ("startMs", 0.001))
END_KEYS = (("end", 1.0), ("end_time", 1.0), ("end_ms", 0.001), ("end_time_ms", 0.001),
            ("endTime", 1.0), ("endMs", 0.001))
ORDER_KEYS = ("turn", "turn_index", "seq", "sequence", "order", "index")
TIMESTAMP_KEYS = ("timestamp", "time", "datetime", "created_at", "sent_at", "createdAt", "sentAt")
META_FIELDS = ("agent", "team", "queue", "date", "channel", "language")
_CONSUMED = set(ID_KEYS) | set(TURNS_KEYS) | set(META_FIELDS) | {"metadata", "lang", "format"}


def parse_json(text: str) -> Any:
    """Parse JSON, fast when orjson is there; errors are json.JSONDecodeError (with a line)."""
    if _orjson is not None:
        try:
            return _orjson.loads(text)
        except _orjson.JSONDecodeError:
            pass  # orjson errors carry no line: let json find it (or accept what orjson would not)
    return json.loads(text)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _first(obj: dict, keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        if key in obj and obj[key] is not None:
            return key, obj[key]
    return None, None


def _scalar_text(value: Any) -> str:
    if isinstance(value, dict):  # {"name": "Laura", "id": 7}
        for key in ("name", "role", "id"):
            if value.get(key) not in (None, ""):
                return str(value[key]).strip()
        return ""
    return "" if value is None else str(value).strip()


def _turns_of(obj: dict) -> list | None:
    for key in TURNS_KEYS:
        if isinstance(obj.get(key), list):
            return obj[key]
    return None


def _is_turn_row(obj: dict) -> bool:
    return any(k in obj for k in TEXT_KEYS) or any(k in obj for k in SPEAKER_KEYS + ROLE_KEYS)


def _conversation_id(obj: dict) -> str:
    _, value = _first(obj, ID_KEYS)
    return _scalar_text(value)


# Per set of keys of a turn object (the same for every turn of a file, as a rule): the keys of
# each kind it holds, in the order `_first` tries them. Bounded: emptied when it grows past 1,000.
_PLANS: dict[tuple, tuple] = {}


def _plan(obj: dict) -> tuple:
    keys = tuple(obj)
    plan = _PLANS.get(keys)
    if plan is None:
        if len(_PLANS) >= 1000:
            _PLANS.clear()
        plan = _PLANS[keys] = (
            tuple(k for k in ROLE_KEYS if k in obj),
            tuple(k for k in SPEAKER_KEYS if k in obj),
            tuple(k for k in TEXT_KEYS if k in obj),
            tuple(k for k in NAME_KEYS if k in obj),
            tuple((k, scale) for k, scale in START_KEYS if k in obj),
            tuple((k, scale) for k, scale in END_KEYS if k in obj),
        )
    return plan


def _pick(obj: dict, keys: tuple[str, ...]) -> tuple[str | None, Any]:
    """`_first` over the keys `obj` is known to hold."""
    for key in keys:
        value = obj[key]
        if value is not None:
            return key, value
    return None, None


def _seconds(obj: dict, keys: tuple[tuple[str, float], ...]) -> float | None:
    for key, scale in keys:
        value = obj[key]
        if value is not None:
            seconds = parse_seconds(value)
            if seconds is not None:
                return seconds * scale
    return None


def _turn(obj: Any, options: LoadOptions, roles: dict | None = None) -> tuple[Turn | None, str | None]:
    """A turn from one JSON object: (turn, None), (None, None) to skip it, or (None, problem).

    `roles` caches role_for_label per (label, name) for one document (one set of options)."""
    if not isinstance(obj, dict):
        return None, f"expected a turn object, found {_kind(obj)}"
    role_keys, speaker_keys, text_keys, name_keys, start_keys, end_keys = _plan(obj)
    role_key, role_value = _pick(obj, role_keys)
    speaker_key, speaker_value = _pick(obj, speaker_keys)
    text_key, text_value = _pick(obj, text_keys)
    if role_key is None and speaker_key is None and text_key is None:
        return None, "turn has neither a speaker nor a text"
    if text_key is None:
        return None, "turn has no text"
    if isinstance(text_value, (dict, list)):
        return None, f"turn text is {_kind(text_value)}, expected a string"
    text = str(text_value).strip()
    if not text:
        return None, None  # an empty message: nothing to audit
    _, name_value = _pick(obj, name_keys)
    name = _scalar_text(name_value)
    label = _scalar_text(role_value if role_key else speaker_value)
    if role_key and speaker_key and not name:
        name = _scalar_text(speaker_value)
    if label or name:
        if roles is None:
            role, source = role_for_label(label, options, name=name)
        else:
            found = roles.get((label, name))
            if found is None:
                found = roles[(label, name)] = role_for_label(label, options, name=name)
            role, source = found
    else:
        role, source = UNKNOWN, "unknown"
    return Turn(role, text, name or label, _seconds(obj, start_keys), _seconds(obj, end_keys), source), None


def _transcript(obj: dict, turns_list: list, conversation_id: str, source: str, where: str, doc: Document,
                options: LoadOptions, line: int | None, roles: dict | None = None) -> Iterator[LoadItem]:
    turns: list[Turn] = []
    for index, raw in enumerate(turns_list, start=1):
        turn, problem = _turn(raw, options, roles)
        if problem:
            yield InputError(doc.name, f"{where}turn {index}: {problem}; turn skipped", line)
        elif turn is not None:
            turns.append(turn)
    if not turns:
        yield InputError(doc.name, f"{where}no turns with text", line)
        return
    metadata = new_metadata()
    channel = language = ""
    nested = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    for scope in (obj, nested):
        for key in META_FIELDS:
            value = scope.get(key)
            if key == "language" and value is None:
                value = scope.get("lang")
            if value is None or value == "":
                continue
            if key == "channel":
                channel = channel or normalize_channel(_scalar_text(value))
                if not normalize_channel(_scalar_text(value)):
                    metadata.setdefault("channel", _scalar_text(value))
            elif key == "language":
                language = language or normalize_language(_scalar_text(value))
            elif not metadata.get(key):
                metadata[key] = _scalar_text(value)
    for key, value in nested.items():
        if key not in META_FIELDS and key != "lang":
            metadata.setdefault(key, value)
    for key, value in obj.items():
        if key not in _CONSUMED and not isinstance(value, (dict, list)):
            metadata.setdefault(key, value)
    if not metadata.get("agent"):
        metadata["agent"] = agent_from_turns(turns)
    yield Transcript(
        conversation_id=conversation_id,
        source=source,
        turns=finish_turns(turns, options),
        channel=channel,
        language=language,
        metadata=metadata,
    )


class _Rows:
    """Turn rows (JSONL lines or a JSON list of rows) grouped into conversations by id."""

    def __init__(self, doc: Document, options: LoadOptions):
        self.doc = doc
        self.options = options
        self.stream = RowStream(doc.name, options)
        self.roles: dict = {}

    @property
    def groups(self) -> dict[str, RowGroup]:
        return self.stream.groups

    def add(self, obj: dict, line: int, source: str, where: str) -> list[InputError]:
        turn, problem = _turn(obj, self.options, self.roles)
        if problem:
            return [InputError(self.doc.name, f"{where}{problem}; row skipped", line)]
        conversation_id = _conversation_id(obj) or self.doc.stem
        group = self.stream.group(conversation_id, source, line)
        if group is None:
            return [self.stream.late_row(conversation_id, line)]
        errors: list[InputError] = []
        nested = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        for key in META_FIELDS:
            value = obj.get(key, nested.get(key))
            if key == "language" and value is None:
                value = obj.get("lang", nested.get("lang"))
            if value is not None:
                group.set_meta(key, _scalar_text(value))
        if turn is not None:
            _, order = _first(obj, ORDER_KEYS)
            _, stamp = _first(obj, TIMESTAMP_KEYS)
            error = group.add(turn, line, order, self.doc.name, timestamp=stamp)
            if error is not None:
                errors.append(error)
        return errors


def _looks_like_jsonl(head: str, truncated: bool) -> bool:
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if truncated and lines:
        lines = lines[:-1]  # the last line of the head may be cut
    lines = lines[:5]
    if len(lines) < 2:
        return False
    objects = 0
    for line in lines:
        if not line.startswith("{"):
            return False
        try:
            objects += isinstance(parse_json(line), dict)
        except ValueError:
            pass  # one broken line does not make it something else
    return objects >= 2 and objects >= len(lines) - 1


def _load_jsonl(doc: Document, options: LoadOptions, lines: Iterator[str]) -> Iterator[LoadItem]:
    rows = _Rows(doc, options)
    stream = rows.stream  # items in document order, yielded as soon as they are complete
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = parse_json(line)
        except json.JSONDecodeError as err:
            yield from stream.add(number, 0, InputError(doc.name, f"invalid JSON: {err.msg} (column {err.colno}); line skipped", number))
            continue
        except ValueError as err:
            yield from stream.add(number, 0, InputError(doc.name, f"invalid JSON: {err}; line skipped", number))
            continue
        if not isinstance(obj, dict):
            yield from stream.add(number, 0, InputError(doc.name, f"expected a JSON object, found {_kind(obj)}; line skipped", number))
            continue
        turns_list = _turns_of(obj)
        if turns_list is not None:
            conversation_id = _conversation_id(obj) or f"{doc.stem}:{number}"
            for item in _transcript(obj, turns_list, conversation_id, f"{doc.name}:{number}", "", doc, options, number, rows.roles):
                stream.pending.append((number, 0 if isinstance(item, InputError) else 1, item))
            yield from stream.add_nothing()
        elif _is_turn_row(obj):
            for error in rows.add(obj, number, f"{doc.name}:{number}", ""):
                stream.pending.append((error.line or number, 0, error))
            yield from stream.after_row()
        else:
            keys = ", ".join(list(obj)[:6]) or "none"
            yield from stream.add(number, 0, InputError(
                doc.name, f"expected a transcript (with 'turns') or a turn row (with 'speaker' and 'text'); found keys: {keys}", number))
    yield from stream.finish()


class JsonLoader:
    name = "json"
    extensions = (".json",)
    description = "JSON: one transcript object, a list of them, or {\"conversations\": [...]} with a 'turns' list each."
    example = '{"id": "c-001", "agent": "Laura", "turns": [{"speaker": "agent", "text": "Hola, soy Laura."}, {"speaker": "customer", "text": "Hola"}]}'

    def sniff(self, doc: Document) -> float:
        start = doc.head.lstrip("\ufeff \t\r\n")
        return 0.5 if start[:1] in ("{", "[") else 0.0

    def load(self, doc: Document, options: LoadOptions) -> Iterator[LoadItem]:
        text = doc.read()
        try:
            data = parse_json(text)
        except json.JSONDecodeError as err:
            if err.msg == "Extra data" and _looks_like_jsonl(text[:65536], len(text) > 65536):
                yield from _load_jsonl(doc, options, iter(text.splitlines()))  # JSON Lines named .json
                return
            yield InputError(doc.name, f"invalid JSON: {err.msg} (column {err.colno})", err.lineno)
            return
        except ValueError as err:
            yield InputError(doc.name, f"invalid JSON: {err}")
            return
        if isinstance(data, dict) and isinstance(data.get("conversations"), list):
            records = data["conversations"]
        elif isinstance(data, dict):
            yield from self._record(doc, options, data, None, False)
            return
        elif isinstance(data, list):
            records = data
        else:
            yield InputError(doc.name, f"expected a transcript object or a list of them, found {_kind(data)}")
            return
        if records and all(isinstance(r, dict) and _turns_of(r) is None and _is_turn_row(r) for r in records):
            yield from self._rows(doc, options, records)  # a list of turn rows, like JSONL
            return
        several = len(records) > 1
        for index, record in enumerate(records, start=1):
            yield from self._record(doc, options, record, index, several)

    def _record(self, doc: Document, options: LoadOptions, record: Any, index: int | None, several: bool) -> Iterator[LoadItem]:
        where = f"record {index}: " if index is not None else ""
        source = f"{doc.name}#{index}" if index is not None else doc.name
        if not isinstance(record, dict):
            yield InputError(doc.name, f"{where}expected a transcript object, found {_kind(record)}")
            return
        turns_list = _turns_of(record)
        if turns_list is None:
            for key in TURNS_KEYS:
                if record.get(key) is not None:
                    yield InputError(doc.name, f"{where}'{key}' is {_kind(record[key])}, expected a list of turns")
                    return
            keys = ", ".join(list(record)[:6]) or "none"
            yield InputError(doc.name, f"{where}no turns (expected a 'turns' or 'messages' list); found keys: {keys}")
            return
        conversation_id = _conversation_id(record) or (f"{doc.stem}#{index}" if several else doc.stem)
        yield from _transcript(record, turns_list, conversation_id, source, where, doc, options, None)

    def _rows(self, doc: Document, options: LoadOptions, records: list[dict]) -> Iterator[LoadItem]:
        rows = _Rows(doc, options)
        items: list[tuple[int, int, Any]] = []
        for index, record in enumerate(records, start=1):
            for error in rows.add(record, index, f"{doc.name}#{index}", f"record {index}: "):
                error.line = None
                items.append((index, 0, error))
        for group in rows.groups.values():
            items.append((group.line, 1, group))
        items.sort(key=lambda entry: (entry[0], entry[1]))
        for _, _, item in items:
            if isinstance(item, RowGroup):
                yield item.transcript(options)
            else:
                yield item


class JsonlLoader:
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    description = "JSON Lines: one transcript object per line, or one turn row per line with a conversation id."
    example = '{"conversation_id": "c-001", "speaker": "agent", "text": "Hola, soy Laura."}\n{"conversation_id": "c-001", "speaker": "customer", "text": "Hola"}'

    def sniff(self, doc: Document) -> float:
        if _looks_like_jsonl(doc.head, len(doc.head) >= 60000):
            return 0.6
        start = doc.head.lstrip("\ufeff \t\r\n")
        return 0.3 if start[:1] == "{" and doc.extension in self.extensions else 0.0

    def load(self, doc: Document, options: LoadOptions) -> Iterator[LoadItem]:
        with doc.open() as stream:
            yield from _load_jsonl(doc, options, stream)


registry.register(JsonLoader())
registry.register(JsonlLoader())
