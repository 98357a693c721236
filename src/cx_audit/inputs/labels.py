"""Speaker labels to roles, plus the small value parsers every generic loader shares.

Labels are compared case- and accent-insensitively ("AGENTE", "Agente", "agénte" are one label).
What the user says wins over the built-in tables: `LoadOptions.role_map` (a label or a speaker
name to a role) first, then `agent_labels` / `customer_labels`, then the tables below.

The second half of the module holds what the text, CSV/TSV and JSON loaders have in common:
clock and date parsing, channel and language names, and assembling conversations from turn rows
that may arrive out of order (CSV rows, JSONL rows).
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import math
import re
import unicodedata
from array import array
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterator

from cx_audit.errors import InputError
from cx_audit.inputs.base import LoadOptions
from cx_audit.model import AGENT, BOT, CUSTOMER, META_KEYS, ROLES, SYSTEM, UNKNOWN, Transcript, Turn, merge_consecutive

BUILTIN_LABELS: dict[str, tuple[str, ...]] = {
    AGENT: (
        "agente", "asesor", "asesora", "operador", "operadora", "ejecutivo", "ejecutiva",
        "representante", "agent", "rep", "support", "soporte", "advisor",
    ),
    CUSTOMER: ("cliente", "usuario", "usuaria", "customer", "caller", "user", "client"),
    BOT: ("bot", "ivr", "asistente virtual", "virtual assistant"),
    SYSTEM: ("sistema", "system"),
}

# Role names a --role-map value may use, in either language.
_ROLE_WORDS = {
    "agent": AGENT, "agente": AGENT,
    "customer": CUSTOMER, "cliente": CUSTOMER,
    "bot": BOT,
    "system": SYSTEM, "sistema": SYSTEM,
    "unknown": UNKNOWN, "desconocido": UNKNOWN,
}

_SUFFIX_NUMBER = re.compile(r"[\s_#-]*\d+$")


def normalize_label(label: str) -> str:
    """Case-, accent- and spacing-insensitive form of a label: " Agénte_1 " -> "agente_1"."""
    return _normalize_label(str(label))


@lru_cache(maxsize=4096)  # labels, channels and languages repeat on every row of an export
def _normalize_label(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label.strip().casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split()).strip(" .-")


_BUILTIN = {normalize_label(lbl): role for role, labels in BUILTIN_LABELS.items() for lbl in labels}


def role_word(value: str) -> str | None:
    """A role named by a user ("agent", "Agente", "CUSTOMER") or None when it names no role."""
    norm = normalize_label(value)
    if norm in ROLES:
        return norm
    return _ROLE_WORDS.get(norm) or _BUILTIN.get(norm)


def _lookup(norm: str, options: LoadOptions | None) -> tuple[str, str] | None:
    if not norm:
        return None
    if options is not None:
        for key, value in options.role_map.items():
            if normalize_label(key) == norm:
                return (role_word(value) or UNKNOWN), "map"
        if norm in {normalize_label(x) for x in options.agent_labels}:
            return AGENT, "label"
        if norm in {normalize_label(x) for x in options.customer_labels}:
            return CUSTOMER, "label"
    if norm in _BUILTIN:
        return _BUILTIN[norm], "label"
    return None


def role_for_label(label: str, options: LoadOptions | None = None, name: str = "") -> tuple[str, str]:
    """The role of a speaker label (or CSV/JSON speaker value) and how it was decided.

    Returns (role, role_source) with role_source "map" (from `options.role_map`, which may key
    on the label or on the speaker's `name`), "label" (a built-in or user-given label) or
    "unknown". A trailing number is ignored ("agent_1", "Agente 2" are agents); anything else
    must be an exact label: "Laura" stays unknown unless mapped.
    """
    if options is not None and name and options.role_map:
        norm_name = normalize_label(name)
        for key, value in options.role_map.items():
            if normalize_label(key) == norm_name:
                return (role_word(value) or UNKNOWN), "map"
    norm = normalize_label(label)
    found = _lookup(norm, options)
    if found is None:
        stripped = _SUFFIX_NUMBER.sub("", norm)
        if stripped and stripped != norm:
            found = _lookup(stripped, options)
    return found or (UNKNOWN, "unknown")


def is_known_label(label: str, options: LoadOptions | None = None) -> bool:
    return role_for_label(label, options)[1] != "unknown"


# --- values shared by the loaders -------------------------------------------------------------

_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")


def parse_seconds(value: Any) -> float | None:
    """Seconds from a number, "12.5", "12,5", "mm:ss" or "hh:mm:ss[.fff]"; None if it is none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip()
    if _NUMBER.match(text):
        return float(text.replace(",", "."))
    match = _CLOCK.match(text)
    if match:
        hours, minutes, seconds = match.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds.replace(",", "."))
    return None


def parse_datetime(value: Any) -> datetime | None:
    """A wall-clock timestamp: ISO 8601 ("2026-01-05T10:02:00Z", "2026-01-05 10:02") or epoch
    seconds/milliseconds; None for anything else (a clock offset like "00:01:05" is not one)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or _NUMBER.match(str(value).strip()):
        number = parse_seconds(value)
        if number is None or number < 1e9:
            return None
        try:
            return datetime.fromtimestamp(number / 1000 if number >= 1e12 else number, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not _DATE_PREFIX.match(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_OTHER_DATE = re.compile(r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})\b")


def date_part(value: Any) -> str:
    """The date of a timestamp ("2026-01-05T10:02:00Z" -> "2026-01-05"), or "" if none is clear."""
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed.date().isoformat()
    text = str(value).strip()
    match = _DATE_PREFIX.match(text) or _OTHER_DATE.match(text)
    return match.group(1) if match else ""


_CHANNELS = {
    "voice": "voice", "call": "voice", "phone": "voice", "telephone": "voice", "llamada": "voice",
    "telefono": "voice", "voz": "voice", "audio": "voice",
    "chat": "chat", "webchat": "chat", "web chat": "chat", "live chat": "chat", "messaging": "chat",
    "whatsapp": "chat", "sms": "chat", "mensaje": "chat", "mensajeria": "chat",
    "email": "email", "e-mail": "email", "mail": "email", "correo": "email",
    "correo electronico": "email",
    "social": "social", "redes sociales": "social", "twitter": "social", "facebook": "social",
    "instagram": "social",
}


def normalize_channel(value: Any) -> str:
    """"voice", "chat", "email", "social" or "" for a channel name in English or Spanish."""
    return _CHANNELS.get(normalize_label(str(value or "")), "")


_LANGUAGES = {
    "es": "es", "spa": "es", "spanish": "es", "espanol": "es", "castellano": "es",
    "en": "en", "eng": "en", "english": "en", "ingles": "en",
    "pt": "pt", "portuguese": "pt", "portugues": "pt",
    "fr": "fr", "french": "fr", "frances": "fr",
}


def normalize_language(value: Any) -> str:
    """ISO 639-1 code for "es", "es-MX", "Español", "English"...; "" when it is not clear."""
    norm = normalize_label(str(value or "")).replace("_", "-")
    if norm in _LANGUAGES:
        return _LANGUAGES[norm]
    base = norm.split("-")[0]
    if base in _LANGUAGES:
        return _LANGUAGES[base]
    return base if re.fullmatch(r"[a-z]{2}", base) else ""


def new_metadata() -> dict[str, Any]:
    """Metadata with the keys reports group by always present ("" when unknown)."""
    return {key: "" for key in META_KEYS}


def agent_from_turns(turns: list[Turn]) -> str:
    """The name of the first agent turn that names a person other than its label, or ""."""
    for turn in turns:
        if turn.role == AGENT and turn.speaker and role_word(turn.speaker) is None:
            return turn.speaker
    return ""


def finish_turns(turns: list[Turn], options: LoadOptions) -> list[Turn]:
    return merge_consecutive(turns) if options.merge_turns else turns


# --- conversations assembled from rows (CSV/TSV, JSONL, a JSON list of rows) -------------------


@dataclass
class RowGroup:
    """The rows of one conversation, in file order, and what they say about the conversation."""

    conversation_id: str
    source: str
    line: int  # where it starts, to yield conversations and errors in document order
    rows: list[tuple[float | None, int, Turn]] = field(default_factory=list)  # (turn number, line, turn)
    metadata: dict[str, Any] = field(default_factory=new_metadata)
    channel: str = ""
    language: str = ""
    first_timestamp: Any = None
    timestamps: list[datetime | None] = field(default_factory=list)
    bad_order: InputError | None = None

    def set_meta(self, key: str, value: Any) -> None:
        """Keep the first non-empty value of `key`."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        if isinstance(value, str):
            value = value.strip()
        if key == "channel":
            channel = normalize_channel(value)
            self.channel = self.channel or channel
            if not channel and "channel" not in self.metadata:
                self.metadata["channel"] = value
        elif key == "language":
            self.language = self.language or normalize_language(value)
        elif self.metadata.get(key) in (None, ""):
            self.metadata[key] = value

    def add(self, turn: Turn, line: int, order: Any, source: str, timestamp: Any = None) -> InputError | None:
        """Add one row; returns an error when its turn number is not a number (file order kept)."""
        number: float | None = None
        error = None
        if order is not None and str(order).strip() != "":
            number = parse_seconds(order) if not isinstance(order, str) or ":" not in order else None
            if number is None and self.bad_order is None:
                error = self.bad_order = InputError(
                    source, f"turn number {str(order)!r} is not a number; file order kept", line
                )
        elif order is not None and self.bad_order is None:
            error = self.bad_order = InputError(source, "empty turn number; file order kept", line)
        self.rows.append((number, line, turn))
        stamp = parse_datetime(timestamp) if timestamp not in (None, "") else None
        if stamp is None and timestamp not in (None, "") and turn.start is None:
            turn.start = parse_seconds(timestamp)  # a clock offset ("00:01:05") in a time column
        if self.first_timestamp is None and timestamp not in (None, "") and (stamp is not None or date_part(timestamp)):
            self.first_timestamp = timestamp
        self.timestamps.append(stamp)
        return error

    def transcript(self, options: LoadOptions) -> Transcript:
        rows = list(self.rows)
        stamps = list(self.timestamps)
        if self.bad_order is None and any(number is not None for number, _, _ in rows):
            order = sorted(range(len(rows)), key=lambda i: (rows[i][0] is None, rows[i][0] or 0.0, i))
            rows = [rows[i] for i in order]
            stamps = [stamps[i] for i in order]
        turns = [turn for _, _, turn in rows]
        # Wall-clock timestamps give start offsets when no start column did.
        known = [s for s in stamps if s is not None]
        if known and all(t.start is None for t in turns):
            first = known[0]
            for turn, stamp in zip(turns, stamps):
                if stamp is not None:
                    try:
                        turn.start = max(0.0, (stamp - first).total_seconds())
                    except TypeError:  # naive vs aware datetimes mixed
                        turn.start = None
        if not self.metadata.get("date") and self.first_timestamp is not None:
            self.metadata["date"] = date_part(self.first_timestamp)
        if not self.metadata.get("agent"):
            self.metadata["agent"] = agent_from_turns(turns)
        return Transcript(
            conversation_id=self.conversation_id,
            source=self.source,
            turns=finish_turns(turns, options),
            channel=self.channel,
            language=self.language,
            metadata=self.metadata,
        )


# --- streaming rows out in document order ------------------------------------------------------

ROW_WINDOW = 1000  # conversations assembled from rows kept open at once
CLOSED_RECENT = 65536  # ids of yielded conversations kept as strings before they are packed


def _id_hash(conversation_id: str) -> int:
    """A 64-bit hash of an id, the same on every platform (hash() is 32-bit on 32-bit Pythons)."""
    digest = hashlib.blake2b(conversation_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class ClosedIds:
    """The ids of the conversations a RowStream has yielded, in bounded-growth memory.

    The newest `recent` are kept as strings (~90 bytes each); older ones are packed as 64-bit
    hashes into one sorted array (8 bytes each), so a file of a million conversations costs ~8 MB
    here instead of ~90. Two ids would have to share a hash for a row to be taken for a late one
    (about 3 in 100 million for a file of a million conversations); it would then be reported
    as a late row, never merged into the wrong conversation.
    """

    def __init__(self, recent: int | None = None):
        self.limit = CLOSED_RECENT if recent is None else recent
        self.recent: set[str] = set()
        self.packed = array("q")  # sorted hashes

    def add(self, conversation_id: str) -> None:
        self.recent.add(conversation_id)
        if len(self.recent) > self.limit:
            new = sorted(_id_hash(c) for c in self.recent)
            self.packed = array("q", heapq.merge(self.packed, new))
            self.recent.clear()

    def __contains__(self, conversation_id: str) -> bool:
        if conversation_id in self.recent:
            return True
        if not self.packed:
            return False
        wanted = _id_hash(conversation_id)
        i = bisect.bisect_left(self.packed, wanted)
        return i < len(self.packed) and self.packed[i] == wanted

    def __len__(self) -> int:
        return len(self.recent) + len(self.packed)


class RowStream:
    """Items of one document (errors, whole transcripts, conversations assembled from rows) in
    document order: each by the line where it starts, an error before a conversation starting on
    the same line. Yielded as soon as nothing before them can still change, so memory is bounded
    by `window` open conversations, not by the file.

    Rows of one conversation need not be contiguous: a conversation stays open until `window`
    conversations that start after it are open too. A row that comes later than that is reported
    (the conversation was already yielded) and skipped.
    """

    def __init__(self, doc_name: str, options: LoadOptions, window: int = ROW_WINDOW):
        self.doc_name = doc_name
        self.options = options
        self.window = window
        self.groups: dict[str, RowGroup] = {}  # open, in order of their first line
        self.closed = ClosedIds()
        self.pending: deque[tuple[int, int, Any]] = deque()  # (line, kind, item), lines ascending

    def group(self, conversation_id: str, source: str, line: int) -> RowGroup | None:
        """The open group of `conversation_id` (made at its first row); None if already yielded."""
        group = self.groups.get(conversation_id)
        if group is None:
            if conversation_id in self.closed:
                return None
            group = self.groups[conversation_id] = RowGroup(conversation_id, source, line)
        return group

    def late_row(self, conversation_id: str, line: int) -> InputError:
        return InputError(
            self.doc_name,
            f"row of conversation {conversation_id!r}, which was scored already: more than {self.window} "
            "conversations began since its previous row (keep the rows of a conversation together, e.g. "
            "sort the file by conversation id); row skipped",
            line,
        )

    def add(self, line: int, kind: int, item: Any) -> Iterator[Any]:
        """Queue an error (kind 0) or a whole transcript (kind 1) found at `line`; yield what is ready."""
        self.pending.append((line, kind, item))
        return self._drain()

    def add_nothing(self) -> Iterator[Any]:
        """Yield what is ready after items were put in `pending` directly."""
        return self._drain()

    def after_row(self) -> Iterator[Any]:
        """Call after each row: closes the oldest conversation when too many are open."""
        if len(self.groups) <= self.window:
            return self._drain()
        return self._close_oldest()

    def finish(self) -> Iterator[Any]:
        while self.groups:
            yield from self._close_oldest()
        while self.pending:
            yield self.pending.popleft()[2]

    def _close_oldest(self) -> Iterator[Any]:
        conversation_id = next(iter(self.groups))
        group = self.groups.pop(conversation_id)
        self.closed.add(conversation_id)
        while self.pending and (self.pending[0][0], self.pending[0][1]) < (group.line, 1):
            yield self.pending.popleft()[2]
        yield group.transcript(self.options)
        yield from self._drain()

    def _drain(self) -> Iterator[Any]:
        oldest = next(iter(self.groups.values())).line if self.groups else None
        while self.pending and (oldest is None or (self.pending[0][0], self.pending[0][1]) < (oldest, 1)):
            yield self.pending.popleft()[2]
